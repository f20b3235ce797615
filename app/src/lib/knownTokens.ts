// The tokens a trader can pick: TokenAI, the AAT ids they hold or held, and
// the ids the hosting config.json names as hints (the demo's CS101, GIFT,
// LLAMA; an institution's config may name none). Each with a label in words.
import { useMemo } from "react";
import { type Address, type Hex, zeroAddress } from "viem";
import { useReadContracts } from "wagmi";
import { useAppConfig } from "../context";
import { aatAbi } from "../generated/abi";
import { useHoldings } from "./holdings";
import { TOKEN_AI_ID } from "./market";
import { type Policy, modelName, policyFromConfig, scopeName } from "./policy";
import { shortId } from "./units";

export interface KnownToken {
  id: bigint;
  label: string;
  /** Undefined for TokenAI. */
  policy?: Policy;
}

export function useKnownTokens(account: Address | undefined) {
  const config = useAppConfig();
  const { holdings, refresh } = useHoldings(account);
  const hints = useMemo(() => new Map(Object.entries(config.ids ?? {}).map(([name, id]) => [BigInt(id), name])), [config.ids]);
  const ids = useMemo(() => [...new Set<bigint>([...(holdings ?? []).map((h) => h.id), ...hints.keys()])], [holdings, hints]);
  const configs = useReadContracts({
    contracts: ids.map((id) => ({ address: config.aat, abi: aatAbi, functionName: "tokenConfig", args: [id] }) as const),
    query: { enabled: ids.length > 0 },
  });
  const tokens = useMemo((): KnownToken[] => {
    const list: KnownToken[] = [{ id: TOKEN_AI_ID, label: "TokenAI (TAI)" }];
    ids.forEach((id, i) => {
      const result = configs.data?.[i];
      if (result?.status !== "success") return;
      const policy = policyFromConfig(result.result as readonly [Hex, Hex, bigint, Address, boolean, boolean]);
      // An id that does not exist reads as an empty policy: not offered.
      if (policy.originPool === zeroAddress) return;
      const hint = hints.get(id);
      const what = `${modelName(policy.model)} · ${scopeName(policy.scope)}`;
      list.push({ id, policy, label: hint ? `${hint} credits (${what})` : `${what} credits (${shortId(id)})` });
    });
    return list;
  }, [ids, configs.data, hints]);
  const ready = holdings !== undefined && (ids.length === 0 || configs.data !== undefined);
  return { tokens, ready, refresh };
}
