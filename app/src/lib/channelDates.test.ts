import { maxUint64 } from "viem";
import { describe, expect, it } from "vitest";
import { endOfUtcDay } from "./chainClock";
import { channelEnd, lastUseDay, timeWords } from "./channelDates";

describe("a channel's dates", () => {
  it("ends on the credits' last day of use, the day before the second they expire", () => {
    const expiration = endOfUtcDay("2026-06-30")!;
    expect(lastUseDay(expiration)).toBe("2026-06-30");
    expect(lastUseDay(0n)).toBeUndefined();
    expect(channelEnd("2026-06-30", expiration)).toBe(expiration);
    expect(channelEnd("2026-06-29", expiration)).toBe(endOfUtcDay("2026-06-29"));
    expect(channelEnd("June", expiration)).toBeUndefined();
  });

  it("takes any uint64 expiration without throwing: past the year 9999 it is clamped", () => {
    expect(lastUseDay(maxUint64)).toBe("9999-12-31");
    expect(lastUseDay(10n ** 13n)).toBe("9999-12-31");
    expect(channelEnd("9999-12-31", maxUint64)).toBe(endOfUtcDay("9999-12-31"));
    expect(timeWords(maxUint64)).toBe("after the year 9999");
    expect(timeWords(endOfUtcDay("2026-06-30")!)).toBe("2026-07-01 00:00 UTC");
  });
});
