import { type PublicClient, parseEther } from "viem";
import { describe, expect, it } from "vitest";
import type { AppConfig } from "../config";
import { approvalCall } from "./exchange";

const config = {
  tokenAI: "0x0000000000000000000000000000000000000a11",
  aat: "0x0000000000000000000000000000000000000aa7",
  exchange: "0x00000000000000000000000000000000000e7c4a",
} as unknown as AppConfig;
const OWNER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

/** A client whose every read answers `value` (the allowance, or the operator approval). */
const answering = (value: bigint | boolean) => ({ readContract: async () => value }) as unknown as PublicClient;

describe("the exchange's approval", () => {
  it("raises a short TokenAI allowance by the amount, keeping what backs the owner's other bids", async () => {
    const call = await approvalCall(answering(parseEther("0.3")), config, OWNER, 0n, parseEther("0.5"));
    expect(call?.functionName).toBe("approve");
    expect(call?.args).toEqual([config.exchange, parseEther("0.8")]);
  });

  it("asks nothing when the allowance already covers the amount", async () => {
    expect(await approvalCall(answering(parseEther("1")), config, OWNER, 0n, parseEther("0.5"))).toBeUndefined();
  });

  it("approves the exchange as operator for credits, once", async () => {
    expect((await approvalCall(answering(false), config, OWNER, 5n, 10n))?.args).toEqual([config.exchange, true]);
    expect(await approvalCall(answering(true), config, OWNER, 5n, 10n)).toBeUndefined();
  });
});
