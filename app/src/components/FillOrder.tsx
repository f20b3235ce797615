// Filling all or part of an order: what you pay and receive, the fee
// included, shown before anything is signed; your balance checked; the
// exchange's approval of what you pay obtained first; then
// AATExchange.fill, each transaction shown pending, mined or failed.
import { useId, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { useConnection, usePublicClient } from "wagmi";
import { useAppConfig } from "../context";
import { exchangeAbi } from "../generated/abi";
import { explain } from "../lib/errors";
import { approvalCall, balanceOf } from "../lib/exchange";
import { type Fees, type HeldOrder, TOKEN_AI_ID, amountWords, fillTerms, parseAmount, wantPaid } from "../lib/market";
import { type ContractCall, useTx } from "../lib/tx";
import { TxStatus } from "./TxStatus";

export function FillOrder({
  id,
  held,
  label,
  fees,
  onFilled,
}: {
  /** The form's id, for the button that opens it (aria-controls). */
  id?: string;
  held: HeldOrder;
  label: (id: bigint) => string;
  fees: Fees;
  onFilled: () => void;
}) {
  const config = useAppConfig();
  const client = usePublicClient();
  const { address } = useConnection();
  const approval = useTx();
  const fillTx = useTx();
  const formId = useId();
  const input = useRef<HTMLInputElement>(null);
  const { order } = held;
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<string>();
  const [failure, setFailure] = useState<string>();
  const [done, setDone] = useState<string>();
  // Set before the first await: a second click while the reads run sends nothing.
  const [submitting, setSubmitting] = useState(false);
  let fill: bigint | undefined;
  try {
    fill = parseAmount(order.giveId, text);
  } catch {
    fill = undefined;
  }
  const terms = fill !== undefined && fill <= held.fillable ? fillTerms(held, fill, fees) : undefined;

  /** A problem with the amount typed: shown on the field, which takes the focus. */
  const refuse = (words: string) => {
    flushSync(() => setProblem(words));
    input.current?.focus();
  };

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (submitting || !client || !address) return;
    setSubmitting(true);
    approval.reset();
    fillTx.reset();
    setDone(undefined);
    setFailure(undefined);
    try {
      let amount: bigint;
      try {
        amount = parseAmount(order.giveId, text);
      } catch (e) {
        return refuse(`Amount: ${(e as Error).message}.`);
      }
      if (amount > held.fillable) return refuse(`At most ${amountWords(order.giveId, held.fillable)} of this order can be filled now.`);
      const pay = wantPaid(order, amount);
      const balance = await balanceOf(client, config, address, order.wantId);
      if (balance < pay)
        return refuse(`This costs ${amountWords(order.wantId, pay, "up")} and you hold ${amountWords(order.wantId, balance)}.`);
      setProblem(undefined);
      const call = await approvalCall(client, config, address, order.wantId, pay);
      if (call && (await approval.send(call)).step !== "mined") return;
      const fill = {
        address: config.exchange,
        abi: exchangeAbi,
        functionName: "fill",
        args: [order, held.signature, amount],
      } as ContractCall;
      if ((await fillTx.send(fill)).step === "mined") {
        const got = fillTerms(held, amount, fees);
        setDone(`You paid ${amountWords(order.wantId, got.pay, "up")} and received ${amountWords(order.giveId, got.receive)}.`);
        setText("");
        onFilled();
      }
    } catch (error) {
      // A read of the balance or the allowance failed (the transactions report their own failures).
      setFailure(explain(error));
    } finally {
      setSubmitting(false);
    }
  }

  const errorId = `${formId}-error`;
  return (
    <form id={id} onSubmit={submit} noValidate className="card" aria-label="Fill the order">
      <h3>Fill this order</h3>
      <label htmlFor={`${formId}-amount`}>
        {label(order.giveId)} to take ({order.giveId === TOKEN_AI_ID ? "TAI" : "credits"})
      </label>
      <input
        ref={input}
        id={`${formId}-amount`}
        // Opened by "Fill…": the focus moves here, where the next thing to do is.
        autoFocus
        inputMode="decimal"
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-invalid={!!problem}
        aria-describedby={problem ? errorId : `${formId}-hint`}
      />
      {problem ? (
        <span className="field-error" id={errorId}>
          {problem}
        </span>
      ) : (
        <span className="hint" id={`${formId}-hint`}>
          Up to {amountWords(order.giveId, held.fillable)}.
        </span>
      )}
      {terms && (
        <p data-testid="fill-terms">
          You pay {amountWords(order.wantId, terms.pay, "up")} and receive {amountWords(order.giveId, terms.receive)}. The maker
          receives {amountWords(order.wantId, terms.makerGets)}
          {terms.fee > 0n && `; the fee is ${amountWords(terms.feeId, terms.fee, "up")}`}.
        </p>
      )}
      <TxStatus state={approval.state} done="The exchange may now take your payment" />
      <TxStatus state={fillTx.state} done="Filled" />
      {failure && (
        <p role="alert" className="tx failed">
          {failure}
        </p>
      )}
      {done && <p data-testid="fill-done">{done}</p>}
      <p>
        <button type="submit" aria-disabled={submitting || undefined}>
          Fill
        </button>
      </p>
    </form>
  );
}
