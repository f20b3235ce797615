// Buying credits with TokenAI, in two transactions: first AAT is allowed
// to take the price (an EIP-2612 permit signed in the wallet, then sent;
// or, if the wallet cannot sign typed data, a plain approve), then
// AAT.mintWithTokenAI burns the price and mints the credits to the recipient.
import { type Address, type Hex, parseEventLogs, parseSignature } from "viem";
import { getBlock, readContract, signTypedData } from "wagmi/actions";
import { aatAbi, tokenAIAbi } from "../generated/abi";
import { explain } from "./errors";
import { type TxState, sendTx } from "./tx";
import type { useConfig } from "wagmi";

type WagmiConfig = ReturnType<typeof useConfig>;

/** A typical chat request, to show what credits buy: a 500-token prompt and a 250-token answer. */
export const TYPICAL_PROMPT_TOKENS = 500n;
export const TYPICAL_COMPLETION_TOKENS = 250n;

/** The gateway's prices per model, in credits per token (GET /v1/models, `aat`). */
export interface RequestPricing {
  pricePerPromptToken: bigint;
  pricePerCompletionToken: bigint;
}

export async function gatewayPricing(gateway: string): Promise<Map<string, RequestPricing>> {
  const response = await fetch(`${gateway}/v1/models`);
  if (!response.ok) throw new Error(`the gateway answered HTTP ${response.status}`);
  const body = (await response.json()) as { data?: { id?: unknown; aat?: Record<string, unknown> }[] };
  const prices = new Map<string, RequestPricing>();
  for (const entry of body.data ?? []) {
    const prompt = entry.aat?.pricePerPromptToken;
    const completion = entry.aat?.pricePerCompletionToken;
    if (typeof entry.id === "string" && typeof prompt === "number" && typeof completion === "number")
      prices.set(entry.id, { pricePerPromptToken: BigInt(prompt), pricePerCompletionToken: BigInt(completion) });
  }
  return prices;
}

/** Credits a typical request costs at these prices. */
export function typicalRequestCredits(pricing: RequestPricing): bigint {
  return TYPICAL_PROMPT_TOKENS * pricing.pricePerPromptToken + TYPICAL_COMPLETION_TOKENS * pricing.pricePerCompletionToken;
}

export interface Purchase {
  buyer: Address;
  to: Address;
  model: Hex;
  scope: Hex;
  expiration: bigint;
  reclaimable: boolean;
  tradable: boolean;
  amount: bigint;
  /** quoteTokenAI(model, amount): what the permit or approval must cover. */
  total: bigint;
}

/** How AAT got the allowance: already had it, a signed permit, or an approve. */
export type AllowanceStep =
  | { how: "enough" }
  | { how: "permit-signing" }
  | { how: "permit" | "approve"; state: TxState; note?: string };

export interface Reporter {
  allowance(step: AllowanceStep): void;
  mint(state: TxState): void;
}

/** The minted id and the recipient's balance of it, once mined. */
export interface Bought {
  id: bigint;
  balance: bigint;
}

/** Runs the purchase, reporting each step; undefined when a step failed (its state says why). */
export async function buyCredits(config: WagmiConfig, aat: Address, tokenAI: Address, p: Purchase, report: Reporter) {
  const allowance = await readContract(config, { address: tokenAI, abi: tokenAIAbi, functionName: "allowance", args: [p.buyer, aat] });
  if (allowance < p.total) {
    const granted = await grantAllowance(config, aat, tokenAI, p, report);
    if (!granted) return undefined;
  } else report.allowance({ how: "enough" });

  const state = await sendTx(
    config,
    {
      address: aat,
      abi: aatAbi,
      functionName: "mintWithTokenAI",
      args: [p.to, p.model, p.scope, p.expiration, p.reclaimable, p.tradable, p.amount],
    },
    report.mint,
  );
  if (state.step !== "mined") return undefined;
  const minted = parseEventLogs({ abi: aatAbi, eventName: "TransferSingle", logs: state.receipt.logs }).find(
    (log) => log.address.toLowerCase() === aat.toLowerCase() && log.args.to.toLowerCase() === p.to.toLowerCase(),
  );
  if (!minted) return undefined;
  const balance = await readContract(config, { address: aat, abi: aatAbi, functionName: "balanceOf", args: [p.to, minted.args.id] });
  return { id: minted.args.id, balance } satisfies Bought;
}

/** A permit signed in the wallet and sent; an approve when the wallet cannot sign one. True once mined. */
async function grantAllowance(config: WagmiConfig, aat: Address, tokenAI: Address, p: Purchase, report: Reporter) {
  let note: string | undefined;
  try {
    report.allowance({ how: "permit-signing" });
    const [[, name, version, chainId, verifyingContract], nonce, block] = await Promise.all([
      readContract(config, { address: tokenAI, abi: tokenAIAbi, functionName: "eip712Domain" }),
      readContract(config, { address: tokenAI, abi: tokenAIAbi, functionName: "nonces", args: [p.buyer] }),
      getBlock(config),
    ]);
    // An hour of chain time to send it: long enough, and a stale signature soon dies.
    const deadline = block.timestamp + 3600n;
    const signature = await signTypedData(config, {
      account: p.buyer,
      domain: { name, version, chainId, verifyingContract },
      types: {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      },
      primaryType: "Permit",
      message: { owner: p.buyer, spender: aat, value: p.total, nonce, deadline },
    });
    const { r, s, v, yParity } = parseSignature(signature);
    const state = await sendTx(
      config,
      {
        address: tokenAI,
        abi: tokenAIAbi,
        functionName: "permit",
        args: [p.buyer, aat, p.total, deadline, Number(v ?? BigInt(yParity + 27)), r, s],
      },
      (state) => report.allowance({ how: "permit", state }),
    );
    return state.step === "mined";
  } catch (error) {
    const words = explain(error);
    // Declining is an answer, not a reason to ask again another way.
    if (words.startsWith("You declined")) {
      report.allowance({ how: "permit", state: { step: "failed", reason: words } });
      return false;
    }
    note = `Your wallet could not sign a permit (${words}), so it is asked for an approval instead.`;
  }
  const state = await sendTx(
    config,
    { address: tokenAI, abi: tokenAIAbi, functionName: "approve", args: [aat, p.total] },
    (state) => report.allowance({ how: "approve", state, note }),
  );
  return state.step === "mined";
}
