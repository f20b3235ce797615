// The plugin's bookkeeping without a chain: what it signs, in which domain,
// and that what is owed only grows (the Rust client's
// `a_late_402_never_lowers_what_a_payer_owes`). The end-to-end run against
// the gateway is examples/x402-clients.

import assert from "node:assert/strict";
import { test } from "node:test";
import type { PaymentPayload, PaymentRequired, PaymentRequirements, SettleResponse } from "@x402/core/types";
import { type Hex, recoverTypedDataAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { AatVoucherScheme, VOUCHER_TYPES, type VoucherPayload } from "../src/index.js";

const aat = "0x00000000000000000000000000000000000000a7";
const provider = "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB";

function offer(holder: string, owed: number, id = 7n): PaymentRequirements {
  return {
    scheme: "aat-voucher",
    network: "eip155:412346",
    amount: "100",
    asset: aat,
    payTo: provider,
    maxTimeoutSeconds: 120,
    extra: {
      name: "AAT",
      version: "1",
      chainId: 412346,
      verifyingContract: aat,
      minValiditySeconds: 3600,
      now: Math.floor(Date.now() / 1000) + 1000,
      accounts: [{ holder, id: `0x${id.toString(16)}`, owed: String(owed), settled: "0" }],
    },
  };
}

const required = (o: PaymentRequirements): PaymentRequired => ({
  x402Version: 2,
  resource: { url: "http://gw/v1/chat/completions" },
  accepts: [o],
});

async function pay(scheme: AatVoucherScheme, o: PaymentRequirements): Promise<VoucherPayload> {
  return (await scheme.createPaymentPayload(2, o)).payload as VoucherPayload;
}

async function respond(scheme: AatVoucherScheme, o: PaymentRequirements, answer: { settleResponse?: SettleResponse; paymentRequired?: PaymentRequired }) {
  const paymentPayload: PaymentPayload = { x402Version: 2, accepted: o, payload: {} };
  return scheme.schemeHooks.onPaymentResponse!({ paymentPayload, requirements: o, ...answer });
}

test("a voucher is the holder's, in the offer's domain, for what is owed, in chain time", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const scheme = new AatVoucherScheme(account, { id: 7n });
  const o = offer(account.address, 60);
  const { voucher, signature } = await pay(scheme, o);
  assert.deepEqual({ ...voucher, deadline: 0 }, { holder: account.address, provider, id: "0x7", cumulativeAmount: "60", deadline: 0 });
  const chainNow = o.extra.now as number;
  assert.ok(Math.abs(voucher.deadline - (chainNow + 86_400)) <= 1, "deadline from the chain's now");
  const signer = await recoverTypedDataAddress({
    domain: { name: "AAT", version: "1", chainId: 412346, verifyingContract: aat },
    types: VOUCHER_TYPES,
    primaryType: "Voucher",
    message: { ...voucher, id: 7n, cumulativeAmount: 60n, deadline: BigInt(voucher.deadline) },
    signature,
  });
  assert.equal(signer, account.address);
});

test("a session key signs its holder's vouchers", async () => {
  const key = privateKeyToAccount(generatePrivateKey());
  const holder: Hex = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
  const scheme = new AatVoucherScheme(key, { id: 7n, holder });
  const { voucher } = await pay(scheme, offer(holder, 5));
  assert.equal(voucher.holder, holder);
  assert.equal(voucher.cumulativeAmount, "5");
});

test("what is owed only grows, and only this holder's account counts", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const scheme = new AatVoucherScheme(account, { id: 7n });
  const owed = async (o: PaymentRequirements) => (await pay(scheme, o)).voucher.cumulativeAmount;
  assert.equal(await owed(offer(account.address, 60)), "60");
  // Terms from before a charge it has already heard of.
  assert.equal(await owed(offer(account.address, 50)), "60");
  assert.equal(await owed(offer(account.address, 75)), "75");
  // Another holder's account is not this one's, whatever it says.
  assert.equal(await owed(offer("0xcccccccccccccccccccccccccccccccccccccccc", 500)), "75");
  assert.equal(scheme.owed(provider, 7n), 75n);
});

test("a 402 that says more is owed is learned and retried once; one that does not is returned", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const scheme = new AatVoucherScheme(account, { id: 7n });
  const unpaid = offer(account.address, 0);
  unpaid.extra.accounts = [];
  assert.equal((await pay(scheme, unpaid)).voucher.cumulativeAmount, "0");
  assert.deepEqual(await respond(scheme, unpaid, { paymentRequired: required(offer(account.address, 40)) }), { recovered: true });
  assert.equal((await pay(scheme, unpaid)).voucher.cumulativeAmount, "40");
  assert.equal(await respond(scheme, unpaid, { paymentRequired: required(offer(account.address, 40)) }), undefined);
  // A settlement's account raises it for the next request.
  const settleResponse: SettleResponse = {
    success: true,
    transaction: "",
    network: "eip155:412346",
    extensions: { "aat-voucher": { account: { holder: account.address.toLowerCase(), id: "0x7", owed: "77" }, receipt: { provider } } },
  };
  assert.equal(await respond(scheme, unpaid, { settleResponse }), undefined);
  assert.equal((await pay(scheme, unpaid)).voucher.cumulativeAmount, "77");
});

test("a pinned domain refuses an offer for another contract", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const domain = { name: "AAT", version: "1", chainId: 412346, verifyingContract: "0x00000000000000000000000000000000000000a8" as Hex };
  const scheme = new AatVoucherScheme(account, { id: 7n, domain });
  await assert.rejects(pay(scheme, offer(account.address, 1)), /not the pinned AAT/);
});

test("a claim the caller does not accept is never signed for", async () => {
  const account = privateKeyToAccount(generatePrivateKey());
  const claims: bigint[] = [];
  // Accepts a provider's claim only up to 50 more than it knew.
  const scheme = new AatVoucherScheme(account, {
    id: 7n,
    acceptOwed: ({ claimed, known }) => {
      claims.push(claimed);
      return claimed - known <= 50n;
    },
  });
  assert.equal((await pay(scheme, offer(account.address, 40))).voucher.cumulativeAmount, "40");
  await assert.rejects(pay(scheme, offer(account.address, 1_000)), /says 1000 is owed; this client knows 40/);
  const unpaid = offer(account.address, 0);
  unpaid.extra.accounts = [];
  // A 402 claiming too much is not learned (no retry), nor is a settlement.
  assert.equal(await respond(scheme, unpaid, { paymentRequired: required(offer(account.address, 900)) }), undefined);
  const settleResponse: SettleResponse = {
    success: true,
    transaction: "",
    network: "eip155:412346",
    extensions: { "aat-voucher": { account: { holder: account.address, id: "0x7", owed: "5000" }, receipt: { provider } } },
  };
  await respond(scheme, unpaid, { settleResponse });
  assert.equal(scheme.owed(provider, 7n), 40n);
  assert.equal((await pay(scheme, unpaid)).voucher.cumulativeAmount, "40");
  // Within the bound, a claim is adopted.
  assert.deepEqual(await respond(scheme, unpaid, { paymentRequired: required(offer(account.address, 70)) }), { recovered: true });
  assert.equal((await pay(scheme, unpaid)).voucher.cumulativeAmount, "70");
  assert.deepEqual(claims, [40n, 1000n, 900n, 5000n, 70n]);
});
