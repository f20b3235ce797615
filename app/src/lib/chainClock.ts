// The chain's clock: the latest block's timestamp. Expiry is judged by the
// chain (block.timestamp), which may differ from this computer's clock (a
// devnode's clock can be moved forward), so forms and words use this.
import { useBlock } from "wagmi";

/** Unix seconds of the latest block, refreshed every few seconds; undefined until read. */
export function useChainNow(): number | undefined {
  const { data } = useBlock({ query: { refetchInterval: 5_000 } });
  return data ? Number(data.timestamp) : undefined;
}

/**
 * The last second a `Date` can show of a year-9999 calendar: anyone may
 * mint credits that expire later (an expiration is any uint64), and their
 * times must read as "far future", never throw.
 */
const LAST_SHOWN = 253_402_300_799;

function clamped(seconds: number | bigint): Date {
  const value = Math.min(Math.max(Number(seconds), 0), LAST_SHOWN);
  return new Date(value * 1000);
}

/** A unix time as "2026-12-31 23:59 UTC" (a later one than 9999 as its last minute). */
export function utcWords(seconds: number | bigint): string {
  return clamped(seconds).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** The UTC calendar date (YYYY-MM-DD) of a unix time, as a date input takes it. */
export function utcDate(seconds: number): string {
  return clamped(seconds).toISOString().slice(0, 10);
}

/** The end of a UTC calendar day (YYYY-MM-DD): the first second of the next day. */
export function endOfUtcDay(date: string): bigint | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const [, year, month, day] = match.map(Number);
  return BigInt(Date.UTC(year, month - 1, day + 1) / 1000);
}
