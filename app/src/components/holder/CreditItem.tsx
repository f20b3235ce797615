// One AAT id a holder has: its policy in words, balance, what is locked in
// channels and settled per provider, and what the holder can do with it.
import { useState } from "react";
import { type Address, zeroAddress } from "viem";
import { useAppConfig } from "../../context";
import { aatAbi } from "../../generated/abi";
import { timeWords } from "../../lib/channelDates";
import type { Holding, ProviderPosition } from "../../lib/holdings";
import { modelName, scopeName } from "../../lib/policy";
import { idHex } from "../../lib/tokenId";
import { useTx } from "../../lib/tx";
import { formatCredits, shortAddress, shortId } from "../../lib/units";
import { TxStatus } from "../TxStatus";
import { ChannelForm } from "./ChannelForm";
import { GiftForm } from "./GiftForm";

type Action = "gift" | "lock" | undefined;

// The four figures side by side (styles.css has no rule for a figure row).
const figuresStyle = { display: "flex", flexWrap: "wrap", gap: "0.25rem 2.5rem", margin: "0.5rem 0" } as const;
const termStyle = { fontSize: "0.9rem", color: "var(--muted)" } as const;
const valueStyle = { margin: 0, fontWeight: 600 } as const;
const captionStyle = { textAlign: "left", fontSize: "0.9rem", color: "var(--muted)" } as const;

interface ItemProps {
  holding: Holding;
  words: string;
  account: Address;
  now: number;
  nameOf: (address: Address) => string | undefined;
  onChanged: () => void;
}

export function CreditItem({ holding, words, account, now, nameOf, onChanged }: ItemProps) {
  const config = useAppConfig();
  const [action, setAction] = useState<Action>();
  // Closing is the article's, not the row's: a closed channel's row goes, its result stays.
  const closing = useTx();
  const close = async (provider: Address) => {
    const state = await closing.send({
      address: config.aat,
      abi: aatAbi,
      functionName: "closeChannel",
      args: [account, provider, holding.id],
    });
    if (state.step === "mined") onChanged();
  };
  const { policy } = holding;
  const expired = policy.expiration !== 0n && policy.expiration <= BigInt(now);
  const shown = holding.providers.filter((p) => p.locked > 0n || p.settled > 0n || p.expiresAt > 0n);
  const settled = holding.providers.reduce((sum, p) => sum + p.settled, 0n);
  const hex = idHex(holding.id);
  // The heading names model and scope; the paragraph says the rest of the
  // policy's words, which start with the heading (a scope may hold " · " too).
  const heading = `${modelName(policy.model)} · ${scopeName(policy.scope)}`;
  const rest = words.startsWith(`${heading} · `) ? words.slice(heading.length + 3) : words;
  const toggle = (next: Action) => setAction((current) => (current === next ? undefined : next));

  return (
    <article className="card credit" aria-label={words}>
      <h3>{heading}</h3>
      <p>{rest}</p>
      <dl style={figuresStyle}>
        <div>
          <dt style={termStyle}>Balance</dt>
          <dd style={valueStyle}>{formatCredits(holding.balance)}</dd>
        </div>
        <div>
          <dt style={termStyle}>Locked in channels</dt>
          <dd style={valueStyle}>{formatCredits(holding.locked)}</dd>
        </div>
        <div>
          <dt style={termStyle}>Settled to providers</dt>
          <dd style={valueStyle}>{formatCredits(settled)}</dd>
        </div>
        <div>
          <dt style={termStyle}>Token id</dt>
          <dd style={valueStyle}>
            <code title={hex}>{shortId(holding.id)}</code>
          </dd>
        </div>
      </dl>
      {shown.length > 0 && (
        <table>
          <caption style={captionStyle}>By provider</caption>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Locked</th>
              <th scope="col">Channel</th>
              <th scope="col">Settled</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((position) => (
              <ProviderRow
                key={position.provider}
                position={position}
                now={now}
                name={nameOf(position.provider)}
                closing={closing.busy}
                onClose={() => close(position.provider)}
              />
            ))}
          </tbody>
        </table>
      )}
      <TxStatus state={closing.state} done="Channel closed (what was left is back in your balance)" />
      {holding.balance > 0n && !expired && (
        <div className="spaced">
          <button type="button" className="secondary" aria-expanded={action === "gift"} onClick={() => toggle("gift")}>
            Gift
          </button>{" "}
          <button type="button" className="secondary" aria-expanded={action === "lock"} onClick={() => toggle("lock")}>
            Lock in a channel
          </button>
        </div>
      )}
      {action === "gift" && <GiftForm holding={holding} account={account} onDone={onChanged} />}
      {action === "lock" && <ChannelForm holding={holding} account={account} now={now} onDone={onChanged} />}
    </article>
  );
}

interface RowProps {
  position: ProviderPosition;
  now: number;
  name?: string;
  closing: boolean;
  onClose: () => void;
}

/** A provider's line: its channel (closable by anyone once it has ended) and what was settled to it. */
function ProviderRow({ position, now, name, closing, onClose }: RowProps) {
  const { provider, locked, expiresAt, signer, settled } = position;
  const ended = expiresAt > 0n && expiresAt <= BigInt(now);
  return (
    <tr>
      <td>
        <span title={provider}>{name ? `${name} (${shortAddress(provider)})` : shortAddress(provider)}</span>
      </td>
      <td>{formatCredits(locked)}</td>
      <td>
        {expiresAt === 0n ? (
          "no channel"
        ) : ended ? (
          <>
            ended {timeWords(expiresAt)}{" "}
            <button type="button" className="secondary" onClick={onClose} disabled={closing}>
              Close channel
            </button>
          </>
        ) : (
          <>
            open until {timeWords(expiresAt)}
            {signer !== zeroAddress && (
              <>
                ; vouchers signed by session key <span title={signer}>{shortAddress(signer)}</span>
              </>
            )}
          </>
        )}
      </td>
      <td>{formatCredits(settled)}</td>
    </tr>
  );
}
