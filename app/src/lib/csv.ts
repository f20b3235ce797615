// Recipients as an institution pastes or uploads them: one "address,amount"
// a line, an optional header. Every line is checked here, before anything is
// signed, and each problem names its line so it can be found in the file.
import { type Address, getAddress, maxUint256 } from "viem";
import { addressProblem } from "./fields";

export interface RecipientRow {
  /** The line in the pasted text or file (1-based, header and blank lines counted). */
  line: number;
  /** As written, for showing back. */
  addressText: string;
  amountText: string;
  /** Checksummed, when the address is valid. */
  address?: Address;
  /** Whole credits, when the amount is valid. */
  amount?: bigint;
  /** What is wrong with this line, in words; empty when it can be sent. */
  problems: string[];
}

export interface Recipients {
  rows: RecipientRow[];
  /** Rows with no problem, in order. */
  valid: (RecipientRow & { address: Address; amount: bigint })[];
  /** Credits the valid rows add up to. */
  total: bigint;
  /** Whether the first line was taken as a header. */
  header: boolean;
}

const SEPARATOR = /[,;\t]/;

/** Strips surrounding spaces and one pair of double quotes (spreadsheets quote fields). */
function field(text: string): string {
  const trimmed = text.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).trim() : trimmed;
}

/** A first line naming its columns rather than holding a recipient. */
function isHeader(fields: string[]): boolean {
  return !/^0x/i.test(fields[0] ?? "") && !/^\d+$/.test(fields[1] ?? "");
}

/**
 * Parses and checks CSV text. Addresses are checked as every address field
 * is (fields.ts: one letter case, or mixed case with its checksum); amounts
 * are whole credits, 1 or more; an address repeated on a later line is
 * flagged there.
 */
export function parseRecipients(text: string): Recipients {
  const rows: RecipientRow[] = [];
  const seen = new Map<string, number>();
  let header = false;
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((raw, index) => {
    if (raw.trim() === "") return;
    const fields = raw.split(SEPARATOR).map(field);
    if (rows.length === 0 && !header && isHeader(fields)) {
      header = true;
      return;
    }
    const line = index + 1;
    const [addressText = "", amountText = ""] = fields;
    const row: RecipientRow = { line, addressText, amountText, problems: [] };
    if (fields.length > 2 && fields.slice(2).some((extra) => extra !== ""))
      row.problems.push(`has ${fields.length} fields; write just "address,amount"`);
    const addressWrong = addressText === "" ? "the address is missing" : addressProblem(addressText);
    if (addressWrong) row.problems.push(addressWrong);
    else {
      row.address = getAddress(addressText);
      const first = seen.get(row.address);
      if (first !== undefined) row.problems.push(`repeats the address on line ${first}: merge them into one line`);
      else seen.set(row.address, line);
    }
    const amount = amountText.replace(/[_\s]/g, "");
    if (amount === "") row.problems.push("the amount is missing");
    else if (!/^\d+$/.test(amount)) row.problems.push(`"${amountText}" is not a whole number of credits`);
    else if (BigInt(amount) === 0n) row.problems.push("the amount is 0: send at least 1 credit");
    else if (BigInt(amount) > maxUint256) row.problems.push("the amount is too large");
    else row.amount = BigInt(amount);
    rows.push(row);
  });
  const valid = rows.filter((r): r is RecipientRow & { address: Address; amount: bigint } => r.problems.length === 0);
  return { rows, valid, total: valid.reduce((sum, r) => sum + r.amount, 0n), header };
}
