// Buying credits with TokenAI (mintWithTokenAI), the one path Buy and Issue
// share: first AAT is allowed to take the price (an EIP-2612 permit signed
// in the wallet, then sent; or, if the wallet cannot sign typed data, a
// plain approve), then the price is read again, so nothing burns more than
// the total shown, then AAT.mintWithTokenAI burns it and mints the credits.
import { type Address, type Hex, parseEventLogs, parseSignature } from "viem";
import type { useConfig } from "wagmi";
import { getBlock, readContract, signTypedData } from "wagmi/actions";
import { aatAbi, tokenAIAbi } from "../generated/abi";
import { explain, isUserRejection } from "./errors";
import type { Policy } from "./policy";
import { type ContractCall, type TxState, sendTx } from "./tx";
import { formatTokenAI } from "./units";

type WagmiConfig = ReturnType<typeof useConfig>;

/** A typical chat request, to show what credits buy: a 500-token prompt and a 250-token answer. */
export const TYPICAL_PROMPT_TOKENS = 500n;
export const TYPICAL_COMPLETION_TOKENS = 250n;

/** The gateway's prices for a model, in credits per token (GET /v1/models, `aat`). */
export interface RequestPricing {
  pricePerPromptToken: bigint;
  pricePerCompletionToken: bigint;
}

/** Credits a typical request costs at these prices. */
export function typicalRequestCredits(pricing: RequestPricing): bigint {
  return TYPICAL_PROMPT_TOKENS * pricing.pricePerPromptToken + TYPICAL_COMPLETION_TOKENS * pricing.pricePerCompletionToken;
}

/** A policy as mintWithTokenAI takes it: the buyer becomes its origin pool. */
export type BoughtPolicy = Omit<Policy, "originPool">;

/** The mint that burns the price of `amount` credits from the sender and gives them to `to`. */
export function mintWithTokenAICall(aat: Address, to: Address, policy: BoughtPolicy, amount: bigint): ContractCall {
  const { model, scope, expiration, reclaimable, tradable } = policy;
  return {
    address: aat,
    abi: aatAbi,
    functionName: "mintWithTokenAI",
    args: [to, model, scope, expiration, reclaimable, tradable, amount],
  } as ContractCall;
}

/** How AAT got the allowance: already had it, a signed permit, or an approve. */
export type AllowanceStep =
  | { how: "enough" }
  | { how: "permit-signing" }
  | { how: "permit" | "approve"; state: TxState; note?: string };

/**
 * Lets AAT burn `total` of `buyer`'s TokenAI, unless it already may; reports
 * each step. True once it may (false: a step failed, and its state says why).
 */
export async function allowTokenAI(
  config: WagmiConfig,
  aat: Address,
  tokenAI: Address,
  buyer: Address,
  total: bigint,
  report: (step: AllowanceStep) => void,
): Promise<boolean> {
  const allowance = await readContract(config, { address: tokenAI, abi: tokenAIAbi, functionName: "allowance", args: [buyer, aat] });
  if (allowance >= total) {
    report({ how: "enough" });
    return true;
  }
  let note: string | undefined;
  try {
    report({ how: "permit-signing" });
    const [[, name, version, chainId, verifyingContract], nonce, block] = await Promise.all([
      readContract(config, { address: tokenAI, abi: tokenAIAbi, functionName: "eip712Domain" }),
      readContract(config, { address: tokenAI, abi: tokenAIAbi, functionName: "nonces", args: [buyer] }),
      getBlock(config),
    ]);
    // An hour of chain time to send it: long enough, and a stale signature soon dies.
    const deadline = block.timestamp + 3600n;
    const signature = await signTypedData(config, {
      account: buyer,
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
      message: { owner: buyer, spender: aat, value: total, nonce, deadline },
    });
    const { r, s, v, yParity } = parseSignature(signature);
    const state = await sendTx(
      config,
      {
        address: tokenAI,
        abi: tokenAIAbi,
        functionName: "permit",
        args: [buyer, aat, total, deadline, Number(v ?? BigInt(yParity + 27)), r, s],
      },
      (state) => report({ how: "permit", state }),
    );
    return state.step === "mined";
  } catch (error) {
    // Declining is an answer, not a reason to ask again another way.
    if (isUserRejection(error)) {
      report({ how: "permit", state: { step: "failed", reason: explain(error) } });
      return false;
    }
    note = `Your wallet could not sign a permit (${explain(error)}), so it is asked for an approval instead.`;
  }
  const state = await sendTx(
    config,
    { address: tokenAI, abi: tokenAIAbi, functionName: "approve", args: [aat, total] },
    (state) => report({ how: "approve", state, note }),
  );
  return state.step === "mined";
}

/**
 * What `amount` credits of `model` cost now, read again right before they
 * are bought: a reason in words when it is more than the `shown` total (the
 * price was raised since), else undefined.
 */
export async function priceRaised(config: WagmiConfig, aat: Address, model: Hex, amount: bigint, shown: bigint): Promise<string | undefined> {
  const now = await readContract(config, { address: aat, abi: aatAbi, functionName: "quoteTokenAI", args: [model, amount] });
  if (now <= shown) return undefined;
  return `The price changed: these credits now cost ${formatTokenAI(now, "up")}, not the ${formatTokenAI(shown, "up")} shown. Nothing was bought: check the new total and buy again.`;
}

export interface Purchase {
  buyer: Address;
  to: Address;
  policy: BoughtPolicy;
  amount: bigint;
  /** quoteTokenAI(model, amount) as shown to the buyer: the permit covers it, and no more is burned. */
  total: bigint;
}

export interface Reporter {
  allowance(step: AllowanceStep): void;
  mint(state: TxState): void;
}

/** The minted id and the recipient's balance of it, once mined. */
export interface Bought {
  id: bigint;
  balance: bigint;
}

/** Runs the purchase, reporting each step; undefined when a step failed or the price rose (its state says why). */
export async function buyCredits(config: WagmiConfig, aat: Address, tokenAI: Address, p: Purchase, report: Reporter) {
  if (!(await allowTokenAI(config, aat, tokenAI, p.buyer, p.total, report.allowance))) return undefined;
  // An allowance granted before may cover more than this total: the price is checked, not left to it.
  const raised = await priceRaised(config, aat, p.policy.model, p.amount, p.total);
  if (raised) {
    report.mint({ step: "failed", reason: raised });
    return undefined;
  }
  const state = await sendTx(config, mintWithTokenAICall(aat, p.to, p.policy, p.amount), report.mint);
  if (state.step !== "mined") return undefined;
  const minted = parseEventLogs({ abi: aatAbi, eventName: "TransferSingle", logs: state.receipt.logs }).find(
    (log) => log.address.toLowerCase() === aat.toLowerCase() && log.args.to.toLowerCase() === p.to.toLowerCase(),
  );
  if (!minted) return undefined;
  const balance = await readContract(config, { address: aat, abi: aatAbi, functionName: "balanceOf", args: [p.to, minted.args.id] });
  return { id: minted.args.id, balance } satisfies Bought;
}
