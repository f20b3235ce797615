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

describe("config.json", () => {
  it("reads the demo's file, ignoring what it does not need", () => {
    const config = parseConfig({ ...good, rpcUrl: "http://127.0.0.1:8547/", ids: {}, accounts: [] });
    expect(config.rpcUrl).toBe("http://127.0.0.1:8547");
    expect(config.chainId).toBe(412346);
  });
  it("names every bad field", () => {
    expect(() => parseConfig({ ...good, aat: "0x12", chainId: "x", market: "ftp://m" })).toThrow(
      "config.json: aat must be a 0x address; market must be an http(s) URL; chainId must be a positive integer",
    );
  });
});
