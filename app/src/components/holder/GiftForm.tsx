// Giving credits to someone: a recipient and an amount, checked here first;
// then the transfer is simulated, so a policy that forbids it (non-tradable
// credits) is refused in words before the wallet asks anything.
import { type FormEvent, useState } from "react";
import { flushSync } from "react-dom";
import { type Address, getAddress } from "viem";
import { useAppConfig } from "../../context";
import { aatAbi } from "../../generated/abi";
import { addressProblem, creditsProblem, focusFirstInvalid } from "../../lib/fields";
import type { Holding } from "../../lib/holdings";
import { useTx } from "../../lib/tx";
import { formatCredits, parseCredits } from "../../lib/units";
import { TxStatus } from "../TxStatus";
import { Field } from "./Field";

export function GiftForm({ holding, account, onDone }: { holding: Holding; account: Address; onDone: () => void }) {
  const config = useAppConfig();
  const tx = useTx();
  const [to, setTo] = useState("");
  const [amount, setAmount] = useState("");
  const [checked, setChecked] = useState(false);
  const errors = {
    to: addressProblem(to, { self: account, selfWords: "that is your own address: give to someone else" }),
    amount: creditsProblem(amount, holding.balance),
  };

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (tx.busy) return;
    const form = event.currentTarget;
    // Rendered now, so the first field to fix can take the focus.
    flushSync(() => setChecked(true));
    if (errors.to || errors.amount) return focusFirstInvalid(form);
    const state = await tx.send({
      address: config.aat,
      abi: aatAbi,
      functionName: "safeTransferFrom",
      args: [account, getAddress(to.trim()), holding.id, parseCredits(amount), "0x"],
    });
    if (state.step === "mined") onDone();
  }

  return (
    <form onSubmit={submit} noValidate aria-label="Give credits">
      <Field
        label="Recipient"
        value={to}
        onChange={(e) => setTo(e.target.value)}
        placeholder="0x…"
        autoComplete="off"
        spellCheck={false}
        error={checked ? errors.to : undefined}
      />
      <Field
        label="Amount (credits)"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        inputMode="numeric"
        hint={`You hold ${formatCredits(holding.balance)}.`}
        error={checked ? errors.amount : undefined}
      />
      <p>
        <button type="submit" aria-disabled={tx.busy || undefined}>
          Give
        </button>
      </p>
      <TxStatus state={tx.state} done="Given" />
    </form>
  );
}
