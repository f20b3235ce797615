// "My credits": every AAT the connected account holds or has held, each
// policy in words, with its balance, channels and settlements, and the
// holder's actions (gift, lock in a channel, close an ended channel).
import { useConnection } from "wagmi";
import { useChainNow } from "../lib/chainClock";
import { CreditItem } from "../components/holder/CreditItem";
import { explain } from "../lib/errors";
import { useHoldings } from "../lib/holdings";
import { useAddressNames } from "../lib/names";
import { describePolicy } from "../lib/policy";
import type { Holding } from "../lib/holdings";

/** Credits held now come first, then those used up or given away. */
const live = (h: Holding) => h.balance > 0n || h.locked > 0n;

export default function Credits() {
  const { address } = useConnection();
  const { holdings, now: loadedAt, error, refresh } = useHoldings(address);
  // The chain's clock moves on while the page is open: expiry words and closable channels follow it.
  const chainNow = useChainNow();
  const now = loadedAt === undefined ? undefined : Math.max(loadedAt, chainNow ?? 0);
  const { nameOf } = useAddressNames();

  if (error)
    return (
      <p role="alert" className="tx failed">
        Your credits could not be read from the chain: {explain(error)}
      </p>
    );
  if (!holdings || now === undefined || !address)
    return (
      <p role="status" className="notice">
        Loading your credits…
      </p>
    );
  if (holdings.length === 0)
    return (
      <section className="card" aria-labelledby="none-title">
        <h2 id="none-title">No credits yet</h2>
        <p>
          This account has never held AI access credits. An institution can issue them to you, someone can give you
          some, or you can <a href="#/buy">buy credits with TokenAI</a>.
        </p>
      </section>
    );

  const issuerWords = (pool: `0x${string}`) =>
    pool.toLowerCase() === address.toLowerCase() ? "you" : nameOf(pool);
  const held = holdings.filter(live);
  const past = holdings.filter((h) => !live(h));
  const list = (items: Holding[]) =>
    items.map((holding) => (
      <CreditItem
        key={holding.id.toString()}
        holding={holding}
        words={describePolicy(holding.policy, now, issuerWords(holding.policy.originPool))}
        account={address}
        now={now}
        nameOf={nameOf}
        onChanged={refresh}
      />
    ));

  // One keyed list, headings included: an id that moves from "hold" to "held before" (all of it
  // given away) keeps its state, so the result of what was just done stays on screen.
  return (
    <div>
      {[
        <h2 key="held-title">Credits you hold ({held.length})</h2>,
        ...(held.length === 0 ? [<p key="held-none" className="notice">None right now.</p>] : list(held)),
        ...(past.length === 0
          ? []
          : [
              <h2 key="past-title">Credits you held before ({past.length})</h2>,
              <p key="past-hint" className="hint">
                Used, given away, reclaimed by their issuer, or returned.
              </p>,
              ...list(past),
            ]),
      ]}
    </div>
  );
}
