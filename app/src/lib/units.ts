// Amounts with their units: TokenAI has 18 decimals ("TAI"); AAT credits
// are whole units ("credits"), one unit of a model's priced usage.
import { formatUnits, parseUnits } from "viem";

export const TOKEN_AI_DECIMALS = 18;
export const TOKEN_AI_SYMBOL = "TAI";

const grouped = new Intl.NumberFormat("en-US");

/** 1234.5 TAI, at most 6 decimals shown (rounded down, never up). */
export function formatTokenAI(value: bigint): string {
  const [whole, fraction = ""] = formatUnits(value, TOKEN_AI_DECIMALS).split(".");
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
