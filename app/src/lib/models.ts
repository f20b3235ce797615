// The models credits can be issued for: those the provider's gateway serves
// (GET /v1/models) and those priced on chain (ModelPriceSet logs), merged.
// A model priced on chain can also be bought with TokenAI; one only on the
// gateway can be issued by a minter.
import { useQuery } from "@tanstack/react-query";
import { parseAbiItem } from "viem";
import { usePublicClient } from "wagmi";
import { useAppConfig } from "../context";
import { byteLength, fromBytes16 } from "./bytes16";

export interface PricedModel {
  name: string;
  /** TokenAI base units per credit; undefined: no price on chain. */
  price?: bigint;
  /** Served by the configured gateway. */
  onGateway: boolean;
}

const modelPriceSet = parseAbiItem("event ModelPriceSet(bytes16 indexed model, uint256 tokenAIPerUnit)");

async function gatewayModels(gateway: string): Promise<string[]> {
  const response = await fetch(`${gateway}/v1/models`);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { data?: { id?: unknown }[] };
  return (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === "string" && byteLength(id) <= 16);
}

export function usePricedModels() {
  const { gateway, aat } = useAppConfig();
  const client = usePublicClient();
  return useQuery({
    queryKey: ["priced-models", gateway, aat],
    enabled: !!client,
    queryFn: async () => {
      const [served, logs] = await Promise.all([
        // The gateway may be down: the chain's list still stands.
        gatewayModels(gateway).then(
          (names) => ({ names, error: undefined }),
          (error: unknown) => ({ names: [] as string[], error: String(error) }),
        ),
        client!.getLogs({ address: aat, event: modelPriceSet, fromBlock: "earliest" }),
      ]);
      // Logs come in chain order: the last one for a model is its price now.
      const prices = new Map<string, bigint>();
      for (const log of logs) prices.set(fromBytes16(log.args.model!), log.args.tokenAIPerUnit!);
      const names = new Set([...served.names, ...[...prices].filter(([, p]) => p > 0n).map(([name]) => name)]);
      const models: PricedModel[] = [...names].sort().map((name) => ({
        name,
        price: prices.get(name) || undefined,
        onGateway: served.names.includes(name),
      }));
      return { models, gatewayError: served.error };
    },
  });
}
