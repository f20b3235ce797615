// The tokens a trader can pick: TokenAI, the AAT ids they hold or held, and
// the ids the hosting config.json names as hints (the demo's CS101, GIFT,
// LLAMA; an institution's config may name none). Each with a label in words.
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import type { Address, Hex } from "viem";
import { useReadContracts } from "wagmi";
import { useAppConfig } from "../context";
import { aatAbi } from "../generated/abi";
import { useHoldings } from "./holdings";
import { TOKEN_AI_ID } from "./market";
import { type Policy, modelName, policyFromConfig, scopeName } from "./policy";

export interface KnownToken {
  id: bigint;
  label: string;
  /** Undefined for TokenAI. */
  policy?: Policy;
}

async function loadHints(): Promise<Map<bigint, string>> {
  const hints = new Map<bigint, string>();
  const response = await fetch("./config.json");
  if (!response.ok) return hints;
  const { ids } = (await response.json()) as { ids?: Record<string, unknown> };
  for (const [name, id] of Object.entries(ids ?? {})) if (typeof id === "string" && /^0x[0-9a-f]+$/i.test(id)) hints.set(BigInt(id), name);
  return hints;
}

export function useKnownTokens(account: Address | undefined) {
  const config = useAppConfig();
  const { holdings, refresh } = useHoldings(account);
  const hints = useQuery({ queryKey: ["config-id-hints"], queryFn: loadHints, staleTime: Infinity, retry: false });
  const ids = useMemo(() => {
    const all = new Set<bigint>([...(holdings ?? []).map((h) => h.id), ...(hints.data?.keys() ?? [])]);
    return [...all];
  }, [holdings, hints.data]);
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
      if (policy.originPool === "0x0000000000000000000000000000000000000000") return;
      const hint = hints.data?.get(id);
      const what = `${modelName(policy.model)} · ${scopeName(policy.scope)}`;
      list.push({ id, policy, label: hint ? `${hint} credits (${what})` : `${what} credits (${id.toString(16).slice(0, 8)}…)` });
    });
    return list;
  }, [ids, configs.data, hints.data]);
  const ready = holdings !== undefined && !hints.isPending && (ids.length === 0 || configs.data !== undefined);
  return { tokens, ready, refresh };
}
