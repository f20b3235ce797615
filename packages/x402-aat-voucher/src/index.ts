// The `aat-voucher` x402 scheme (docs/x402-aat-voucher.md) as a client plugin
// for the official x402 clients: register it beside `ExactEvmScheme` and
// `@x402/fetch` (or any transport built on `@x402/core`'s `x402Client`) pays
// this project's gateway with signed cumulative AAT vouchers.
//
// It mirrors the Rust client (`aat_client::x402::Payer` with
// `Method::Voucher`): the voucher is for exactly what the holder owes the
// provider in that id so far (never more: the gateway refuses an *excessive*
// voucher), what is owed only ever grows, deadlines are in the chain's time
// (`extra.now`), and a 402 that says more is owed is learned from and paid
// again once.

import type {
  PaymentPayloadResult,
  PaymentRequired,
  PaymentRequirements,
  SchemeClientHooks,
  SchemeNetworkClient,
  SettleResponse,
} from "@x402/core/types";

/** The scheme's name in `accepts[].scheme`. */
export const AAT_VOUCHER = "aat-voucher";

export type Hex = `0x${string}`;

/**
 * Signs EIP-712 typed data. A viem `LocalAccount` (`privateKeyToAccount`)
 * fits, as it fits `@x402/evm`'s `ClientEvmSigner`.
 */
export interface VoucherSigner {
  readonly address: Hex;
  signTypedData(args: {
    domain: Record<string, unknown>;
    types: Record<string, unknown>;
    primaryType: string;
    message: Record<string, unknown>;
  }): Promise<Hex>;
}

/** AAT's EIP-712 domain (ERC-5267 fields 0x0f: no salt, no extensions). */
export interface VoucherDomain {
  name: string;
  version: string;
  chainId: number;
  verifyingContract: Hex;
}

/** The type AAT verifies vouchers as (`hashVoucher`). */
export const VOUCHER_TYPES = {
  Voucher: [
    { name: "holder", type: "address" },
    { name: "provider", type: "address" },
    { name: "id", type: "uint256" },
    { name: "cumulativeAmount", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

/**
 * The usage receipt a provider signs for each paid request (a settlement's
 * `extensions["aat-voucher"].receipt`; docs/x402-aat-voucher.md), in the
 * domain `receiptDomain` gives.
 */
export const RECEIPT_TYPES = {
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
} as const;

/** A usage receipt's EIP-712 domain: "AAT usage receipt", version 1, on AAT's chain and address. */
export function receiptDomain(chainId: number, aat: Hex) {
  return { name: "AAT usage receipt", version: "1", chainId, verifyingContract: aat } as const;
}

/** The scheme's payload (`PaymentPayload.payload`), as the gateway parses it. */
export interface VoucherPayload {
  voucher: {
    holder: Hex;
    provider: Hex;
    /** 0x-hex, as the Rust client sends it (decimal is read too). */
    id: Hex;
    /** Decimal string: it can exceed 2^53. */
    cumulativeAmount: string;
    /** Unix seconds, chain time. */
    deadline: number;
  };
  signature: Hex;
  [key: string]: unknown;
}

export interface AatVoucherOptions {
  /**
   * The AAT token id to pay with, or a choice per offer (for example by
   * `offer.extra.model`); `undefined` refuses the offer. The gateway's offer
   * does not name one (`extra.ids` only narrows), since a holder may hold
   * several ids that pay for the model.
   */
  id: bigint | ((offer: PaymentRequirements) => bigint | undefined);
  /**
   * Whose vouchers these are. By default the signer's own; set it when the
   * signer is the session key that `holder`'s channel with the provider names
   * (AAT spec v3; the Rust client's `Payer::for_holder`): AAT then takes
   * only that key's signature, and pays it from the channel only.
   */
  holder?: Hex;
  /**
   * How long a voucher stays valid, in seconds from the chain's `now`. It
   * must exceed the offer's `minValiditySeconds` (3,600 by default) by the
   * time the request reaches the gateway. Default 86,400, as the demo's
   * payers use.
   */
  validitySeconds?: number;
  /**
   * The domain to sign in, read from AAT itself (`readAatDomain`). Without
   * it the offer's `extra` (name, version, chainId, verifyingContract) is
   * used, which the gateway reads from the same `eip712Domain()`; pinning it
   * refuses an offer for another contract or chain instead of signing.
   */
  domain?: VoucherDomain;
  /**
   * Asked whenever the provider says more is owed than this client knows
   * (a 402's `accounts`, a settlement's `account`): `true` adopts the claim,
   * and the next voucher is signed for it; `false` keeps what this client
   * knows, so nothing above it is signed (the request then fails with the
   * provider's 402). Without it every claim is adopted, as the Rust client
   * does: a provider's accounting is trusted, bounded by the channel. Set it
   * to bound what a provider can claim, for example to the request's cost
   * from a receipt the caller checked, or to ask a person.
   */
  acceptOwed?: (claim: OwedClaim) => boolean;
}

/** A provider's claim that more is owed than the client knows. */
export interface OwedClaim {
  provider: string;
  id: bigint;
  /** What the provider says is owed. */
  claimed: bigint;
  /** What this client knew was owed (0 when it knew nothing). */
  known: bigint;
}

/** What this client knows of one account: a holder's debt to a provider in one id. */
interface Known {
  /** The most it has been told it owes (it only grows). */
  owed: bigint;
  /** The chain's clock minus ours, in seconds, from the latest offer. */
  skew: number;
  /** The latest offer, to hand in a voucher without a request. */
  offer: PaymentRequirements;
}

/** What the gateway reports of an account (`extra.accounts[]`, `extensions["aat-voucher"].account`). */
interface AccountJson {
  holder?: string;
  id?: string | number;
  owed?: string | number;
}

/**
 * The `aat-voucher` client scheme: `x402Client.register("eip155:<chainId>",
 * new AatVoucherScheme(signer, { id }))`, under the same network key as
 * `ExactEvmScheme` (the client looks a network's exact key up before any
 * wildcard). One instance per holder: it keeps what that holder owes.
 */
export class AatVoucherScheme implements SchemeNetworkClient {
  readonly scheme = AAT_VOUCHER;
  /** The holder whose vouchers are signed. */
  readonly holder: Hex;
  private readonly validity: number;
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly signer: VoucherSigner,
    private readonly options: AatVoucherOptions,
  ) {
    this.holder = options.holder ?? signer.address;
    this.validity = options.validitySeconds ?? 86_400;
  }

  /**
   * The official clients send a request unpaid first, so the 402 they pay
   * has no `accounts` (the gateway tells a holder what it owes only in
   * answer to a voucher it signed): the voucher is for what this client
   * already knows, raised to anything the offer does report.
   */
  async createPaymentPayload(x402Version: number, offer: PaymentRequirements): Promise<PaymentPayloadResult> {
    const id = this.idFor(offer);
    const told = owedIn(offer, this.holder, id) ?? 0n;
    const key = keyOf(offer.payTo, id);
    const before = this.known.get(key);
    const known = before?.owed ?? 0n;
    if (told > known && !this.accepts(offer.payTo, id, told, known))
      throw new Error(`aat-voucher: the provider says ${told} is owed; this client knows ${known} and does not sign more`);
    const owed = known > told ? known : told;
    const now = Number(offer.extra?.now);
    const skew = Number.isFinite(now) && now > 0 ? now - unixNow() : 0;
    const payload = await this.sign(offer, id, owed, skew);
    this.known.set(key, { owed, skew, offer });
    return { x402Version, payload };
  }

  /**
   * After the paid request: a settlement says what is owed now (remembered
   * for the next voucher); a 402 whose `accounts` says more is owed than
   * this client signed for (it lost track, or another client of the same
   * holder spent) is learned from, and `{ recovered: true }` makes the
   * transport pay once more with a fresh voucher, as the Rust client does.
   * A 402 that teaches nothing is returned to the caller as it is.
   */
  readonly schemeHooks: SchemeClientHooks = {
    onPaymentResponse: async (ctx) => {
      if (ctx.requirements.scheme !== AAT_VOUCHER) return;
      if (ctx.settleResponse) {
        this.observe(ctx.settleResponse, ctx.requirements.payTo);
        return;
      }
      if (ctx.paymentRequired && this.learn(ctx.paymentRequired)) return { recovered: true };
    },
  };

  /**
   * Reads what is owed from a settlement. The transports call this through
   * `schemeHooks`; call it yourself with a stream's final
   * `event: x402-payment-response` (its headers left before the charge), or
   * the next request costs one more round trip.
   */
  observe(settlement: SettleResponse, provider?: string): void {
    const part = settlement.extensions?.[AAT_VOUCHER] as
      | { account?: AccountJson; receipt?: { provider?: string } }
      | undefined;
    const account = part?.account;
    const payTo = part?.receipt?.provider ?? provider;
    if (!account || !payTo || !sameAddress(account.holder, this.holder)) return;
    const owed = toBigInt(account.owed);
    const id = toBigInt(account.id);
    if (owed === undefined || id === undefined) return;
    const known = this.known.get(keyOf(payTo, id));
    if (known && owed > known.owed && this.accepts(payTo, id, owed, known.owed)) known.owed = owed;
  }

  private accepts(provider: string, id: bigint, claimed: bigint, known: bigint): boolean {
    return this.options.acceptOwed?.({ provider, id, claimed, known }) ?? true;
  }

  /** What this client believes the holder owes `provider` in `id`, once told. */
  owed(provider: string, id: bigint): bigint | undefined {
    return this.known.get(keyOf(provider, id))?.owed;
  }

  /**
   * Hands in a voucher for everything owed, without a request (the
   * gateway's `POST /aat/vouchers`), so that all of it can be settled: the
   * voucher a request brings covers only what was owed before it.
   * `url` is the gateway's `/aat/vouchers`; one POST per account known.
   */
  async closeOut(url: string, fetchImpl: typeof fetch = fetch): Promise<Response[]> {
    const responses: Response[] = [];
    for (const [key, known] of this.known) {
      const id = BigInt(key.split(":")[1]);
      const payload = await this.sign(known.offer, id, known.owed, known.skew);
      const header = base64(JSON.stringify({ x402Version: 2, accepted: known.offer, payload }));
      responses.push(await fetchImpl(url, { method: "POST", headers: { "PAYMENT-SIGNATURE": header } }));
    }
    return responses;
  }

  /** Raises what is owed from a 402's `accounts`; whether it said more. */
  private learn(required: PaymentRequired): boolean {
    const offer = required.accepts.find((a) => a.scheme === AAT_VOUCHER);
    if (!offer) return false;
    const id = this.idFor(offer);
    const told = owedIn(offer, this.holder, id);
    const key = keyOf(offer.payTo, id);
    const known = this.known.get(key);
    if (told === undefined || told <= (known?.owed ?? 0n)) return false;
    if (!this.accepts(offer.payTo, id, told, known?.owed ?? 0n)) return false;
    if (known) known.owed = told;
    else this.known.set(key, { owed: told, skew: 0, offer });
    return true;
  }

  private idFor(offer: PaymentRequirements): bigint {
    const id = typeof this.options.id === "function" ? this.options.id(offer) : this.options.id;
    if (id === undefined) throw new Error(`aat-voucher: no token id to pay ${String(offer.extra?.model)} with`);
    return id;
  }

  private domainFor(offer: PaymentRequirements): VoucherDomain {
    const extra = offer.extra ?? {};
    const offered = {
      name: String(extra.name ?? ""),
      version: String(extra.version ?? ""),
      chainId: Number(extra.chainId),
      verifyingContract: String(extra.verifyingContract ?? offer.asset) as Hex,
    };
    const pinned = this.options.domain;
    if (!pinned) {
      if (!offered.name || !offered.version || !Number.isSafeInteger(offered.chainId))
        throw new Error("aat-voucher: the offer's extra lacks the EIP-712 domain (name, version, chainId)");
      return offered;
    }
    if (!sameAddress(pinned.verifyingContract, offer.asset) || offer.network !== `eip155:${pinned.chainId}`)
      throw new Error(`aat-voucher: the offer is for ${offer.asset} on ${offer.network}, not the pinned AAT`);
    return pinned;
  }

  private async sign(offer: PaymentRequirements, id: bigint, owed: bigint, skew: number): Promise<VoucherPayload> {
    const minValidity = Number(offer.extra?.minValiditySeconds ?? 0);
    if (this.validity <= minValidity)
      throw new Error(`aat-voucher: validitySeconds ${this.validity} is not above the offer's minValiditySeconds ${minValidity}`);
    const deadline = unixNow() + skew + this.validity;
    const voucher = {
      holder: this.holder,
      provider: offer.payTo as Hex,
      id,
      cumulativeAmount: owed,
      deadline: BigInt(deadline),
    };
    const signature = await this.signer.signTypedData({
      domain: { ...this.domainFor(offer) },
      types: VOUCHER_TYPES,
      primaryType: "Voucher",
      message: voucher,
    });
    return {
      voucher: {
        holder: voucher.holder,
        provider: voucher.provider,
        id: `0x${id.toString(16)}`,
        cumulativeAmount: owed.toString(),
        deadline,
      },
      signature,
    };
  }
}

/**
 * AAT's EIP-712 domain as the contract reports it (ERC-5267
 * `eip712Domain()`), to pin with `AatVoucherOptions.domain`. `client` is a
 * viem `PublicClient` (anything with `readContract`).
 */
export async function readAatDomain(
  client: { readContract(args: { address: Hex; abi: readonly unknown[]; functionName: string }): Promise<unknown> },
  aat: Hex,
): Promise<VoucherDomain> {
  const [fields, name, version, chainId, verifyingContract, , extensions] = (await client.readContract({
    address: aat,
    abi: EIP712_DOMAIN_ABI,
    functionName: "eip712Domain",
  })) as [Hex, string, string, bigint, Hex, Hex, readonly bigint[]];
  if (fields !== "0x0f" || extensions.length > 0)
    throw new Error(`${aat} reports EIP-712 fields ${fields} with ${extensions.length} extensions; expected 0x0f and none`);
  return { name, version, chainId: Number(chainId), verifyingContract };
}

const EIP712_DOMAIN_ABI = [
  {
    type: "function",
    name: "eip712Domain",
    stateMutability: "view",
    inputs: [],
    outputs: [
      { name: "fields", type: "bytes1" },
      { name: "name", type: "string" },
      { name: "version", type: "string" },
      { name: "chainId", type: "uint256" },
      { name: "verifyingContract", type: "address" },
      { name: "salt", type: "bytes32" },
      { name: "extensions", type: "uint256[]" },
    ],
  },
] as const;

/** What an offer's `extra.accounts` says `holder` owes in `id`, if it says. */
function owedIn(offer: PaymentRequirements, holder: string, id: bigint): bigint | undefined {
  const accounts = offer.extra?.accounts;
  if (!Array.isArray(accounts)) return undefined;
  const mine = (accounts as AccountJson[]).find((a) => sameAddress(a.holder, holder) && toBigInt(a.id) === id);
  return mine ? toBigInt(mine.owed) : undefined;
}

function keyOf(provider: string, id: bigint): string {
  return `${provider.toLowerCase()}:${id}`;
}

function sameAddress(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

/** Decimal or 0x-hex, as the gateway writes numbers. */
function toBigInt(value: string | number | undefined): bigint | undefined {
  if (value === undefined) return undefined;
  try {
    return BigInt(value);
  } catch {
    return undefined;
  }
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** base64 of UTF-8, as x402's headers carry JSON (browsers and Node alike). */
function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
