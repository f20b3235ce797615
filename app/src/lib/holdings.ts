// What an account holds or has held in AAT, in two round trips however many
// ids it has: first one getLogs per event kind (sent together, so the
// transport's JSON-RPC batching makes them one HTTP request), then every read
// for every id at once (balanceOfBatch, tokenConfig, channelOf, settledAmount),
// again one batch. The devnode has no multicall3: wagmi's readContracts (the
// action behind useReadContracts) falls back to single eth_calls, which
// `http(url, { batch: true })` sends as one JSON-RPC batch.
import { useQuery } from "@tanstack/react-query";
import { useCallback } from "react";
import { type Address, type ContractFunctionParameters, getAddress } from "viem";
import { useConfig, usePublicClient } from "wagmi";
import { readContracts } from "wagmi/actions";
import { useAppConfig } from "../context";
import { aatAbi } from "../generated/abi";
import { type Policy, policyFromConfig } from "./policy";

/** One provider's side of an id: units locked in its channel, and settled to it. */
export interface ProviderPosition {
  provider: Address;
  locked: bigint;
  /** Unix seconds; 0 when there is no channel. */
  expiresAt: bigint;
  /** Who signs the channel's vouchers (zero: the holder). */
  signer: Address;
  settled: bigint;
}

export interface Holding {
  id: bigint;
  policy: Policy;
  balance: bigint;
  providers: ProviderPosition[];
  locked: bigint;
}

type WagmiConfig = ReturnType<typeof useConfig>;
type Read = ContractFunctionParameters<typeof aatAbi, "view", "balanceOfBatch" | "tokenConfig" | "channelOf" | "settledAmount">;

interface Found {
  ids: bigint[];
  /**
   * Providers to ask about, per id: those it opened channels with or settled
   * vouchers to (without either, channelOf and settledAmount are zero).
   */
  providers: Map<bigint, Address[]>;
  /** The chain's clock (latest block), for expiry words and closable channels. */
  now: number;
}

/** Every id `account` received (minted, given, bought or returned), and the providers it dealt with. */
function useFound(account: Address | undefined) {
  const config = useAppConfig();
  const client = usePublicClient();
  return useQuery({
    queryKey: ["holdings-logs", config.aat, account],
    enabled: !!client && !!account,
    queryFn: async (): Promise<Found> => {
      const common = { address: config.aat, fromBlock: "earliest", toBlock: "latest", strict: true } as const;
      const [singles, batches, channels, settlements, block] = await Promise.all([
        client!.getContractEvents({ ...common, abi: aatAbi, eventName: "TransferSingle", args: { to: account } }),
        client!.getContractEvents({ ...common, abi: aatAbi, eventName: "TransferBatch", args: { to: account } }),
        client!.getContractEvents({ ...common, abi: aatAbi, eventName: "ChannelOpened", args: { holder: account } }),
        client!.getContractEvents({ ...common, abi: aatAbi, eventName: "VoucherSettled", args: { holder: account } }),
        client!.getBlock({ blockTag: "latest" }),
      ]);
      // Latest arrival first: what was just bought or received is at the top.
      const ids = new Set<bigint>();
      const arrivals = [...singles, ...batches].sort((a, b) => Number(b.blockNumber - a.blockNumber) || b.logIndex - a.logIndex);
      for (const log of arrivals) {
        if ("id" in log.args) ids.add(log.args.id);
        else for (const id of log.args.ids) ids.add(id);
      }
      const providers = new Map<bigint, Address[]>();
      const add = (id: bigint, provider: Address) => {
        const list = providers.get(id) ?? [];
        if (!list.some((p) => p.toLowerCase() === provider.toLowerCase())) list.push(getAddress(provider));
        providers.set(id, list);
      };
      for (const log of [...channels, ...settlements]) {
        ids.add(log.args.id);
        add(log.args.id, log.args.provider);
      }
      return { ids: [...ids], providers, now: Number(block.timestamp) };
    },
  });
}

/** Every read for every id in one go, assembled into holdings. */
async function readHoldings(wagmi: WagmiConfig, aat: Address, account: Address, found: Found): Promise<Holding[]> {
  const { ids } = found;
  if (ids.length === 0) return [];
  const pairs = ids.flatMap((id) => (found.providers.get(id) ?? []).map((provider) => ({ id, provider })));
  const contract = { address: aat, abi: aatAbi } as const;
  const contracts = [
    { ...contract, functionName: "balanceOfBatch", args: [ids.map(() => account), ids] },
    ...ids.map((id) => ({ ...contract, functionName: "tokenConfig", args: [id] })),
    ...pairs.map(({ id, provider }) => ({ ...contract, functionName: "channelOf", args: [account, provider, id] })),
    ...pairs.map(({ id, provider }) => ({ ...contract, functionName: "settledAmount", args: [account, provider, id] })),
  ] as Read[];
  const results = (await readContracts(wagmi, { contracts, allowFailure: false })) as readonly unknown[];
  const balances = results[0] as readonly bigint[];
  const positions = new Map<bigint, ProviderPosition[]>();
  pairs.forEach(({ id, provider }, i) => {
    const [locked, expiresAt, signer] = results[1 + ids.length + i] as readonly [bigint, bigint, Address];
    const settled = results[1 + ids.length + pairs.length + i] as bigint;
    positions.set(id, [...(positions.get(id) ?? []), { provider, locked, expiresAt, signer, settled }]);
  });
  return ids.map((id, i) => {
    const providers = positions.get(id) ?? [];
    return {
      id,
      policy: policyFromConfig(results[1 + i] as Parameters<typeof policyFromConfig>[0]),
      balance: balances[i],
      providers,
      locked: providers.reduce((sum, p) => sum + p.locked, 0n),
    };
  });
}

/**
 * The account's holdings with their policies, balances, channels and
 * settled amounts; `refresh` reloads after a transaction. While reloading,
 * the previous holdings stay on screen (a form's result stays visible).
 */
export function useHoldings(account: Address | undefined) {
  const config = useAppConfig();
  const wagmi = useConfig();
  const found = useFound(account);
  const reads = useQuery({
    // A new read whenever the logs were read again.
    queryKey: ["holdings-reads", config.aat, account, found.dataUpdatedAt],
    enabled: !!account && !!found.data,
    queryFn: () => readHoldings(wagmi, config.aat, account!, found.data!),
    // The previous holdings of the same account only: another account's must never show.
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[2] === account ? previous : undefined),
  });
  const { refetch } = found;
  const refresh = useCallback(async () => {
    await refetch();
  }, [refetch]);
  return {
    holdings: reads.data,
    now: found.data?.now,
    error: found.error ?? reads.error,
    refresh,
  };
}
