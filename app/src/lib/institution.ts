// What an institution issued, read from the chain: the ids whose origin
// pool it is (TokenTypeCreated), who received them (TransferSingle and
// TransferBatch), what each holder has now (balanceOfBatch), what is locked
// in channels (ChannelOpened, then channelOf for the current amount) and
// what was used (Consumed).
import { type Address, type PublicClient, getAddress, parseAbiItem, zeroAddress } from "viem";
import { aatAbi } from "../generated/abi";
import type { Policy } from "./policy";

/** One holder of an issued id, as the institution sees it. */
export interface HolderRow {
  holder: Address;
  /** Credits in the holder's own balance: what a reclaim can take. */
  balance: bigint;
  /** Credits the holder locked in channels with providers (held by AAT until the channel closes). */
  locked: bigint;
  /** Credits the holder used (settled), fees not counted. */
  used: bigint;
}

export interface IssuedId {
  id: bigint;
  policy: Policy;
  createdAt: bigint;
  totalSupply: bigint;
  /** Credits back with the origin pool itself (returned or reclaimed). */
  withPool: bigint;
  used: bigint;
  fees: bigint;
  holders: HolderRow[];
}

const events = {
  created: parseAbiItem(
    "event TokenTypeCreated(uint256 indexed id, address indexed originPool, bytes16 model, bytes16 scope, uint64 expiration, bool reclaimable, bool tradable)",
  ),
  single: parseAbiItem("event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value)"),
  batch: parseAbiItem("event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values)"),
  opened: parseAbiItem(
    "event ChannelOpened(address indexed holder, address indexed provider, uint256 indexed id, uint256 locked, uint64 expiresAt, address signer)",
  ),
  consumed: parseAbiItem("event Consumed(address indexed holder, uint256 indexed id, address indexed operator, uint256 amount, uint256 fee)"),
};

export const LOAD_STEPS = 3;

/** Reads everything `pool` issued; `onStep(n)` after each of LOAD_STEPS steps. */
export async function loadInstitution(client: PublicClient, aat: Address, pool: Address, onStep: (done: number) => void): Promise<IssuedId[]> {
  const range = { address: aat, fromBlock: "earliest" } as const;
  const created = await client.getLogs({ ...range, event: events.created, args: { originPool: pool } });
  onStep(1);
  if (created.length === 0) return [];
  const ids = created.map((log) => log.args.id!);
  const [singles, batches, opened, consumed] = await Promise.all([
    // The id is not indexed in transfers: every transfer is read and filtered here.
    client.getLogs({ ...range, event: events.single }),
    client.getLogs({ ...range, event: events.batch }),
    client.getLogs({ ...range, event: events.opened, args: { id: ids } }),
    client.getLogs({ ...range, event: events.consumed, args: { id: ids } }),
  ]);
  onStep(2);

  // Everyone who ever received each id, but not AAT itself (its balance is
  // channel escrow, counted per holder below), nor the pool (shown apart).
  const received = new Map<bigint, Set<Address>>(ids.map((id) => [id, new Set<Address>()]));
  const note = (to: Address, id: bigint) => received.get(id)?.add(getAddress(to));
  for (const log of singles) note(log.args.to!, log.args.id!);
  for (const log of batches) log.args.ids!.forEach((id) => note(log.args.to!, id));
  const skip = new Set([zeroAddress, getAddress(aat), getAddress(pool)]);
  const pairs = ids.flatMap((id) => [...received.get(id)!].filter((a) => !skip.has(a)).map((holder) => ({ id, holder })));
  const channels = [...new Map(opened.map((l) => [`${l.args.holder}:${l.args.provider}:${l.args.id}`, l.args])).values()];

  const [balances, supplies, poolBalances, locks] = await Promise.all([
    pairs.length > 0
      ? client.readContract({ address: aat, abi: aatAbi, functionName: "balanceOfBatch", args: [pairs.map((p) => p.holder), pairs.map((p) => p.id)] })
      : Promise.resolve([] as readonly bigint[]),
    Promise.all(ids.map((id) => client.readContract({ address: aat, abi: aatAbi, functionName: "totalSupply", args: [id] }))),
    client.readContract({ address: aat, abi: aatAbi, functionName: "balanceOfBatch", args: [ids.map(() => pool), ids] }),
    // ChannelOpened gives the amount when opened; settlements draw it down, so read what is left now.
    Promise.all(
      channels.map((c) => client.readContract({ address: aat, abi: aatAbi, functionName: "channelOf", args: [c.holder!, c.provider!, c.id!] })),
    ),
  ]);
  onStep(3);

  return created
    .map((log, index) => {
      const id = ids[index];
      const holders = pairs
        .map((pair, i) => ({ pair, balance: balances[i] }))
        .filter(({ pair }) => pair.id === id)
        .map(({ pair, balance }) => ({
          holder: pair.holder,
          balance,
          locked: channels.reduce((sum, c, i) => (c.id === id && getAddress(c.holder!) === pair.holder ? sum + locks[i][0] : sum), 0n),
          used: consumed.reduce((sum, l) => (l.args.id === id && getAddress(l.args.holder!) === pair.holder ? sum + l.args.amount! : sum), 0n),
        }));
      const forId = consumed.filter((l) => l.args.id === id);
      const { model, scope, expiration, reclaimable, tradable } = log.args;
      return {
        id,
        policy: { model: model!, scope: scope!, expiration: expiration!, originPool: pool, reclaimable: reclaimable!, tradable: tradable! },
        createdAt: log.blockNumber,
        totalSupply: supplies[index],
        withPool: poolBalances[index],
        used: forId.reduce((sum, l) => sum + l.args.amount!, 0n),
        fees: forId.reduce((sum, l) => sum + l.args.fee!, 0n),
        holders,
      };
    })
    .reverse();
}
