import { describe, expect, it } from "vitest";
import { type GatewayModel, maxCost, refusalWords } from "./gateway";

describe("the gateway's refusals in words", () => {
  it("puts each kind a 402 names (extensions.refusal.kind) in words", () => {
    expect(refusalWords("balance")).toMatch(/^Your credits locked with this provider don't cover/);
    expect(refusalWords("missing")).toBe("This request must be paid.");
    expect(refusalWords("wrong-provider")).toBe("The payment is to another provider.");
    expect(refusalWords("scope")).toBe("These credits are for another model or use than this provider serves.");
    expect(refusalWords("expired-id")).toBe("These credits have expired.");
    expect(refusalWords("credit-limit")).toMatch(/^Another request of yours/);
  });

  it("says the payment was refused when the kind is not one it knows, or missing", () => {
    expect(refusalWords("something-new")).toBe("The provider refused the payment.");
    expect(refusalWords(undefined)).toBe("The provider refused the payment.");
  });
});

describe("a request's bound", () => {
  it("is (body bytes + 64) prompt tokens and max_tokens answer tokens at the model's prices", () => {
    const model: GatewayModel = { name: "m", aatModel: "m", promptPrice: 1n, completionPrice: 4n, maxTokens: 256 };
    expect(maxCost(model, "x".repeat(36), 64)).toBe(100n + 256n);
    expect(maxCost(model, "é", 1)).toBe(66n + 4n);
  });
});
