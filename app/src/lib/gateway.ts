// The provider's gateway from the browser: its models and prices, its terms
// (the `aat-voucher` offer of an unpaid request's 402, which costs nothing),
// and a chat request paid with a voucher the wallet signs — the
// x402-aat-voucher scheme on the official x402 client (@x402/core, @x402/fetch).
import { decodePaymentResponseHeader, wrapFetchWithPayment, x402Client } from "@x402/fetch";
import type { PaymentRequirements } from "@x402/fetch";
import type { Address, Hex } from "viem";
import { AAT_VOUCHER, AatVoucherScheme, type VoucherDomain, type VoucherPayload, type VoucherSigner } from "x402-aat-voucher";
import { GATEWAY_REFUSALS, explain } from "./errors";
import type { SignedVoucher, UsageReceipt } from "./receipt";
import { formatCredits } from "./units";
import { UnbackedVoucher, backedSigner, voucherBook } from "./voucherGuard";
import { reach, wholeNumber } from "./gatewayModels";

export { type GatewayModel, fetchModels, maxCost, parseGatewayModels } from "./gatewayModels";

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

export interface PaidAnswer {
  reply: string;
  /** Credits this answer cost, as the receipt says (its units: what the amount owed grew by). */
  cost: bigint;
  /** What the gateway says is settled on chain of what is owed (its word, not part of the receipt). */
  settled: bigint;
  /** The provider's signed receipt, as received: check it (receiptProblems) before trusting what it says is owed. */
  receipt: UsageReceipt;
  /** The tokens the answer's own `usage` reports (the receipt charges its counts). */
  usage?: { promptTokens: number; completionTokens: number };
  /** The voucher the wallet signed for this request (it covers what was owed before it). */
  voucher: SignedVoucher;
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
// Its signer signs only vouchers this page has seen backed (voucherGuard.ts).
const schemes = new Map<string, AatVoucherScheme>();

export function voucherScheme(
  holder: Address,
  id: bigint,
  domain: VoucherDomain,
  sign: VoucherSigner["signTypedData"],
  readSettled: (holder: Address, provider: Address, id: bigint) => Promise<bigint>,
) {
  const key = `${holder.toLowerCase()}:${domain.verifyingContract.toLowerCase()}:${id}`;
  let scheme = schemes.get(key);
  if (!scheme) {
    scheme = new AatVoucherScheme({ address: holder, signTypedData: backedSigner(sign, voucherBook, readSettled) }, { id, domain });
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
  /** The most this request may cost (`maxCost`): an offer whose amount is more is not signed. */
  bound: bigint;
  onPhase: (phase: ChatPhase) => void;
}): Promise<PaidAnswer> {
  const { gateway, chainId, aat, scheme, body, bound, onPhase } = options;
  let voucher: SignedVoucher | undefined;
  let signError: unknown;
  const client = new x402Client()
    .register(`eip155:${chainId}`, scheme)
    // The official client pays only assets it is told of: AAT credits, for an
    // offer of at most what this request can cost. (That caps the offer's
    // per-request amount only; the voucher's total is capped by its signer.)
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
  } catch (error) {
    // A total the page has not seen backed is for the person to confirm.
    if (signError instanceof UnbackedVoucher) throw signError;
    if (signError) throw new GatewayRefusal(explain(signError));
    if (error instanceof TypeError) throw new GatewayRefusal(`The provider's gateway could not be reached at ${gateway}.`);
    const detail = explain(error);
    if (/spendControls/.test(detail))
      throw new GatewayRefusal(`The provider asked more than this question can cost (${formatCredits(bound)}): nothing was signed.`, detail);
    throw new GatewayRefusal("The app could not pay this provider's offer: nothing was signed.", detail);
  }
  if (response.status === 402) throw await refusalOf(response);
  if (!response.ok) throw await failureOf(response);
  const header = response.headers.get("PAYMENT-RESPONSE");
  if (!header || !voucher) throw new GatewayRefusal("The gateway answered without a payment receipt: nothing is shown as paid.");
  const settlement = decodePaymentResponseHeader(header);
  const part = settlement.extensions?.[AAT_VOUCHER] as { account?: { settled?: string }; receipt?: UsageReceipt } | undefined;
  if (!settlement.success || !part?.receipt || !part.account)
    throw new GatewayRefusal("The gateway's payment receipt is incomplete.", settlement.errorReason);
  const answer = (await response.json()) as {
    choices?: { message?: { content?: string } }[];
    usage?: { prompt_tokens?: number; completion_tokens?: number };
  };
  return {
    reply: answer.choices?.[0]?.message?.content ?? "",
    cost: wholeNumber(part.receipt.units) ?? 0n,
    settled: wholeNumber(part.account.settled) ?? 0n,
    receipt: part.receipt,
    usage: answer.usage && {
      promptTokens: Number(answer.usage.prompt_tokens ?? 0),
      completionTokens: Number(answer.usage.completion_tokens ?? 0),
    },
    voucher,
  };
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
