// Checks of what a person types, each returning the reason in words (or
// undefined when the value is fine), so a form names the field and the
// reason before anything is signed.
import { type Address, isAddress, zeroAddress } from "viem";
import { formatCredits, parseCredits } from "./units";

/** An address field: 0x and 40 hex digits; not the zero address; optionally not `self`. */
export function addressProblem(text: string, options: { self?: Address; selfWords?: string } = {}): string | undefined {
  const value = text.trim();
  if (value === "") return "enter an address (0x followed by 40 hex digits)";
  // Mixed case must carry a valid EIP-55 checksum: a typo then shows instead of sending to nobody.
  if (!isAddress(value)) {
    return /^0x[0-9a-fA-F]{40}$/.test(value)
      ? "this address's capitalisation does not match its checksum: check for a typo"
      : "not an address: it must be 0x followed by 40 hex digits";
  }
  if (value.toLowerCase() === zeroAddress) return "the zero address cannot hold credits";
  if (options.self && value.toLowerCase() === options.self.toLowerCase())
    return options.selfWords ?? "that is your own address";
  return undefined;
}

/** A whole number of credits, at least 1 and (when given) at most `max`. */
export function creditsProblem(text: string, max?: bigint, maxWords = "you hold"): string | undefined {
  try {
    const value = parseCredits(text);
    if (max !== undefined && value > max) return `${maxWords} only ${formatCredits(max)}`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
