// Amounts with their units: TokenAI has 18 decimals ("TAI"); AAT credits
// are whole units ("credits"), one unit of a model's priced usage.
import { formatUnits, parseUnits } from "viem";

export const TOKEN_AI_DECIMALS = 18;
export const TOKEN_AI_SYMBOL = "TAI";

const grouped = new Intl.NumberFormat("en-US");

/**
 * How an amount cut to what is shown is rounded: "up" for what a person
 * pays (never shown less than it costs), "down" for what they receive
 * (never shown more than they get).
 */
export type Rounding = "up" | "down";

/** The smallest TokenAI amount shown: 6 decimals. */
const SHOWN_UNIT = 10n ** BigInt(TOKEN_AI_DECIMALS - 6);

/** 1234.5 TAI, at most 6 decimals shown, rounded `down` (the default) or `up`. */
export function formatTokenAI(value: bigint, rounding: Rounding = "down"): string {
  const shownValue = ((rounding === "up" ? value + SHOWN_UNIT - 1n : value) / SHOWN_UNIT) * SHOWN_UNIT;
  const [whole, fraction = ""] = formatUnits(shownValue, TOKEN_AI_DECIMALS).split(".");
  const shown = fraction.slice(0, 6).replace(/0+$/, "");
  const wholeText = grouped.format(BigInt(whole));
  return `${wholeText}${shown ? `.${shown}` : ""} ${TOKEN_AI_SYMBOL}`;
}

/** 1,000 credits (1 credit). */
export function formatCredits(value: bigint): string {
  return `${grouped.format(value)} ${value === 1n ? "credit" : "credits"}`;
}

/** A TokenAI amount typed by a person, or why not. */
export function parseTokenAI(text: string): bigint {
  const trimmed = text.trim();
  if (!/^\d+(\.\d{1,18})?$/.test(trimmed)) throw new RangeError("enter a number of TAI, up to 18 decimals");
  return parseUnits(trimmed, TOKEN_AI_DECIMALS);
}

/** A whole number of credits typed by a person (1 or more), or why not. */
export function parseCredits(text: string): bigint {
  const trimmed = text.trim().replace(/[,_\s]/g, "");
  if (!/^\d+$/.test(trimmed)) throw new RangeError("enter a whole number of credits");
  const value = BigInt(trimmed);
  if (value === 0n) throw new RangeError("enter at least 1 credit");
  return value;
}

/** An address shortened for a list: 0x1234…abcd. */
export function shortAddress(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

/** An AAT id shortened the same way, from its 64 hex digits: 0x76f5…1a2b. */
export function shortId(id: bigint): string {
  return shortAddress(`0x${id.toString(16).padStart(64, "0")}`);
}
