import { describe, expect, it } from "vitest";
import { parseGatewayModels } from "./gatewayModels";
import { mergeModels } from "./models";

const list = {
  object: "list",
  data: [
    // An alias: requests say "mini", credits on chain name "gpt-4o-mini".
    { id: "mini", aat: { model: "gpt-4o-mini", pricePerPromptToken: 1, pricePerCompletionToken: 4, maxTokens: 512 } },
    { id: "llama-3-70b", aat: { model: "llama-3-70b", pricePerPromptToken: "2", pricePerCompletionToken: "8", maxTokens: 256 } },
    { id: "too-long", aat: { model: "a-model-name-over-16-bytes", pricePerPromptToken: 1, pricePerCompletionToken: 1, maxTokens: 9 } },
  ],
};

describe("the models credits can be issued for", () => {
  it("merges the gateway's and the chain's by the name on chain: an alias is a label, not another model", () => {
    const prices = new Map([
      ["gpt-4o-mini", 10n ** 15n],
      ["claude-sonnet", 0n],
    ]);
    const models = mergeModels(parseGatewayModels(list), prices);
    expect(models.map((m) => m.name)).toEqual(["gpt-4o-mini", "llama-3-70b"]);
    expect(models[0]).toEqual({
      name: "gpt-4o-mini",
      price: 10n ** 15n,
      requestNames: ["mini"],
      pricing: { pricePerPromptToken: 1n, pricePerCompletionToken: 4n },
      onGateway: true,
    });
    expect(models[1]).toMatchObject({ price: undefined, onGateway: true });
  });
});
