// One id an institution issued: its policy in words, its totals, and (on
// request, or while reclaiming) its holders with their balances, channel
// locks, use and reclaim state; "Reclaim all unused" for reclaimable ids.
import { useState } from "react";
import type { Address } from "viem";
import type { IssuedId } from "../lib/institution";
import type { TxState } from "../lib/tx";
import { describePolicy, modelName, scopeName } from "../lib/policy";
import { idHex } from "../lib/tokenId";
import { formatCredits } from "../lib/units";
import { BatchProgress, RowStatus } from "./BatchProgress";

export const holdingKey = (id: bigint, holder: Address) => `${idHex(id)}:${holder}`;

interface Props {
  issue: IssuedId;
  now: number | undefined;
  /** The reclaim run of this id, if it is the one being (or last) reclaimed. */
  run?: { keys: string[] };
  states: Record<string, TxState>;
  busy: boolean;
  onReclaim: (issue: IssuedId) => void;
}

export function IssuedCard({ issue, now, run, states, busy, onReclaim }: Props) {
  const [open, setOpen] = useState(false);
  const hex = idHex(issue.id);
  const reclaimable = issue.holders.filter((h) => h.balance > 0n);
  const unused = reclaimable.reduce((sum, h) => sum + h.balance, 0n);
  const locked = issue.holders.reduce((sum, h) => sum + h.locked, 0n);
  const done = run ? run.keys.filter((k) => states[k]?.step === "mined").length : 0;
  const failed = run ? run.keys.filter((k) => states[k]?.step === "failed").length : 0;
  const { reclaimable: canReclaim } = issue.policy;
  return (
    <article className="card" aria-labelledby={`title-${hex}`} data-id={hex}>
      <h2 id={`title-${hex}`}>
        {modelName(issue.policy.model)} · {scopeName(issue.policy.scope)}
      </h2>
      <p>{now !== undefined && describePolicy(issue.policy, now, "you")}</p>
      <p>
        Token id <code className="wrap">{hex}</code>
      </p>
      <p>
        {formatCredits(issue.totalSupply)} in circulation · {formatCredits(unused)} unused with {reclaimable.length}{" "}
        {reclaimable.length === 1 ? "holder" : "holders"} · {formatCredits(locked)} locked in channels · {formatCredits(issue.used)} used
        (settled{issue.fees > 0n && `, plus ${formatCredits(issue.fees)} of fees`}) · {formatCredits(issue.withPool)} back with you
      </p>
      {issue.holders.length === 0 ? (
        <p className="notice">Nobody else has held these credits.</p>
      ) : (
        <button type="button" className="secondary" aria-expanded={open} aria-controls={`holders-${hex}`} onClick={() => setOpen(!open)}>
          {open ? "Hide holders" : `Show holders (${issue.holders.length})`}
        </button>
      )}
      {open && issue.holders.length > 0 && (
        <table id={`holders-${hex}`}>
          <caption className="notice">Holders of this id and their credits now</caption>
          <thead>
            <tr>
              <th scope="col">Holder</th>
              <th scope="col">Balance</th>
              <th scope="col">Locked in channels</th>
              <th scope="col">Used</th>
              {canReclaim && <th scope="col">Reclaim</th>}
            </tr>
          </thead>
          <tbody>
            {issue.holders.map((h) => {
              const key = holdingKey(issue.id, h.holder);
              return (
                <tr key={h.holder} data-holder={h.holder}>
                  <td>
                    <code>{h.holder}</code>
                  </td>
                  <td>{formatCredits(h.balance)}</td>
                  <td>{formatCredits(h.locked)}</td>
                  <td>{formatCredits(h.used)}</td>
                  {canReclaim && (
                    <td>
                      {run?.keys.includes(key) ? (
                        <RowStatus state={states[key]} done="reclaimed" />
                      ) : (
                        <span className="notice">{h.balance > 0n ? "can be reclaimed" : "nothing to reclaim"}</span>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {!canReclaim && <p className="notice">Not reclaimable: holders keep what they have not used.</p>}
      {canReclaim && locked > 0n && (
        <p className="notice">
          {formatCredits(locked)} locked in channels cannot be reclaimed until each channel closes: the provider may close it at any
          time, anyone once it ends, and the credits go back to their holder, from whom you can then reclaim them.
        </p>
      )}
      {canReclaim && (
        <p>
          <button type="button" disabled={busy || reclaimable.length === 0} onClick={() => {
              // Each holder's state shows in the table: open it.
              setOpen(true);
              onReclaim(issue);
            }}>
            Reclaim all unused
            {reclaimable.length > 0 && ` (${formatCredits(unused)} from ${reclaimable.length})`}
          </button>
        </p>
      )}
      {run && <BatchProgress label="Reclaiming" done={done} total={run.keys.length} verb="holders reclaimed" />}
      {run && !busy && failed > 0 && (
        <p role="alert" className="tx failed">
          {failed} of {run.keys.length} reclaims failed: each holder's reason is in the table. Press the button again to retry.
        </p>
      )}
    </article>
  );
}
