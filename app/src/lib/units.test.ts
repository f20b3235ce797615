import { describe, expect, it } from "vitest";
import { formatTokenAI, shortId } from "./units";

describe("TokenAI cut to 6 decimals", () => {
  it("rounds what is paid up and what is received down, and leaves exact amounts alone", () => {
    const third = 333_333_333_333_333_333n; // 0.3333… TAI
    expect(formatTokenAI(third, "up")).toBe("0.333334 TAI");
    expect(formatTokenAI(third, "down")).toBe("0.333333 TAI");
    expect(formatTokenAI(third)).toBe("0.333333 TAI");
    expect(formatTokenAI(1n, "up")).toBe("0.000001 TAI");
    expect(formatTokenAI(999_999_999_999_999_999n, "up")).toBe("1 TAI");
    expect(formatTokenAI(1_234_500_000_000_000_000_000n, "up")).toBe("1,234.5 TAI");
    expect(formatTokenAI(0n, "up")).toBe("0 TAI");
  });
});

describe("shortId", () => {
  it("shortens an id from its 64 hex digits, as explorers print it", () => {
    expect(shortId(0x76f5n)).toBe("0x0000…76f5");
    expect(shortId(2n ** 256n - 1n)).toBe("0xffff…ffff");
  });
});
