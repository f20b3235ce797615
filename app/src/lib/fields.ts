// Checks of what a person types, each returning the reason in words (or
// undefined when the value is fine), so a form names the field and the
// reason before anything is signed; and the focus moved to the first field
// to fix.
import { type Address, isAddress, zeroAddress } from "viem";
import { formatCredits, parseCredits } from "./units";

/**
 * An address as a person typed or pasted it: 0x and 40 hex digits in any
 * one letter case, or mixed case with a valid EIP-55 checksum (a wrong one
 * is a likely typo: it shows instead of sending to nobody); not the zero
 * address; optionally not `self`.
 */
export function addressProblem(text: string, options: { self?: Address; selfWords?: string } = {}): string | undefined {
  const value = text.trim();
  if (value === "") return "enter an address (0x followed by 40 hex digits)";
  if (!isAddress(value, { strict: false })) return "not an address: it must be 0x followed by 40 hex digits";
  const digits = value.slice(2);
  const mixedCase = digits !== digits.toLowerCase() && digits !== digits.toUpperCase();
  if (mixedCase && !isAddress(value)) return "this address's capitalisation does not match its checksum: check for a typo";
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

/**
 * After a refused submit: focus the form's first field marked invalid, so
 * a keyboard or screen reader lands on what to fix. Call it once the
 * fields' aria-invalid is in the DOM (after flushSync of the state that sets it).
 */
export function focusFirstInvalid(form: HTMLFormElement | null): void {
  form?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
