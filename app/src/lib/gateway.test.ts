import { describe, expect, it } from "vitest";
import { type GatewayModel, maxCost, parseGatewayModels, refusalWords } from "./gateway";

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
    const model: GatewayModel = { id: "m", aatModel: "m", promptPrice: 1n, completionPrice: 4n, maxTokens: 256 };
    expect(maxCost(model, "x".repeat(36), 64)).toBe(100n + 256n);
    expect(maxCost(model, "é", 1)).toBe(66n + 4n);
  });
});

describe("GET /v1/models, parsed", () => {
  it("reads each priced model: its request name, its name on chain, its prices and longest answer", () => {
    const body = {
      object: "list",
      data: [
        { id: "gpt-4o-mini", object: "model", aat: { model: "gpt-4o-mini", pricePerPromptToken: 1, pricePerCompletionToken: 4, maxTokens: 256 } },
        { id: "llama", aat: { model: "llama-3-70b", pricePerPromptToken: "2", pricePerCompletionToken: "90071992547409930", maxTokens: 64 } },
      ],
    };
    expect(parseGatewayModels(body)).toEqual([
      { id: "gpt-4o-mini", aatModel: "gpt-4o-mini", promptPrice: 1n, completionPrice: 4n, maxTokens: 256 },
      { id: "llama", aatModel: "llama-3-70b", promptPrice: 2n, completionPrice: 90071992547409930n, maxTokens: 64 },
    ]);
  });

  it("names a model on chain by its request name when the gateway gives no other", () => {
    const body = { data: [{ id: "m", aat: { pricePerPromptToken: 1, pricePerCompletionToken: 1, maxTokens: 8 } }] };
    expect(parseGatewayModels(body)[0].aatModel).toBe("m");
  });

  it("leaves out models not paid in credits and entries it cannot read, and reads nothing from a body that is not a list", () => {
    const good = { id: "ok", aat: { pricePerPromptToken: 1, pricePerCompletionToken: 1, maxTokens: 8 } };
    const body = {
      data: [
        { id: "free-model" },
        { id: 7, aat: good.aat },
        { id: "neg", aat: { ...good.aat, pricePerPromptToken: -1 } },
        { id: "frac", aat: { ...good.aat, pricePerCompletionToken: "1.5" } },
        { id: "no-max", aat: { pricePerPromptToken: 1, pricePerCompletionToken: 1 } },
        null,
        good,
      ],
    };
    expect(parseGatewayModels(body).map((m) => m.id)).toEqual(["ok"]);
    expect(parseGatewayModels({ data: "nope" })).toEqual([]);
    expect(parseGatewayModels(undefined)).toEqual([]);
  });
});
