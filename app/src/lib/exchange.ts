// What the exchange needs before a fill can move a party's tokens: AAT's
// operator approval (setApprovalForAll) for credits, a TokenAI allowance
// for TokenAI; and a party's balance of either, for the checks made before
// anything is signed.
import type { Address, PublicClient } from "viem";
import type { AppConfig } from "../config";
import { aatAbi, exchangeAbi, tokenAIAbi } from "../generated/abi";
import { TOKEN_AI_ID } from "./market";
import type { ContractCall } from "./tx";

export async function balanceOf(client: PublicClient, config: AppConfig, owner: Address, id: bigint): Promise<bigint> {
  return id === TOKEN_AI_ID
    ? client.readContract({ address: config.tokenAI, abi: tokenAIAbi, functionName: "balanceOf", args: [owner] })
    : client.readContract({ address: config.aat, abi: aatAbi, functionName: "balanceOf", args: [owner, id] });
}

/**
 * The transaction that lets the exchange move `amount` of `owner`'s `id`,
 * or undefined when it already may. A TokenAI allowance is raised by
 * `amount`, not set to it: what it allowed before backs the owner's other
 * open bids, which setting it to `amount` would leave unfillable.
 */
export async function approvalCall(
  client: PublicClient,
  config: AppConfig,
  owner: Address,
  id: bigint,
  amount: bigint,
): Promise<ContractCall | undefined> {
  if (id === TOKEN_AI_ID) {
    const allowance = await client.readContract({
      address: config.tokenAI,
      abi: tokenAIAbi,
      functionName: "allowance",
      args: [owner, config.exchange],
    });
    if (allowance >= amount) return undefined;
    return { address: config.tokenAI, abi: tokenAIAbi, functionName: "approve", args: [config.exchange, allowance + amount] } as ContractCall;
  }
  const approved = await client.readContract({
    address: config.aat,
    abi: aatAbi,
    functionName: "isApprovedForAll",
    args: [owner, config.exchange],
  });
  if (approved) return undefined;
  return { address: config.aat, abi: aatAbi, functionName: "setApprovalForAll", args: [config.exchange, true] } as ContractCall;
}

/** The exchange's EIP-712 domain as it reports it (ERC-5267). */
export async function exchangeDomain(client: PublicClient, config: AppConfig) {
  const [, name, version, chainId, verifyingContract] = await client.readContract({
    address: config.exchange,
    abi: exchangeAbi,
    functionName: "eip712Domain",
  });
  return { name, version, chainId: Number(chainId), verifyingContract };
}
