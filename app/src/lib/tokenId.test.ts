import { describe, expect, it } from "vitest";
import { toBytes16 } from "./bytes16";
import { checkPolicy, EMPTY_POLICY_INPUT, OTHER_MODEL } from "./policyForm";
import { computeTokenId } from "./tokenId";

const UNIVERSITY = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

describe("computeTokenId", () => {
  it("matches AAT.computeTokenId on the devnode", () => {
    // Read from the deployed contract: computeTokenId(University, "gpt-4o-mini", "CS101 é", 1234567890, true, false).
    const policy = {
      originPool: UNIVERSITY,
      model: toBytes16("gpt-4o-mini"),
      scope: toBytes16("CS101 é"),
      expiration: 1234567890n,
      reclaimable: true,
      tradable: false,
    } as const;
    expect(computeTokenId(policy)).toBe(94663558439783911152188584665515317934672937746341190011092119826806376701107n);
  });
});

describe("checkPolicy", () => {
  const now = Date.UTC(2026, 11, 6, 15) / 1000;
  it("ends the last day at 24:00 UTC and judges it by the chain's clock", () => {
    const today = checkPolicy({ ...EMPTY_POLICY_INPUT, expiry: "2026-12-06" }, UNIVERSITY, "gpt-4o-mini", now);
    expect(today.policy?.expiration).toBe(BigInt(Date.UTC(2026, 11, 7) / 1000));
    const yesterday = checkPolicy({ ...EMPTY_POLICY_INPUT, expiry: "2026-12-05" }, UNIVERSITY, "gpt-4o-mini", now);
    expect(yesterday.policy).toBeUndefined();
    expect(yesterday.errors.expiry).toMatch(/over by the chain's clock/);
  });

  it("names a missing date apart from a wrong one, and allows never", () => {
    const none = checkPolicy(EMPTY_POLICY_INPUT, UNIVERSITY, "gpt-4o-mini", now);
    expect(none.errors).toEqual({});
    expect(none.missing.expiry).toMatch(/Never expires/);
    expect(checkPolicy({ ...EMPTY_POLICY_INPUT, never: true }, UNIVERSITY, "gpt-4o-mini", now).policy?.expiration).toBe(0n);
  });

  it("refuses a model or scope over 16 bytes, counting UTF-8 bytes", () => {
    const long = checkPolicy(
      { ...EMPTY_POLICY_INPUT, never: true, model: OTHER_MODEL, otherModel: "a-very-long-model-name", scope: "éééééééé-" },
      UNIVERSITY,
      "gpt-4o-mini",
      now,
    );
    expect(long.errors.model).toMatch(/22 bytes/);
    expect(long.errors.scope).toMatch(/17 bytes/);
    expect(long.policy).toBeUndefined();
  });
});
