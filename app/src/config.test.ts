import { describe, expect, it } from "vitest";
import { parseConfig } from "./config";

const good = {
  rpcUrl: "http://127.0.0.1:8547",
  chainId: 412346,
  tokenAI: "0xab8e440727a38bbb180f7032ca4a8009e7b52b80",
  aat: "0xe547a947fc6c8683c210a6a56a9de05dd87142ea",
  exchange: "0xeff7b46049fc677f58264e0ebb19df1a39195a21",
  gateway: "http://127.0.0.1:8080",
  market: "http://127.0.0.1:8090",
};

describe("config.json's id hints", () => {
  it("keeps the named hex ids and leaves out the rest", () => {
    const config = parseConfig({ ...good, ids: { GIFT: "0x76f5", BAD: "gift", NUM: 7 } });
    expect(config.ids).toEqual({ GIFT: "0x76f5" });
  });

  it("are optional", () => {
    expect(parseConfig(good).ids).toBeUndefined();
    expect(parseConfig({ ...good, ids: ["0x1"] }).ids).toBeUndefined();
  });
});
