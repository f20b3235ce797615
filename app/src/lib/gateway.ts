// The provider's gateway from the browser: its models and prices, its terms
// (the `aat-voucher` offer of an unpaid request's 402, which costs nothing),
// and a chat request paid with a voucher the wallet signs — the
// x402-aat-voucher scheme on the official x402 client (@x402/core, @x402/fetch).
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from "@x402/fetch";
import type { PaymentRequirements } from "@x402/fetch";
import { type Address, type Hex, verifyTypedData } from "viem";
import { AAT_VOUCHER, AatVoucherScheme, type VoucherDomain, type VoucherPayload, type VoucherSigner } from "x402-aat-voucher";
import { GATEWAY_REFUSALS, explain } from "./errors";

export interface GatewayModel {
  /** The name requests use ("gpt-4o-mini"). */
  name: string;
  /** The model credits name on chain (their policy's bytes16, as text). */
  aatModel: string;
  promptPrice: bigint;
  completionPrice: bigint;
  /** The longest answer, in tokens, the gateway allows. */
  maxTokens: number;
}

/** GET /v1/models: the models the gateway serves, with their prices in credits per token. */
export async function fetchModels(gateway: string): Promise<GatewayModel[]> {
  const response = await reach(`${gateway}/v1/models`);
  if (!response.ok) throw new Error(`The provider's gateway did not list its models (HTTP ${response.status}).`);
  const body = (await response.json()) as { data?: { id: string; aat?: Record<string, unknown> }[] };
  return (body.data ?? [])
    .filter((m) => m.aat)
    .map((m) => ({
      name: m.id,
      aatModel: String(m.aat!.model ?? m.id),
      promptPrice: BigInt(String(m.aat!.pricePerPromptToken ?? 0)),
      completionPrice: BigInt(String(m.aat!.pricePerCompletionToken ?? 0)),
      maxTokens: Number(m.aat!.maxTokens ?? 0),
    }));
}

/** The gateway's `aat-voucher` terms for a model: provider (payTo), scopes and ids it takes, the chain's time. */
export interface VoucherOffer {
  provider: Address;
  scopes: Hex[];
  /** When not empty, only these ids pay here. */
  ids: bigint[];
  requirements: PaymentRequirements;
}

export async function fetchOffer(gateway: string, model: string): Promise<VoucherOffer> {
  const response = await reach(`${gateway}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "" }], max_tokens: 1 }),
  });
  if (response.status !== 402) throw new Error(`The gateway answered an unpaid request with HTTP ${response.status}, not its terms (402).`);
  const required = (await response.json()) as { accepts?: PaymentRequirements[] };
  const offer = required.accepts?.find((a) => a.scheme === AAT_VOUCHER);
  if (!offer) throw new Error("This gateway does not take payment by AAT voucher.");
  const extra = offer.extra ?? {};
  return {
    provider: offer.payTo as Address,
    scopes: ((extra.scopes as string[]) ?? []).map((s) => s.toLowerCase() as Hex),
    ids: ((extra.ids as string[]) ?? []).map((id) => BigInt(id)),
    requirements: offer,
  };
}

/** The bound the gateway reserves for a request: (body bytes + 64) prompt tokens and `max_tokens` completion tokens. */
export function maxCost(model: GatewayModel, body: string, maxTokens: number): bigint {
  const promptTokens = BigInt(new TextEncoder().encode(body).length + 64);
  return promptTokens * model.promptPrice + BigInt(maxTokens) * model.completionPrice;
}

/** What the provider signed it served and charged (the settlement's `receipt`). */
export interface UsageReceipt {
  holder: Address;
  provider: Address;
  id: string;
  voucherDigest: Hex;
  requestHash: Hex;
  responseHash: Hex;
  promptTokens: number;
  completionTokens: number;
  units: string;
  cumulativeOwed: string;
  signature: Hex;
}

export interface PaidAnswer {
  reply: string;
  /** Credits this answer cost (the receipt's units: what the amount owed grew by). */
  cost: bigint;
  /** Everything the holder owes the provider in this id now. */
  owed: bigint;
  /** What of it is settled on chain. */
  settled: bigint;
  receipt: UsageReceipt;
  /** The tokens the answer's own `usage` reports (the receipt charges its counts). */
  usage?: { promptTokens: number; completionTokens: number };
  /** The voucher the wallet signed for this request (it covers what was owed before it). */
  voucher: VoucherPayload["voucher"];
}

/** A payment or request the gateway refused, in words. */
export class GatewayRefusal extends Error {
  constructor(
    message: string,
    /** The gateway's own reason, verbatim. */
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type ChatPhase = "asking" | "signing" | "answering";

// One scheme per holder and id for the page's life: it remembers what is
// owed, so each request needs one signature (a fresh one learns the total
// from the gateway's first refusal, at the cost of a second signature).
const schemes = new Map<string, AatVoucherScheme>();

export function voucherScheme(holder: Address, id: bigint, domain: VoucherDomain, sign: VoucherSigner["signTypedData"]) {
  const key = `${holder.toLowerCase()}:${domain.verifyingContract.toLowerCase()}:${id}`;
  let scheme = schemes.get(key);
  if (!scheme) {
    scheme = new AatVoucherScheme({ address: holder, signTypedData: (args) => sign(args) }, { id, domain });
    schemes.set(key, scheme);
  }
  return scheme;
}

/**
 * POSTs a chat request through the x402 client: the 402's offer is paid
 * with a voucher the scheme has the wallet sign, the answer's
 * PAYMENT-RESPONSE read for the cost, the total owed and the receipt.
 */
export async function paidChat(options: {
  gateway: string;
  chainId: number;
  aat: Address;
  scheme: AatVoucherScheme;
  body: string;
  /** The most this request may cost (`maxCost`): an offer asking more is not signed. */
  bound: bigint;
  onPhase: (phase: ChatPhase) => void;
}): Promise<PaidAnswer> {
  const { gateway, chainId, aat, scheme, body, bound, onPhase } = options;
  let voucher: VoucherPayload["voucher"] | undefined;
  let signError: unknown;
  const client = new x402Client()
    .register(`eip155:${chainId}`, scheme)
    // The official client pays only assets it is told of: AAT credits, at
    // most what this request can cost.
    .setSpendControls({ allowedAssets: [{ network: `eip155:${chainId}`, asset: aat, maxAmountPerPayment: bound.toString() }] })
    .onBeforePaymentCreation(async () => onPhase("signing"))
    .onAfterPaymentCreation(async ({ paymentPayload }) => {
      voucher = (paymentPayload.payload as VoucherPayload).voucher;
      onPhase("answering");
    })
    .onPaymentCreationFailure(async ({ error }) => {
      signError = error;
    });
  const pay = wrapFetchWithPayment(fetch, client);
  const request = () =>
    pay(`${gateway}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
  onPhase("asking");
  let response: Response;
  try {
    response = await request();
    // A 402 that taught the scheme a higher total (it had signed for less
    // than the provider counts) is paid once more, for the right amount.
    if (response.status === 402 && voucher && (scheme.owed(voucher.provider, BigInt(voucher.id)) ?? 0n) > BigInt(voucher.cumulativeAmount))
      response = await request();
  } catch (error) {
    if (signError) throw new GatewayRefusal(explain(signError));
    if (error instanceof TypeError) throw new GatewayRefusal(`The provider's gateway could not be reached at ${gateway}.`);
    const detail = explain(error);
    if (/spendControls/.test(detail))
      throw new GatewayRefusal(`The provider asked more than this question can cost (${bound} credits): nothing was signed.`, detail);
    throw new GatewayRefusal("The app could not pay this provider's offer: nothing was signed.", detail);
  }
  if (response.status === 402) throw await refusalOf(response);
  if (!response.ok) throw await failureOf(response);
  const header = response.headers.get("PAYMENT-RESPONSE");
  if (!header || !voucher) throw new GatewayRefusal("The gateway answered without a payment receipt: nothing is shown as paid.");
  const settlement = decodePaymentResponseHeader(header);
  const part = settlement.extensions?.[AAT_VOUCHER] as
    | { account?: { owed?: string; settled?: string }; receipt?: UsageReceipt }
    | undefined;
  if (!settlement.success || !part?.receipt || !part.account)
    throw new GatewayRefusal("The gateway's payment receipt is incomplete.", settlement.errorReason);
  const answer = (await response.json()) as {
    choices?: { message?: { content?: string } }[];
    usage?: { prompt_tokens?: number; completion_tokens?: number };
  };
  return {
    reply: answer.choices?.[0]?.message?.content ?? "",
    cost: BigInt(part.receipt.units),
    owed: BigInt(part.account.owed ?? part.receipt.cumulativeOwed),
    settled: BigInt(part.account.settled ?? 0),
    receipt: part.receipt,
    usage: answer.usage && {
      promptTokens: Number(answer.usage.prompt_tokens ?? 0),
      completionTokens: Number(answer.usage.completion_tokens ?? 0),
    },
    voucher,
  };
}

/** Whether the receipt is signed by the provider (EIP-712, domain "AAT usage receipt"). */
export function verifyReceipt(receipt: UsageReceipt, chainId: number, aat: Address, provider: Address): Promise<boolean> {
  return verifyTypedData({
    address: provider,
    domain: { name: "AAT usage receipt", version: "1", chainId, verifyingContract: aat },
    types: {
      UsageReceipt: [
        { name: "holder", type: "address" },
        { name: "provider", type: "address" },
        { name: "id", type: "uint256" },
        { name: "voucherDigest", type: "bytes32" },
        { name: "requestHash", type: "bytes32" },
        { name: "responseHash", type: "bytes32" },
        { name: "promptTokens", type: "uint64" },
        { name: "completionTokens", type: "uint64" },
        { name: "units", type: "uint256" },
        { name: "cumulativeOwed", type: "uint256" },
      ],
    },
    primaryType: "UsageReceipt",
    message: {
      holder: receipt.holder,
      provider: receipt.provider,
      id: BigInt(receipt.id),
      voucherDigest: receipt.voucherDigest,
      requestHash: receipt.requestHash,
      responseHash: receipt.responseHash,
      promptTokens: BigInt(receipt.promptTokens),
      completionTokens: BigInt(receipt.completionTokens),
      units: BigInt(receipt.units),
      cumulativeOwed: BigInt(receipt.cumulativeOwed),
    },
    signature: receipt.signature,
  }).catch(() => false);
}

/** Words for a 402: its kind (`extensions.refusal.kind`, the gateway's labels) in words, with the sentence it gives as the detail. */
export function refusalWords(kind: string | undefined): string {
  return (kind && GATEWAY_REFUSALS[kind]) || "The provider refused the payment.";
}

async function refusalOf(response: Response): Promise<GatewayRefusal> {
  const body = (await response.json().catch(() => ({}))) as {
    error?: unknown;
    extensions?: { refusal?: { kind?: unknown } };
  };
  const reason = typeof body.error === "string" ? body.error : "";
  const kind = body.extensions?.refusal?.kind;
  return new GatewayRefusal(refusalWords(typeof kind === "string" ? kind : undefined), reason || undefined);
}

async function failureOf(response: Response): Promise<GatewayRefusal> {
  const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
  const message = body.error?.message;
  return new GatewayRefusal(`The gateway could not answer (HTTP ${response.status}); nothing was charged.`, message);
}

async function reach(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new Error(`The provider's gateway could not be reached at ${new URL(url).origin}.`);
  }
}
