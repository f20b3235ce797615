// Locking credits in a channel with a provider: the provider is then sure
// to be paid from them until the channel ends, and may serve on vouchers
// alone. An agent can be given a session key that signs those vouchers.
import { type FormEvent, useState } from "react";
import { flushSync } from "react-dom";
import { type Address, getAddress, zeroAddress } from "viem";
import { useAppConfig } from "../../context";
import { aatAbi } from "../../generated/abi";
import { utcDate } from "../../lib/chainClock";
import { channelEnd, lastUseDay, timeWords } from "../../lib/channelDates";
import { addressProblem, creditsProblem, focusFirstInvalid } from "../../lib/fields";
import type { Holding } from "../../lib/holdings";
import { useTx } from "../../lib/tx";
import { formatCredits, parseCredits } from "../../lib/units";
import { TxStatus } from "../TxStatus";
import { Field } from "./Field";

const DAY = 86_400;

export function ChannelForm({
  holding,
  account,
  now,
  onDone,
}: {
  holding: Holding;
  account: Address;
  now: number;
  onDone: () => void;
}) {
  const config = useAppConfig();
  const tx = useTx();
  const expiration = holding.policy.expiration;
  const lastDay = lastUseDay(expiration);
  const [provider, setProvider] = useState<string>(config.provider ?? "");
  const [amount, setAmount] = useState("");
  const [date, setDate] = useState(() => {
    const month = utcDate(now + 30 * DAY);
    return lastDay && lastDay < month ? lastDay : month;
  });
  const [signer, setSigner] = useState("");
  const [checked, setChecked] = useState(false);

  const existing = holding.providers.find(
    (p) => p.provider.toLowerCase() === provider.trim().toLowerCase() && p.expiresAt > BigInt(now),
  );
  const expiresAt = channelEnd(date, expiration);
  const errors = {
    provider: addressProblem(provider, { self: account, selfWords: "a channel must be with someone other than yourself" }),
    amount: creditsProblem(amount, holding.balance),
    date:
      expiresAt === undefined
        ? "choose a day"
        : lastDay && date > lastDay
          ? `must be on or before ${lastDay}, when these credits expire`
          : expiresAt <= BigInt(now)
            ? "must be after the chain's current time"
            : existing && expiresAt < existing.expiresAt
              ? `the open channel ends at ${timeWords(existing.expiresAt)}: a top-up may move its end later, never earlier`
              : undefined,
    signer:
      signer.trim() === ""
        ? existing && existing.signer !== zeroAddress
          ? `the open channel's vouchers are signed by ${existing.signer}: a top-up must name the same key`
          : undefined
        : addressProblem(signer) ??
          (existing && existing.signer.toLowerCase() !== signer.trim().toLowerCase()
            ? existing.signer === zeroAddress
              ? "the open channel's vouchers are signed by you: leave this empty to top it up"
              : `the open channel's vouchers are signed by ${existing.signer}: a top-up must name the same key`
            : undefined),
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (tx.busy) return;
    const form = event.currentTarget;
    // Rendered now, so the first field to fix can take the focus.
    flushSync(() => setChecked(true));
    if (Object.values(errors).some(Boolean) || expiresAt === undefined) return focusFirstInvalid(form);
    const state = await tx.send({
      address: config.aat,
      abi: aatAbi,
      functionName: "openChannel",
      args: [
        getAddress(provider.trim()),
        holding.id,
        parseCredits(amount),
        expiresAt,
        signer.trim() === "" ? zeroAddress : getAddress(signer.trim()),
      ],
    });
    if (state.step === "mined") onDone();
  }

  const show = (error: string | undefined) => (checked ? error : undefined);
  return (
    <form onSubmit={submit} noValidate aria-label="Lock credits in a channel">
      <p className="hint">
        Locked credits stay yours, but only this provider can draw on them until the channel ends; what is left then
        comes back to you.
      </p>
      <Field
        label="Provider"
        value={provider}
        onChange={(e) => setProvider(e.target.value)}
        placeholder="0x…"
        autoComplete="off"
        spellCheck={false}
        hint={config.provider ? "The app's AI provider, unless you name another." : undefined}
        error={show(errors.provider)}
      />
      <Field
        label="Amount to lock (credits)"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        inputMode="numeric"
        hint={`You hold ${formatCredits(holding.balance)} not yet locked.`}
        error={show(errors.amount)}
      />
      <Field
        label="Channel ends on"
        type="date"
        value={date}
        min={utcDate(now)}
        max={lastDay}
        onChange={(e) => setDate(e.target.value)}
        hint={
          expiresAt !== undefined
            ? `The channel ends at ${timeWords(expiresAt)} (chain time)${lastDay ? `, no later than the credits' expiry` : ""}.`
            : "The end of the chosen day, UTC."
        }
        error={show(errors.date)}
      />
      <Field
        label="Session key for an agent (optional)"
        value={signer}
        onChange={(e) => setSigner(e.target.value)}
        placeholder="0x…"
        autoComplete="off"
        spellCheck={false}
        hint="An agent's address that may sign this channel's payment vouchers for you, spending at most what you lock here; leave empty to sign them yourself."
        error={show(errors.signer)}
      />
      <p>
        <button type="submit" aria-disabled={tx.busy || undefined}>
          Lock in a channel
        </button>
      </p>
      <TxStatus state={tx.state} done="Locked" />
    </form>
  );
}
