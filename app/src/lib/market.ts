// The order relay (crates/market) and the exchange's arithmetic: signed
// orders (EIP-712 `Order`, domain "AATExchange" read from the contract),
// a pair's book best price first, what a fill pays and receives with the
// fee, and the relay's refusals in words. Id 0 is TokenAI; any other id is
// an AAT id. Amounts and ids travel as strings (256-bit), expiry and nonce
// as numbers.
import { type Address, type Hex, numberToHex } from "viem";
import { type Rounding, formatCredits, formatTokenAI, parseCredits, parseTokenAI } from "./units";

export const TOKEN_AI_ID = 0n;

export interface Order {
  maker: Address;
  taker: Address;
  giveId: bigint;
  giveAmount: bigint;
  wantId: bigint;
  wantAmount: bigint;
  expiry: bigint;
  nonce: bigint;
}

export interface HeldOrder {
  hash: Hex;
  order: Order;
  signature: Hex;
  /** What the exchange's `remaining` said when the relay last read it. */
  remaining: bigint;
  /** What can be filled now: `remaining`, less what the maker's balance and approval cover. */
  fillable: bigint;
}

/** The exchange's typed data (spec/IAATExchange.sol). */
export const ORDER_TYPES = {
  Order: [
    { name: "maker", type: "address" },
    { name: "taker", type: "address" },
    { name: "giveId", type: "uint256" },
    { name: "giveAmount", type: "uint256" },
    { name: "wantId", type: "uint256" },
    { name: "wantAmount", type: "uint256" },
    { name: "expiry", type: "uint64" },
    { name: "nonce", type: "uint64" },
  ],
} as const;

type Wire = Record<string, string | number>;

function fromWire(o: Wire): Order {
  return {
    maker: o.maker as Address,
    taker: o.taker as Address,
    giveId: BigInt(o.giveId),
    giveAmount: BigInt(o.giveAmount),
    wantId: BigInt(o.wantId),
    wantAmount: BigInt(o.wantAmount),
    expiry: BigInt(o.expiry),
    nonce: BigInt(o.nonce),
  };
}

function toWire(o: Order) {
  return {
    maker: o.maker,
    taker: o.taker,
    giveId: numberToHex(o.giveId),
    giveAmount: o.giveAmount.toString(),
    wantId: numberToHex(o.wantId),
    wantAmount: o.wantAmount.toString(),
    expiry: o.expiry.toString(),
    nonce: o.nonce.toString(),
  };
}

function heldFromWire(h: { hash: Hex; order: Wire; signature: Hex; remaining: string; fillable: string }): HeldOrder {
  return { hash: h.hash, order: fromWire(h.order), signature: h.signature, remaining: BigInt(h.remaining), fillable: BigInt(h.fillable) };
}

/** A refusal of the relay, in words, with its own message kept. */
export class RelayRefusal extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/** The relay's refusal labels (`error` of a 4xx/5xx answer), in words. */
export const RELAY_REFUSALS: Record<string, string> = {
  invalid_order: "The order gives or wants nothing, or the same thing on both sides.",
  bad_signature: "The order's signature is not its maker's.",
  expired: "The order has already expired.",
  cancelled: "The maker cancelled this order.",
  nonce_too_low: "The maker cancelled this order (and all its older ones).",
  fully_filled: "Nothing of this order remains to fill.",
  credits_expired: "These credits have expired: they can't be traded any more.",
  not_tradable: "These credits can't be traded: the issuer made them non-transferable.",
  unknown_credits: "No such credits exist yet: nobody holds any, so the order could never fill.",
  too_many_orders: "This maker already has as many open orders as the relay keeps for one maker: cancel some first.",
  paused: "The exchange is paused by its operator: nothing fills until it resumes.",
  no_balance: "The maker holds none of what this order gives.",
  not_approved: "The exchange isn't allowed to move what this order gives: approve it first.",
  voided: "The order was filled, cancelled or expired while the relay checked it.",
  bad_request: "The relay could not read the order.",
  zero_amount: "Ask for more than nothing.",
  insufficient_liquidity: "The book doesn't hold that much at any price just now.",
  not_found: "The relay holds no such order.",
  chain_unavailable: "The relay could not read the chain just now: try again in a moment.",
  database: "The relay could not keep the order just now: try again in a moment.",
};

async function answer<T>(market: string, response: Promise<Response>): Promise<T> {
  let res: Response;
  try {
    res = await response;
  } catch {
    throw new RelayRefusal(`The order relay could not be reached at ${market}.`);
  }
  const body = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok)
    throw new RelayRefusal(RELAY_REFUSALS[body.error ?? ""] ?? `The relay refused (HTTP ${res.status}).`, body.message);
  return body as T;
}

/** GET /orders: the open orders giving `give` for `want`, best price for a taker first. */
export async function fetchBook(market: string, give: bigint, want: bigint): Promise<{ open: number; orders: HeldOrder[] }> {
  const url = `${market}/orders?give=${numberToHex(give)}&want=${numberToHex(want)}`;
  const book = await answer<{ open: number; orders: Parameters<typeof heldFromWire>[0][] }>(market, fetch(url));
  return { open: book.open, orders: book.orders.map(heldFromWire) };
}

/** POST /orders: the relay checks the order against the chain and keeps it. */
export async function postOrder(market: string, order: Order, signature: Hex): Promise<HeldOrder> {
  const held = await answer<Parameters<typeof heldFromWire>[0]>(
    market,
    fetch(`${market}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ order: toWire(order), signature }),
    }),
  );
  return heldFromWire(held);
}

/** What a taker pays for `giveFill` of an order: ceil(giveFill × wantAmount / giveAmount), never less than its price. */
export function wantPaid(order: Order, giveFill: bigint): bigint {
  return ceilDiv(giveFill * order.wantAmount, order.giveAmount);
}

/** A fee of `bps` basis points on `amount`, rounded up (the exchange's and AAT's rule). */
export function feeOf(amount: bigint, bps: bigint): bigint {
  return ceilDiv(amount * bps, 10_000n);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return b === 0n ? 0n : (a + b - 1n) / b;
}

export interface Fees {
  /** The exchange's fee on the TokenAI leg, in basis points. */
  exchange: bigint;
  /** AAT's fee in kind on each leg of a credits-for-credits swap. */
  aat: bigint;
}

/** What the taker pays and receives for `fill` of the order's give side, fees included. */
export function fillTerms(held: HeldOrder, fill: bigint, fees: Fees) {
  const { order } = held;
  const pay = wantPaid(order, fill);
  if (order.wantId === TOKEN_AI_ID) {
    // You buy credits with TokenAI: the seller's TokenAI pays the fee.
    const fee = feeOf(pay, fees.exchange);
    return { pay, receive: fill, fee, feeId: TOKEN_AI_ID, makerGets: pay - fee };
  }
  if (order.giveId === TOKEN_AI_ID) {
    // You sell credits for TokenAI: your TokenAI pays the fee.
    const fee = feeOf(fill, fees.exchange);
    return { pay, receive: fill - fee, fee, feeId: TOKEN_AI_ID, makerGets: pay };
  }
  const fee = feeOf(fill, fees.aat);
  return { pay, receive: fill - fee, fee, feeId: order.giveId, makerGets: pay - feeOf(pay, fees.aat) };
}

/** An amount of `id` with its unit; TokenAI rounded as `rounding` says (what a person pays: "up"). */
export function amountWords(id: bigint, amount: bigint, rounding: Rounding = "down"): string {
  return id === TOKEN_AI_ID ? formatTokenAI(amount, rounding) : formatCredits(amount);
}

/** An amount of `id` typed by a person (TAI with decimals, credits whole), or why not. */
export function parseAmount(id: bigint, text: string): bigint {
  const value = id === TOKEN_AI_ID ? parseTokenAI(text) : parseCredits(text);
  if (value === 0n) throw new RangeError("enter an amount above zero");
  return value;
}

/**
 * An order's price: TokenAI per credit when one side is TokenAI, else want
 * per give. Rounded against its `reader`: what the reader pays per unit is
 * rounded up, what they receive per unit down. The taker of an order pays
 * its want side; its maker receives it.
 */
export function orderPriceWords(order: Order, label: (id: bigint) => string, reader: "taker" | "maker" = "taker"): string {
  const wantRounding: Rounding = reader === "taker" ? "up" : "down";
  if (order.wantId === TOKEN_AI_ID) {
    const perCredit = divide(order.wantAmount, order.giveAmount, wantRounding);
    return `${formatTokenAI(perCredit, wantRounding)} per credit`;
  }
  if (order.giveId === TOKEN_AI_ID) {
    // TokenAI is the give side here: the reader's rounding turns around.
    const giveRounding: Rounding = wantRounding === "up" ? "down" : "up";
    const perCredit = divide(order.giveAmount, order.wantAmount, giveRounding);
    return `${formatTokenAI(perCredit, giveRounding)} per credit`;
  }
  const ratio = divide(order.wantAmount * 10n ** BigInt(RATIO_DECIMALS), order.giveAmount, wantRounding);
  return `${decimalWords(ratio, RATIO_DECIMALS)} ${label(order.wantId)} per ${label(order.giveId)}`;
}

/** Decimals shown of a credits-for-credits price. */
const RATIO_DECIMALS = 4;

function divide(a: bigint, b: bigint, rounding: Rounding): bigint {
  return rounding === "up" ? ceilDiv(a, b) : b === 0n ? 0n : a / b;
}

/** `scaled` / 10^decimals as "1,234.5". */
function decimalWords(scaled: bigint, decimals: number): string {
  const unit = 10n ** BigInt(decimals);
  const fraction = (scaled % unit).toString().padStart(decimals, "0").replace(/0+$/, "");
  return `${new Intl.NumberFormat("en-US").format(scaled / unit)}${fraction ? `.${fraction}` : ""}`;
}
