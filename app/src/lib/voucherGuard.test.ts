import type { Address, Hex } from "viem";
import { describe, expect, it, vi } from "vitest";
import type { VoucherSigner } from "x402-aat-voucher";
import { UnbackedVoucher, VoucherBook, backedSigner } from "./voucherGuard";

const HOLDER: Address = "0x00000000000000000000000000000000000000a1";
const PROVIDER: Address = "0x00000000000000000000000000000000000000b2";
const OTHER: Address = "0x00000000000000000000000000000000000000c3";
const ID = 7n;
const SIGNATURE: Hex = "0x5151";

/** A voucher as the x402-aat-voucher plugin asks the wallet to sign it. */
function voucher(cumulativeAmount: bigint, provider: Address = PROVIDER, id = ID) {
  return {
    domain: { name: "AAT", version: "1", chainId: 1, verifyingContract: OTHER },
    types: {},
    primaryType: "Voucher",
    message: { holder: HOLDER, provider, id, cumulativeAmount, deadline: 100n },
  };
}

function setup(settled: bigint) {
  const book = new VoucherBook();
  const wallet = vi.fn<VoucherSigner["signTypedData"]>(async () => SIGNATURE);
  const readSettled = vi.fn(async () => settled);
  return { book, wallet, readSettled, sign: backedSigner(wallet, book, readSettled) };
}

describe("a voucher is signed only for a total the page has seen backed", () => {
  it("on a fresh page, signs up to what is settled on chain, and nothing more", async () => {
    const { sign, wallet, readSettled } = setup(40n);
    await expect(sign(voucher(0n))).resolves.toBe(SIGNATURE);
    await expect(sign(voucher(40n))).resolves.toBe(SIGNATURE);
    const refused = await sign(voucher(41n)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnbackedVoucher);
    expect(refused).toMatchObject({ claimed: 41n, seen: 40n, holder: HOLDER, provider: PROVIDER, id: ID });
    expect(wallet).toHaveBeenCalledTimes(2);
    expect(readSettled).toHaveBeenCalledWith(HOLDER, PROVIDER, ID);
  });

  it("after a checked receipt, signs up to what it says is owed, not what the chain or the gateway says", async () => {
    const { sign, book, wallet, readSettled } = setup(500n);
    book.recordReceipt(HOLDER, PROVIDER, ID, 29n);
    await expect(sign(voucher(29n))).resolves.toBe(SIGNATURE);
    await expect(sign(voucher(30n))).rejects.toBeInstanceOf(UnbackedVoucher);
    expect(readSettled).not.toHaveBeenCalled();
    book.recordReceipt(HOLDER, PROVIDER, ID, 57n);
    await expect(sign(voucher(57n))).resolves.toBe(SIGNATURE);
    expect(wallet.mock.calls.map(([args]) => args.message.cumulativeAmount)).toEqual([29n, 57n]);
  });

  it("signs a larger total once the person confirmed it, and no more than that", async () => {
    const { sign, book, wallet } = setup(0n);
    await expect(sign(voucher(120n))).rejects.toMatchObject({ claimed: 120n, seen: 0n });
    book.approve(HOLDER, PROVIDER, ID, 120n);
    await expect(sign(voucher(120n))).resolves.toBe(SIGNATURE);
    await expect(sign(voucher(121n))).rejects.toMatchObject({ claimed: 121n, seen: 0n });
    expect(wallet).toHaveBeenCalledTimes(1);
  });

  it("keeps each (holder, provider, id) apart", async () => {
    const { sign, book } = setup(0n);
    book.recordReceipt(HOLDER, PROVIDER, ID, 50n);
    book.approve(HOLDER, PROVIDER, ID, 80n);
    await expect(sign(voucher(50n, OTHER))).rejects.toBeInstanceOf(UnbackedVoucher);
    await expect(sign(voucher(50n, PROVIDER, ID + 1n))).rejects.toBeInstanceOf(UnbackedVoucher);
    await expect(sign(voucher(80n))).resolves.toBe(SIGNATURE);
  });

  it("signs nothing but vouchers", async () => {
    const { sign, wallet } = setup(1_000n);
    await expect(sign({ ...voucher(0n), primaryType: "Permit" })).rejects.toThrow(/only AAT vouchers/);
    expect(wallet).not.toHaveBeenCalled();
  });

  it("says what the gateway claims and what the page has seen", () => {
    expect(new UnbackedVoucher(HOLDER, PROVIDER, ID, 57n, 1n).message).toBe(
      "The provider says you owe 57 credits for earlier requests (this page has seen 1 credit): nothing was signed.",
    );
  });
});
