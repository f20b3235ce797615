// Models and scopes are bytes16 on chain: short UTF-8 text, zero-padded.
import { type Hex, hexToString, stringToHex, size } from "viem";

/** Text as bytes16, or why it cannot be one. */
export function toBytes16(text: string): Hex {
  const hex = stringToHex(text);
  if (size(hex) > 16) throw new RangeError(`"${text}" is ${size(hex)} bytes; at most 16 fit`);
  return stringToHex(text, { size: 16 });
}

/** The number of UTF-8 bytes `text` takes (a form's limit is 16). */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** bytes16 as text (the zero padding dropped). */
export function fromBytes16(hex: Hex): string {
  return hexToString(hex, { size: 16 }).replace(/\0+$/, "");
}

export const ZERO_BYTES16: Hex = "0x00000000000000000000000000000000";
