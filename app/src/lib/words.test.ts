// The words people read: policies, amounts and every contract error.
import { encodeErrorResult } from "viem";
import { describe, expect, it } from "vitest";
import { aatAbi, exchangeAbi, tokenAIAbi } from "../generated/abi";
import { fromBytes16, toBytes16 } from "./bytes16";
import { CONTRACT_ERRORS, GATEWAY_REFUSALS, decodeRevert, explainError } from "./errors";
import { RELAY_REFUSALS } from "./market";
import { describePolicy, expiryWords } from "./policy";
import { formatCredits, formatTokenAI, parseCredits, parseTokenAI } from "./units";

describe("policy in words", () => {
  const now = 1_800_000_000;
  it("reads as the issue's example", () => {
    const words = describePolicy(
      {
        model: toBytes16("gpt-4o-mini"),
        scope: toBytes16("CS101"),
        expiration: BigInt(now + 12 * 86_400 + 60),
        originPool: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
        reclaimable: true,
        tradable: false,
      },
      now,
      "your school",
    );
    expect(words).toBe("GPT-4o mini · CS101 · expires in 12 days · not transferable · your school can reclaim it");
  });
  it("says never, ago, and any use", () => {
    expect(expiryWords(0n, now)).toBe("never expires");
    expect(expiryWords(BigInt(now - 3 * 3_600), now)).toBe("expired 3 hours ago");
    const words = describePolicy(
      { model: toBytes16("x"), scope: toBytes16(""), expiration: 0n, originPool: "0x0000000000000000000000000000000000000001", reclaimable: false, tradable: true },
      now,
    );
    expect(words).toBe("x · any use · never expires · transferable · cannot be reclaimed");
  });
});

describe("bytes16", () => {
  it("round-trips text and refuses more than 16 bytes", () => {
    expect(fromBytes16(toBytes16("CS101"))).toBe("CS101");
    expect(() => toBytes16("a".repeat(17))).toThrow(/at most 16/);
    expect(() => toBytes16("é".repeat(9))).toThrow(/18 bytes/);
  });
});

describe("amounts carry their units", () => {
  it("formats and parses TokenAI and credits", () => {
    expect(formatTokenAI(1_234_500_000_000_000_000_000n)).toBe("1,234.5 TAI");
    expect(formatTokenAI(1n)).toBe("0 TAI");
    expect(formatCredits(1n)).toBe("1 credit");
    expect(formatCredits(12_000n)).toBe("12,000 credits");
    expect(parseTokenAI("0.25")).toBe(250_000_000_000_000_000n);
    expect(() => parseTokenAI("1e3")).toThrow(/number of TAI/);
    expect(parseCredits("1,000")).toBe(1000n);
    expect(() => parseCredits("0")).toThrow(/at least 1/);
    expect(() => parseCredits("1.5")).toThrow(/whole number/);
  });
});

describe("contract errors in words", () => {
  const names = [...aatAbi, ...tokenAIAbi, ...exchangeAbi].flatMap((item) => (item.type === "error" ? [item.name] : []));
  it("has words for every error of the generated ABI", () => {
    const missing = [...new Set(names)].filter((name) => !CONTRACT_ERRORS[name]);
    expect(missing).toEqual([]);
  });
  it("decodes revert data and says the issue's sentence", () => {
    const data = encodeErrorResult({ abi: aatAbi, errorName: "TokenNotTradable", args: [7n] });
    const decoded = decodeRevert(data)!;
    expect(decoded.name).toBe("TokenNotTradable");
    expect(explainError(decoded.name, decoded.args)).toBe(
      "These credits can't be given away: the issuer made them non-transferable.",
    );
  });
  it("puts amounts in their units", () => {
    const words = explainError("ERC20InsufficientBalance", ["0x0000000000000000000000000000000000000001", 10n ** 18n, 3n * 10n ** 18n]);
    expect(words).toBe("Not enough TokenAI: you have 1 TAI and this needs 3 TAI.");
  });
});

describe("the gateway's refusal kinds", () => {
  it("are all in words, and only those (crates/gateway/src/payment/refusal.rs, RefusalKind::as_str)", async () => {
    const { readFileSync } = await import("node:fs");
    const source = readFileSync(new URL("../../../crates/gateway/src/payment/refusal.rs", import.meta.url), "utf8");
    const body = source.slice(source.indexOf("pub fn as_str(self)"), source.indexOf("impl VoucherRefusal"));
    const labels = [...body.matchAll(/RefusalKind::\w+ => "([a-z-]+)"/g)].map((m) => m[1]).sort();
    expect(labels.length).toBeGreaterThan(20);
    expect(Object.keys(GATEWAY_REFUSALS).sort()).toEqual(labels);
  });
});

describe("the relay's refusal labels", () => {
  it("are all in words, and only those (crates/market/src: Refusal::label, ApiError::status_and_label)", async () => {
    const { readFileSync } = await import("node:fs");
    const read = (file: string) => readFileSync(new URL(`../../../crates/market/src/${file}`, import.meta.url), "utf8");
    const chain = read("chain.rs");
    const refusals = chain.slice(chain.indexOf("pub fn label(&self)"), chain.indexOf("impl fmt::Display for Refusal"));
    const routes = read("routes.rs");
    const answers = routes.slice(routes.indexOf("fn status_and_label"), routes.indexOf("impl IntoResponse for ApiError"));
    const labels = [
      ...new Set([
        ...[...refusals.matchAll(/=> "([a-z_]+)"/g)].map((m) => m[1]),
        ...[...answers.matchAll(/"([a-z_]+)"\)/g)].map((m) => m[1]),
      ]),
    ].sort();
    expect(labels.length).toBeGreaterThan(15);
    expect(Object.keys(RELAY_REFUSALS).sort()).toEqual(labels);
  });
});

describe("times far in the future", () => {
  it("read as the year 9999 instead of throwing", async () => {
    const { utcDate, utcWords } = await import("./chainClock");
    expect(utcWords(2n ** 64n - 1n)).toBe("9999-12-31 23:59 UTC");
    expect(utcDate(Number.MAX_SAFE_INTEGER)).toBe("9999-12-31");
    expect(utcWords(0)).toBe("1970-01-01 00:00 UTC");
  });
});
