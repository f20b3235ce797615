// The official x402 clients, and the tools agents use, against the demo's
// chain and gateway (issue #21 items 4 and 5):
//   a. @x402/fetch + @x402/evm's ExactEvmScheme pay `exact` in TokenAI
//      (spend controls naming TokenAI), and the queued payment settles;
//   b. the same client with the `aat-voucher` plugin (packages/x402-aat-voucher)
//      pays by voucher from a channel, the holder's own key and a session key;
//   c. ethers 6 hears AAT and TokenAI events over WebSocket while two
//      transactions are sent in a row;
//   d. viem's test client in anvil mode: snapshot, mine, revert.
// Each check prints one line; any failure exits non-zero with its reason.
//
//   target/debug/aat-demo --keep --port 0 --gateway-port 0 --write-env /tmp/aat.json &
//   AAT_DEMO_ENV=/tmp/aat.json npm start

import { readFileSync } from "node:fs";
import { x402Client, x402HTTPClient, wrapFetchWithPayment } from "@x402/fetch";
import type { PaymentPayload, SettleResponse } from "@x402/core/types";
import { ExactEvmScheme } from "@x402/evm";
import { Contract, type ContractEventPayload, type EventLog, Network, WebSocketProvider, Wallet } from "ethers";
import {
  type Abi,
  type Address,
  type Hex,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  formatEther,
  http,
  keccak256,
  parseEther,
  recoverTypedDataAddress,
  stringToHex,
  zeroAddress,
} from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { AatVoucherScheme, RECEIPT_TYPES, type VoucherPayload, receiptDomain } from "x402-aat-voucher";

const abi = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../abi/${name}.json`, import.meta.url), "utf8")) as Abi;
const aatAbi = abi("AAT");
const tokenAbi = abi("TokenAI");

if (!process.env.AAT_DEMO_ENV) throw new Error("set AAT_DEMO_ENV to the file aat-demo --write-env wrote");
const env = JSON.parse(readFileSync(process.env.AAT_DEMO_ENV, "utf8"));
const party = (name: string) => {
  const found = env.accounts.find((a: { name: string }) => a.name === name);
  if (!found) throw new Error(`no ${name} in ${process.env.AAT_DEMO_ENV}`);
  return privateKeyToAccount(found.key as Hex);
};
const alice = party("Agent Alice");
const provider = party("Provider").address;
const free = party("Free");
const grace = privateKeyToAccount(env.holderKey as Hex);
const network = `eip155:${env.chainId}` as const;
const chatUrl = `${env.gateway}/v1/chat/completions`;
const ids = { gift: BigInt(env.ids.GIFT), llama: BigInt(env.ids.LLAMA) };

const chain = defineChain({
  id: env.chainId,
  name: "devnode",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [env.rpcUrl] } },
});
const transport = http(env.rpcUrl);
const chainClient = createPublicClient({ chain, transport });
const aat = { address: env.aat as Address, abi: aatAbi } as const;
const tokenAI = { address: env.tokenAI as Address, abi: tokenAbi } as const;

/** A chat request; small, so that a channel pays many. */
function ask(model: string, question: string): RequestInit {
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: question }], max_tokens: 8 }),
  };
}

/** An x402 client paying as `signer`; `sent` collects every payload it signs. */
function payer(signer: PrivateKeyAccount, voucher?: AatVoucherScheme) {
  const client = new x402Client().register(network, new ExactEvmScheme(signer));
  if (voucher) client.register(network, voucher);
  const sent: PaymentPayload[] = [];
  client.onAfterPaymentCreation(async (ctx) => void sent.push(ctx.paymentPayload));
  const settlement = (res: Response): SettleResponse | undefined => {
    try {
      return new x402HTTPClient(client).getPaymentSettleResponse((h) => res.headers.get(h));
    } catch {
      return undefined;
    }
  };
  return { client, sent, settlement, fetch: wrapFetchWithPayment(fetch, client) };
}

async function refusal(res: Response): Promise<string> {
  const text = await res.text();
  try {
    return JSON.parse(text).error?.message ?? JSON.parse(text).error ?? text;
  } catch {
    return text;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// a. exact ------------------------------------------------------------------

async function defaultsRefuseTokenAI(): Promise<string> {
  const client = new x402Client().register(network, new ExactEvmScheme(alice));
  try {
    await wrapFetchWithPayment(fetch, client)(chatUrl, ask("gpt-4o-mini", "hello"));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes("spendControls")) return `without allowedAssets the official client refuses TokenAI ("${message.slice(0, 70)}…")`;
    throw err;
  }
  throw new Error("the official client paid TokenAI without being allowed to");
}

async function exactInTokenAI(): Promise<string> {
  const { client, sent, settlement, fetch: pay } = payer(alice);
  client.setSpendControls({
    allowedAssets: [{ network, asset: env.tokenAI, maxAmountPerPayment: parseEther("0.01").toString() }],
  });
  const before = (await chainClient.readContract({ ...tokenAI, functionName: "balanceOf", args: [alice.address] })) as bigint;
  const res = await pay(chatUrl, ask("gpt-4o-mini", "What is x402?"));
  if (res.status !== 200) throw new Error(`${res.status}: ${await refusal(res)}`);
  const answer = (await res.json()).choices?.[0]?.message?.content;
  const settled = settlement(res);
  const auth = (sent[0]?.payload as { authorization?: { nonce: Hex; value: string } }).authorization;
  if (sent[0]?.accepted.scheme !== "exact" || !auth) throw new Error(`paid with ${sent[0]?.accepted.scheme}`);
  if (!settled || !(settled.success || settled.errorReason === "settlement_pending"))
    throw new Error(`PAYMENT-RESPONSE ${JSON.stringify(settled)}`);
  // Queued: the gateway's worker settles it; the nonce is used on-chain.
  await until("the authorization to settle", async () =>
    (await chainClient.readContract({ ...tokenAI, functionName: "authorizationState", args: [alice.address, auth.nonce] }))
      ? true
      : undefined,
  );
  const after = (await chainClient.readContract({ ...tokenAI, functionName: "balanceOf", args: [alice.address] })) as bigint;
  if (before - after !== BigInt(auth.value)) throw new Error(`Alice paid ${before - after}, signed ${auth.value}`);
  return (
    `Agent Alice paid ${formatEther(BigInt(auth.value))} TAI by EIP-3009 (200, "${String(answer).slice(0, 24)}…", ` +
    `PAYMENT-RESPONSE ${settled.success ? "settled" : settled.errorReason}); settled on-chain: nonce ${auth.nonce.slice(0, 10)}… used`
  );
}

// b. aat-voucher -------------------------------------------------------------

/**
 * Makes sure `holder` has a channel with the gateway's provider for `id`
 * locking at least `target` units for at least a day more, naming `signer`
 * (zero: the holder's own key), and that the gateway has read it. A rerun
 * against the same demo reuses it (nothing settles there: what each run
 * owes stays reserved against it), topping it up to `target` if needed.
 */
async function channel(holder: PrivateKeyAccount, id: bigint, target: bigint, signer: Address): Promise<string> {
  const [locked, expiresAt] = (await chainClient.readContract({
    ...aat,
    functionName: "channelOf",
    args: [holder.address, provider, id],
  })) as [bigint, bigint, Address];
  const now = (await chainClient.getBlock()).timestamp;
  if (locked >= target && expiresAt > now + 86_400n) return `channel of ${locked} units open`;
  // A week, within the id's life, and never shorter than it already is.
  const [, , expiration] = (await chainClient.readContract({ ...aat, functionName: "tokenConfig", args: [id] })) as [Hex, Hex, bigint];
  let end = now + 7n * 86_400n;
  if (expiration !== 0n && end > expiration) end = expiration;
  if (end < expiresAt) end = expiresAt;
  const amount = target > locked ? target - locked : 1n;
  const wallet = createWalletClient({ account: holder, chain, transport });
  const receipt = await chainClient.waitForTransactionReceipt({
    hash: await wallet.writeContract({ ...aat, functionName: "openChannel", args: [provider, id, amount, end, signer] }),
  });
  if (receipt.status !== "success") throw new Error("openChannel reverted");
  await until("the gateway to read the channel", async () => {
    const health = await (await fetch(`${env.gateway}/healthz`)).json();
    return BigInt(health.chainHead) >= receipt.blockNumber ? true : undefined;
  });
  return `channel ${locked === 0n ? "opened" : "topped up"} to ${locked + amount} units`;
}

type VoucherSettlement = {
  account: { owed: string };
  receipt: { units: string; cumulativeOwed: string; signature: Hex } & Record<string, string | number>;
};

/** One paid chat by voucher: the answer, what the gateway now says is owed, and the voucher(s) signed. */
async function chatByVoucher(p: ReturnType<typeof payer>, model: string, question: string) {
  const first = p.sent.length;
  const res = await p.fetch(chatUrl, ask(model, question));
  if (res.status !== 200) throw new Error(`${res.status}: ${await refusal(res)}`);
  await res.arrayBuffer();
  const settled = p.settlement(res);
  const part = settled?.extensions?.["aat-voucher"] as VoucherSettlement | undefined;
  if (!settled?.success || !part) throw new Error(`PAYMENT-RESPONSE ${JSON.stringify(settled)}`);
  const r = part.receipt;
  const signer = await recoverTypedDataAddress({
    domain: receiptDomain(env.chainId, env.aat),
    types: RECEIPT_TYPES,
    primaryType: "UsageReceipt",
    message: {
      holder: r.holder as Address,
      provider: r.provider as Address,
      id: BigInt(r.id),
      voucherDigest: r.voucherDigest as Hex,
      requestHash: r.requestHash as Hex,
      responseHash: r.responseHash as Hex,
      promptTokens: BigInt(r.promptTokens),
      completionTokens: BigInt(r.completionTokens),
      units: BigInt(r.units),
      cumulativeOwed: BigInt(r.cumulativeOwed),
    },
    signature: r.signature,
  });
  if (signer.toLowerCase() !== provider.toLowerCase()) throw new Error(`the usage receipt is signed by ${signer}`);
  const payloads = p.sent.slice(first).map((s) => {
    if (s.accepted.scheme !== "aat-voucher") throw new Error(`paid with ${s.accepted.scheme}`);
    return s.payload as VoucherPayload;
  });
  return { owed: BigInt(part.account.owed), units: BigInt(r.units), payloads, vouchers: payloads.map((v) => v.voucher) };
}

/**
 * Whether AAT would settle `signed` for the provider: `settle` simulated
 * (eth_call), which reverts with the contract's error on a voucher it
 * refuses, so a voucher the gateway took is one the chain takes.
 */
async function settles({ voucher, signature }: VoucherPayload): Promise<void> {
  const [model, scope] = (await chainClient.readContract({ ...aat, functionName: "tokenConfig", args: [BigInt(voucher.id)] })) as [Hex, Hex];
  try {
    await chainClient.simulateContract({
      ...aat,
      account: provider,
      functionName: "settle",
      args: [{ ...voucher, id: BigInt(voucher.id), cumulativeAmount: BigInt(voucher.cumulativeAmount), deadline: BigInt(voucher.deadline) }, signature, model, scope],
    });
  } catch (err) {
    const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    const name = revert instanceof ContractFunctionRevertedError ? revert.data?.errorName : undefined;
    throw new Error(`AAT.settle refuses the voucher the gateway took: ${name ?? (err instanceof Error ? err.message : err)}`);
  }
}

const allowBoth = [
  { network, asset: env.aat as string, maxAmountPerPayment: "1000" },
  { network, asset: env.tokenAI as string },
];

async function voucherAsHolder(): Promise<string> {
  const opened = await channel(grace, ids.gift, 1_000n, zeroAddress);
  const p = payer(grace, new AatVoucherScheme(grace, { id: ids.gift }));
  p.client.setSpendControls({ allowedAssets: allowBoth });
  const one = await chatByVoucher(p, "gpt-4o-mini", "Name one prime.");
  const two = await chatByVoucher(p, "gpt-4o-mini", "Name another.");
  const signed = two.vouchers.map((v) => v.cumulativeAmount);
  if (signed.length !== 1 || BigInt(signed[0]) !== one.owed)
    throw new Error(`the second request signed ${signed.join(", ")}, the first left ${one.owed} owed`);
  if (two.owed !== one.owed + two.units) throw new Error(`owed ${one.owed} + ${two.units} ≠ ${two.owed}`);
  await settles(two.payloads[0]);
  return (
    `Grace (GIFT, ${opened}) paid two gpt-4o-mini requests by voucher through @x402/fetch ` +
    `(${one.units} + ${two.units} units; the second voucher for ${one.owed}, what the first left owed, and AAT.settle takes it; receipts signed by the provider)`
  );
}

async function voucherAfterLosingTrack(): Promise<string> {
  // A new client for the same holder knows nothing: its first voucher (for
  // 0) gets a 402 telling what is owed, and the plugin pays again once.
  const scheme = new AatVoucherScheme(grace, { id: ids.gift });
  const p = payer(grace, scheme);
  p.client.setSpendControls({ allowedAssets: allowBoth });
  const paid = await chatByVoucher(p, "gpt-4o-mini", "And one more?");
  const signed = paid.vouchers.map((v) => v.cumulativeAmount);
  if (signed.length !== 2 || signed[0] !== "0" || BigInt(signed[1]) + paid.units !== paid.owed)
    throw new Error(`vouchers ${signed.join(", ")} for a request leaving ${paid.owed} owed`);
  const [closed] = await scheme.closeOut(`${env.gateway}/aat/vouchers`);
  const account = (await closed.json()).account;
  if (closed.status !== 200 || BigInt(account?.owed) !== paid.owed) throw new Error(`closeOut: ${closed.status} ${JSON.stringify(account)}`);
  return `a fresh client for Grace signed 0, was told ${signed[1]} is owed (402), paid again (recovered); closeOut handed in a voucher for all ${paid.owed}`;
}

async function voucherBySessionKey(): Promise<string> {
  // A key only this example uses, the same on every run (its channel is reused).
  const sessionKey = privateKeyToAccount(keccak256(stringToHex(`x402-clients session key of ${alice.address}`)));
  const opened = await channel(alice, ids.llama, 390n, sessionKey.address);
  const p = payer(sessionKey, new AatVoucherScheme(sessionKey, { id: ids.llama, holder: alice.address }));
  p.client.setSpendControls({ allowedAssets: allowBoth });
  const paid = await chatByVoucher(p, "llama-3-70b", "Hi.");
  const holder = paid.vouchers.at(-1)?.holder;
  if (holder?.toLowerCase() !== alice.address.toLowerCase()) throw new Error(`the voucher's holder is ${holder}`);
  await settles(paid.payloads.at(-1)!);
  return `Agent Alice's session key ${sessionKey.address.slice(0, 10)}… paid llama-3-70b from her LLAMA channel (${opened}; ${paid.units} units, owes ${paid.owed}; AAT.settle takes the key's voucher)`;
}

// c. ethers over WebSocket ---------------------------------------------------

async function ethersOverWebSocket(): Promise<string> {
  const wsUrl = env.rpcUrl.replace(/^http/, "ws");
  // cacheTimeout -1: no request cache, or the second send reuses the cached
  // nonce of the first (one block per transaction: it is already mined).
  const ws = new WebSocketProvider(wsUrl, Network.from(env.chainId), { staticNetwork: true, cacheTimeout: -1 });
  try {
    const wallet = new Wallet(env.freeKey as string, ws);
    const token = new Contract(env.tokenAI, tokenAbi as never, wallet);
    const aatC = new Contract(env.aat, aatAbi as never, wallet);
    const heard = (contract: Contract, event: string) =>
      new Promise<EventLog>((resolve) => {
        // ethers hands a listener the event's arguments, then a payload whose `log` is the log.
        void contract.on(contract.filters[event](wallet.address), (...args: unknown[]) =>
          resolve((args.at(-1) as ContractEventPayload).log as EventLog),
        );
      });
    const approval = heard(token, "Approval");
    const approvalForAll = heard(aatC, "ApprovalForAll");
    await new Promise((r) => setTimeout(r, 200)); // the subscriptions reach the node
    const tx1 = await token.approve(env.exchange, 1n);
    const tx2 = await aatC.setApprovalForAll(env.exchange, true);
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no event within 10 s")), 10_000));
    const [e1, e2] = await Promise.race([Promise.all([approval, approvalForAll]), timeout]);
    const [r1, r2] = await Promise.all([tx1.wait(), tx2.wait()]);
    if (r1?.status !== 1 || r2?.status !== 1) throw new Error("a transaction failed");
    if (tx2.nonce !== tx1.nonce + 1) throw new Error(`nonces ${tx1.nonce}, ${tx2.nonce}`);
    if (e1.transactionHash !== tx1.hash || e2.transactionHash !== tx2.hash) throw new Error("events from other transactions");
    return `ethers 6 over ${wsUrl}: two transactions in a row (nonces ${tx1.nonce}, ${tx2.nonce}), TokenAI Approval and AAT ApprovalForAll heard by eth_subscribe`;
  } finally {
    await ws.destroy();
  }
}

// d. viem's test client --------------------------------------------------------

async function viemAnvilTestClient(): Promise<string> {
  const test = createTestClient({ chain, mode: "anvil", transport });
  // cacheTime 0: viem caches the block number for its polling interval (4 s).
  const height = () => chainClient.getBlockNumber({ cacheTime: 0 });
  const start = await height();
  const balance = await chainClient.getBalance({ address: free.address });
  const snapshot = await test.snapshot();
  let mined: bigint;
  try {
    await test.mine({ blocks: 3 });
    await test.setBalance({ address: free.address, value: 1n });
    mined = await height();
  } finally {
    await test.revert({ id: snapshot });
  }
  const back = await height();
  const restored = await chainClient.getBalance({ address: free.address });
  // Mine past where the chain was, so that no later transaction lands in a
  // block number the gateway's log poller has already read.
  await test.mine({ blocks: 3 });
  if (mined !== start + 3n) throw new Error(`mined 3 blocks from ${start}: at ${mined}`);
  if (back !== start || restored !== balance)
    throw new Error(`after revert: block ${back} (was ${start}), balance ${restored} (was ${balance})`);
  return `viem test client (anvil mode): snapshot ${snapshot} at block ${start}, mined to ${mined} and set a balance, reverted to ${back} with the balance restored`;
}

// ---------------------------------------------------------------------------

const checks: [string, () => Promise<string>][] = [
  ["spend controls", defaultsRefuseTokenAI],
  ["exact", exactInTokenAI],
  ["aat-voucher", voucherAsHolder],
  ["aat-voucher recovery", voucherAfterLosingTrack],
  ["aat-voucher session key", voucherBySessionKey],
  ["ethers ws", ethersOverWebSocket],
  ["viem anvil", viemAnvilTestClient],
];

let failed = 0;
for (const [name, check] of checks) {
  try {
    console.log(`  ✓ ${name}: ${await check()}`);
  } catch (err) {
    failed++;
    console.log(`  ✗ ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
console.log(failed ? `x402 clients: ${failed} of ${checks.length} checks failed` : `x402 clients: all ${checks.length} checks passed`);
process.exit(failed ? 1 : 0);
