// The models credits can be issued for: those the provider's gateway serves
// (GET /v1/models) and those priced on chain (ModelPriceSet logs), merged by
// the model's name on chain, the bytes16 of a policy: the gateway's
// `aat.model`, which the name requests use (`id`) may differ from (an alias).
// A model priced on chain can also be bought with TokenAI; one only on the
// gateway can be issued by a minter.
import { useQuery } from "@tanstack/react-query";
import { parseAbiItem } from "viem";
import { usePublicClient } from "wagmi";
import { useAppConfig } from "../context";
import { byteLength, fromBytes16 } from "./bytes16";
import { explain } from "./errors";
import { type GatewayModel, fetchModels } from "./gatewayModels";
import type { RequestPricing } from "./purchase";

export interface PricedModel {
  /** The model as credits name it on chain (a policy's bytes16, as text). */
  name: string;
  /** TokenAI base units per credit; undefined: no price on chain. */
  price?: bigint;
  /** What requests to the gateway call it: only a label; empty when the gateway does not serve it. */
  requestNames: string[];
  /** The gateway's price per token, when it serves it. */
  pricing?: RequestPricing;
  /** Served by the configured gateway. */
  onGateway: boolean;
}

/** The gateway's and the chain's models merged by name on chain, sorted. */
export function mergeModels(gatewayModels: GatewayModel[], prices: Map<string, bigint>): PricedModel[] {
  // A name on chain is a bytes16: one that does not fit cannot be issued.
  const served = gatewayModels.filter((m) => byteLength(m.aatModel) <= 16);
  const names = new Set([...served.map((m) => m.aatModel), ...[...prices].filter(([, p]) => p > 0n).map(([name]) => name)]);
  return [...names].sort().map((name) => {
    const entries = served.filter((m) => m.aatModel === name);
    // Aliases of one model on chain draw on the same credits; the first one's prices stand for them.
    const first = entries[0];
    return {
      name,
      price: prices.get(name) || undefined,
      requestNames: entries.map((m) => m.id),
      pricing: first && { pricePerPromptToken: first.promptPrice, pricePerCompletionToken: first.completionPrice },
      onGateway: entries.length > 0,
    };
  });
}

const modelPriceSet = parseAbiItem("event ModelPriceSet(bytes16 indexed model, uint256 tokenAIPerUnit)");

export function usePricedModels() {
  const { gateway, aat } = useAppConfig();
  const client = usePublicClient();
  return useQuery({
    queryKey: ["priced-models", gateway, aat],
    enabled: !!client,
    queryFn: async () => {
      const [served, logs] = await Promise.all([
        // The gateway may be down: the chain's list still stands.
        fetchModels(gateway).then(
          (models) => ({ models, error: undefined }),
          (error: unknown) => ({ models: [] as GatewayModel[], error: explain(error) }),
        ),
        client!.getLogs({ address: aat, event: modelPriceSet, fromBlock: "earliest" }),
      ]);
      // Logs come in chain order: the last one for a model is its price now.
      const prices = new Map<string, bigint>();
      for (const log of logs) prices.set(fromBytes16(log.args.model!), log.args.tokenAIPerUnit!);
      return { models: mergeModels(served.models, prices), gatewayError: served.error };
    },
  });
}
