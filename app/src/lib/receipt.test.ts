import { type Address, type Hex, concat, encodeAbiParameters, keccak256, parseAbiParameters, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { type PaidRequest, RECEIPT_TYPES, type SignedVoucher, type UsageReceipt, aatFee, receiptProblems, voucherDigest, withFeeWords } from "./receipt";

const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const stranger = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
const HOLDER: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const ID = 0xc0ffeen;
const domain = { name: "AAT", version: "1", chainId: 412346, verifyingContract: "0xe547a947fc6c8683c210a6a56a9de05dd87142ea" as Address };

const voucher: SignedVoucher = {
  holder: HOLDER,
  provider: provider.address,
  id: `0x${ID.toString(16)}`,
  cumulativeAmount: "29",
  deadline: 1_796_668_242,
};

/** A receipt as the gateway sends it, signed by `by` (the provider unless told). */
async function receipt(change: Partial<UsageReceipt> = {}, by = provider): Promise<UsageReceipt> {
  const fields = {
    holder: HOLDER,
    provider: provider.address,
    id: ID.toString(),
    voucherDigest: voucherDigest(domain, voucher),
    requestHash: `0x${"11".repeat(32)}` as Hex,
    responseHash: `0x${"22".repeat(32)}` as Hex,
    promptTokens: 80,
    completionTokens: 7,
    units: "108",
    cumulativeOwed: "137",
    ...change,
  };
  const signature = await by.signTypedData({
    domain: { name: "AAT usage receipt", version: "1", chainId: domain.chainId, verifyingContract: domain.verifyingContract },
    types: RECEIPT_TYPES,
    primaryType: "UsageReceipt",
    message: {
      ...fields,
      id: BigInt(fields.id),
      promptTokens: BigInt(fields.promptTokens),
      completionTokens: BigInt(fields.completionTokens),
      units: BigInt(fields.units),
      cumulativeOwed: BigInt(fields.cumulativeOwed),
    },
  });
  return { ...fields, signature };
}

const paid: PaidRequest = { holder: HOLDER, id: ID, provider: provider.address, maxUnits: 148n, voucher, domain };

describe("the provider's usage receipt, checked against what the wallet signed", () => {
  it("passes when it is the provider's, for this holder, id and voucher, within the bound, owing the voucher plus its units", async () => {
    expect(await receiptProblems(await receipt(), paid)).toEqual([]);
    // Addresses are compared whatever their case.
    expect(await receiptProblems(await receipt(), { ...paid, holder: HOLDER.toLowerCase() as Address })).toEqual([]);
  });

  it("fails when another key signed it", async () => {
    expect(await receiptProblems(await receipt({}, stranger), paid)).toEqual([`it is not signed by the provider 0x7099…79C8`]);
  });

  it("fails when a field was changed after the provider signed", async () => {
    const signed = await receipt();
    expect(await receiptProblems({ ...signed, promptTokens: 1 }, paid)).toEqual(["it is not signed by the provider 0x7099…79C8"]);
  });

  it("fails when it names another holder, other credits or another provider (even signed by the provider)", async () => {
    expect(await receiptProblems(await receipt({ holder: stranger.address }), paid)).toEqual(["it names the holder 0x3C44…93BC, not you"]);
    expect(await receiptProblems(await receipt({ id: "1" }), paid)).toEqual(["it is for other credits than the ones you paid with"]);
    expect(await receiptProblems(await receipt({ provider: stranger.address }), paid)).toEqual([
      "it names the provider 0x3C44…93BC, not 0x7099…79C8 you paid",
    ]);
  });

  it("fails when it charges more than the question could cost", async () => {
    expect(await receiptProblems(await receipt({ units: "149", cumulativeOwed: "178" }), paid)).toEqual([
      "it charges 149 credits, more than this question could cost (148 credits)",
    ]);
    expect(await receiptProblems(await receipt({ units: "148", cumulativeOwed: "177" }), paid)).toEqual([]);
  });

  it("fails when what it says is owed is not the voucher's amount plus its units", async () => {
    expect(await receiptProblems(await receipt({ cumulativeOwed: "1137" }), paid)).toEqual([
      "it says you owe 1,137 credits in total, but your voucher covered 29 credits and this answer 108 credits (137 credits)",
    ]);
    expect(await receiptProblems(await receipt({ cumulativeOwed: "136" }), paid)).toHaveLength(1);
  });

  it("fails when it names another voucher than the one the wallet signed", async () => {
    const other = voucherDigest(domain, { ...voucher, cumulativeAmount: "30" });
    expect(await receiptProblems(await receipt({ voucherDigest: other }), paid)).toEqual(["it names another voucher than the one you signed"]);
    const otherChain = voucherDigest({ ...domain, chainId: 1 }, voucher);
    expect(await receiptProblems(await receipt({ voucherDigest: otherChain }), paid)).toEqual([
      "it names another voucher than the one you signed",
    ]);
  });

  it("fails, without throwing, when its numbers cannot be read", async () => {
    const signed = await receipt();
    expect(await receiptProblems({ ...signed, units: "lots" }, paid)).toEqual(["its amounts or its voucher digest could not be read"]);
    expect(await receiptProblems({ ...signed, signature: "0x00" }, paid)).toEqual(["it is not signed by the provider 0x7099…79C8"]);
  });
});

describe("a voucher's digest", () => {
  it("is AAT's EIP-712 hash of the voucher (what hashVoucher returns), computed here from its definition", () => {
    const word = (types: string, values: unknown[]) => keccak256(encodeAbiParameters(parseAbiParameters(types), values));
    const separator = word("bytes32, bytes32, bytes32, uint256, address", [
      keccak256(toHex("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
      keccak256(toHex("AAT")),
      keccak256(toHex("1")),
      412346n,
      domain.verifyingContract,
    ]);
    const struct = word("bytes32, address, address, uint256, uint256, uint64", [
      keccak256(toHex("Voucher(address holder,address provider,uint256 id,uint256 cumulativeAmount,uint64 deadline)")),
      HOLDER,
      provider.address,
      ID,
      29n,
      1_796_668_242n,
    ]);
    expect(voucherDigest(domain, voucher)).toBe(keccak256(concat(["0x1901", separator, struct])));
    expect(voucherDigest(domain, voucher)).not.toBe(voucherDigest(domain, { ...voucher, deadline: voucher.deadline + 1 }));
  });
});

describe("AAT's fee", () => {
  it("is ceil(units * feeBps / 10,000), zero only when the fee is zero", () => {
    expect(aatFee(29n, 100)).toBe(1n);
    expect(aatFee(100n, 100)).toBe(1n);
    expect(aatFee(101n, 100)).toBe(2n);
    expect(aatFee(0n, 100)).toBe(0n);
    expect(aatFee(1_000n, 0)).toBe(0n);
    expect(aatFee(1n, 1_000)).toBe(1n);
  });

  it("is shown beside the cost", () => {
    expect(withFeeWords(29n, 100)).toBe("29 credits + 1 credit fee");
    expect(withFeeWords(148n, 100)).toBe("148 credits + 2 credits fee");
  });
});
