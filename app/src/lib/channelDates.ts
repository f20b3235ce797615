// A channel's dates, for the form that opens one and the row that shows it:
// the last day the credits allow, and the channel's end for a chosen day.
// An expiration is any uint64 (anyone can mint such an id and give it), far
// past what a Date or a date input holds: it is clamped to 9999-12-31.
import { endOfUtcDay, utcDate, utcWords } from "./chainClock";

/** The last second a date input (four-digit years) shows: 9999-12-31 23:59:59 UTC. */
export const LAST_SHOWN_SECOND = 253_402_300_799n;

/** The last day (YYYY-MM-DD, UTC) credits expiring at `expiration` can be used; undefined when they never expire. */
export function lastUseDay(expiration: bigint): string | undefined {
  if (expiration === 0n) return undefined;
  const last = expiration - 1n;
  return utcDate(Number(last > LAST_SHOWN_SECOND ? LAST_SHOWN_SECOND : last));
}

/** The channel's end for a chosen day: that day's end (UTC), or the credits' expiry if it falls that day. */
export function channelEnd(date: string, expiration: bigint): bigint | undefined {
  const end = endOfUtcDay(date);
  if (end === undefined) return undefined;
  return expiration !== 0n && end > expiration ? expiration : end;
}

/** A time in words ("2026-12-31 23:59 UTC"), even one past the year 9999. */
export function timeWords(seconds: bigint): string {
  return seconds > LAST_SHOWN_SECOND ? "after the year 9999" : utcWords(seconds);
}
