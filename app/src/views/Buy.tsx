// "Buy": credits paid with TokenAI, for oneself or for someone else (a
// donor types a student's address). The price, the total and the cost of a
// typical request show before anything is signed; then AAT is allowed to
// take the price (permit, else approve) and the credits are minted.
import { type FormEvent, useState } from "react";
import { flushSync } from "react-dom";
import { getAddress } from "viem";
import { useConfig, useConnection, useReadContract } from "wagmi";
import { Field } from "../components/holder/Field";
import { BuyQuote } from "../components/holder/BuyQuote";
import { AllowanceProgress } from "../components/TokenAIPath";
import { TxStatus } from "../components/TxStatus";
import { useAppConfig } from "../context";
import { aatAbi, tokenAIAbi } from "../generated/abi";
import { useChainNow, utcDate, utcWords } from "../lib/chainClock";
import { explain } from "../lib/errors";
import { addressProblem, creditsProblem, focusFirstInvalid } from "../lib/fields";
import { usePricedModels } from "../lib/models";
import { describePolicy, modelName } from "../lib/policy";
import { checkPolicy } from "../lib/policyForm";
import { type AllowanceStep, type Bought, buyCredits } from "../lib/purchase";
import { computeTokenId, idHex } from "../lib/tokenId";
import type { TxState } from "../lib/tx";
import { formatCredits, formatTokenAI, parseCredits, shortAddress, shortId } from "../lib/units";

// styles.css sizes every input to the column; a radio sits beside its words.
const inline = { width: "auto" } as const;

/** A sentence of policyForm's as the rest of a field's error ("Scope (optional): the scope is…"). */
const asFragment = (sentence: string | undefined) => sentence && sentence[0].toLowerCase() + sentence.slice(1).replace(/\.$/, "");

export default function Buy() {
  const app = useAppConfig();
  const wagmi = useConfig();
  const { address: buyer } = useConnection();
  const now = useChainNow();
  const models = usePricedModels();

  const [to, setTo] = useState("");
  const [chosenModel, setModel] = useState("");
  const [scope, setScope] = useState("");
  const [expires, setExpires] = useState(false);
  const [date, setDate] = useState("");
  const [reclaimable, setReclaimable] = useState(false);
  const [tradable, setTradable] = useState(true);
  const [amount, setAmount] = useState("");
  const [checked, setChecked] = useState(false);
  const [allowanceStep, setAllowanceStep] = useState<AllowanceStep>();
  const [mint, setMint] = useState<TxState>({ step: "idle" });
  const [bought, setBought] = useState<Bought>();
  const [running, setRunning] = useState(false);

  const priced = (models.data?.models ?? []).filter((m) => m.price !== undefined && m.price > 0n);
  const model = priced.find((m) => m.name === chosenModel) ?? priced[0];
  const amountValue = creditsProblem(amount) ? undefined : parseCredits(amount);
  // The policy's model is the chain's name of it (the gateway's `aat.model`), never a request alias.
  const { policy, errors: policyErrors, missing } = checkPolicy(
    { model: model?.name ?? "", otherModel: "", scope, expiry: date, never: !expires, reclaimable, tradable },
    buyer,
    undefined,
    now,
  );
  const balance = useReadContract({ address: app.tokenAI, abi: tokenAIAbi, functionName: "balanceOf", args: buyer && [buyer] });
  const quote = useReadContract({
    address: app.aat,
    abi: aatAbi,
    functionName: "quoteTokenAI",
    args: policy && amountValue ? [policy.model, amountValue] : undefined,
    query: { enabled: !!policy && !!amountValue },
  });

  const short = balance.data !== undefined && quote.data !== undefined && balance.data < quote.data;
  const errors = {
    to: to.trim() === "" ? undefined : addressProblem(to),
    model: model ? undefined : "no model has a price on chain yet",
    scope: asFragment(policyErrors.scope),
    date: asFragment(policyErrors.expiry ?? missing.expiry),
    amount:
      creditsProblem(amount) ??
      (short ? `these cost ${formatTokenAI(quote.data!, "up")} and you have ${formatTokenAI(balance.data!)}` : undefined),
  };
  const invalid = Object.values(errors).some(Boolean);
  const recipient = !buyer || errors.to ? undefined : to.trim() === "" ? buyer : getAddress(to.trim());
  const quoting = amountValue !== undefined && !!policy && quote.data === undefined;

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (running || quoting) return;
    const form = event.currentTarget;
    // Rendered now, so the first field to fix can take the focus.
    flushSync(() => setChecked(true));
    if (invalid || !policy || !recipient || !buyer || amountValue === undefined || quote.data === undefined) return focusFirstInvalid(form);
    setRunning(true);
    setAllowanceStep(undefined);
    setMint({ step: "idle" });
    setBought(undefined);
    try {
      const result = await buyCredits(
        wagmi,
        app.aat,
        app.tokenAI,
        { buyer, to: recipient, policy, amount: amountValue, total: quote.data },
        { allowance: setAllowanceStep, mint: setMint },
      );
      setBought(result);
    } catch (error) {
      // A read between the steps failed (the transactions report their own failures).
      setMint({ step: "failed", reason: explain(error) });
    } finally {
      setRunning(false);
      // The price may have changed (then the quote shows the new total) and the balance has.
      void quote.refetch();
      void balance.refetch();
    }
  }

  if (models.error)
    return (
      <p role="alert" className="tx failed">
        The priced models could not be read from the chain: {explain(models.error)}
      </p>
    );
  if (models.isPending || now === undefined || !buyer)
    return (
      <p role="status" className="notice">
        Loading the priced models…
      </p>
    );
  const show = (error: string | undefined) => (checked ? error : undefined);

  return (
    <form onSubmit={submit} noValidate aria-labelledby="buy-title">
      <h2 id="buy-title">Buy credits with TokenAI</h2>
      <Field
        label="Recipient"
        value={to}
        onChange={(e) => setTo(e.target.value)}
        placeholder={buyer}
        autoComplete="off"
        spellCheck={false}
        hint={`Leave empty to buy for yourself (${shortAddress(buyer)}); to give credits, type the person's address.`}
        error={show(errors.to)}
      />
      <label htmlFor="buy-model">Model</label>
      <select
        id="buy-model"
        value={model?.name ?? ""}
        onChange={(e) => setModel(e.target.value)}
        aria-invalid={show(errors.model) ? true : undefined}
        aria-describedby={show(errors.model) ? "buy-model-error" : undefined}
      >
        {priced.map((m) => (
          <option key={m.name} value={m.name}>
            {/* The request name is a label only: the policy takes the chain's name. */}
            {modelName(m.name)} ({m.requestNames.join(", ") || m.name}): {formatTokenAI(m.price!, "up")} per credit
          </option>
        ))}
      </select>
      {show(errors.model) && (
        <span id="buy-model-error" className="field-error">
          Model: {errors.model}
        </span>
      )}
      <Field
        label="Scope (optional)"
        value={scope}
        onChange={(e) => setScope(e.target.value)}
        hint="What the credits are for, e.g. a course code (at most 16 bytes); empty: any use."
        error={show(errors.scope)}
      />
      <fieldset>
        <legend>Expiry</legend>
        <label>
          <input type="radio" name="expiry" style={inline} checked={!expires} onChange={() => setExpires(false)} /> Never expires
        </label>
        <label>
          <input type="radio" name="expiry" style={inline} checked={expires} onChange={() => setExpires(true)} /> Expires after a day
          I choose
        </label>
        {expires && (
          <Field
            label="Last day of use"
            type="date"
            value={date}
            min={utcDate(now)}
            onChange={(e) => setDate(e.target.value)}
            hint={
              policy && policy.expiration !== 0n
                ? `Usable until ${utcWords(policy.expiration)} (chain time).`
                : `The chain's clock reads ${utcWords(now)}.`
            }
            error={show(errors.date)}
          />
        )}
      </fieldset>
      <label>
        <input type="checkbox" checked={reclaimable} onChange={(e) => setReclaimable(e.target.checked)} /> Reclaimable:
        you, the buyer, become their issuer and can take back what is unused
      </label>
      <label>
        <input type="checkbox" checked={tradable} onChange={(e) => setTradable(e.target.checked)} /> Transferable:
        the holder may give or sell them
      </label>
      <Field
        label="Amount (credits)"
        value={amount}
        onChange={(e) => setAmount(e.target.value)}
        inputMode="numeric"
        error={show(errors.amount)}
      />

      {policy && recipient && (
        <p>
          {recipient === buyer ? "You" : shortAddress(recipient)} will hold:{" "}
          <strong>{describePolicy(policy, now, "you")}</strong> (id <code title={idHex(computeTokenId(policy))}>{shortId(computeTokenId(policy))}</code>).
        </p>
      )}
      {model && (
        <BuyQuote
          model={model.requestNames[0] ?? model.name}
          unitPrice={model.price!}
          amount={amountValue}
          total={quote.data}
          balance={balance.data}
          pricing={model.pricing}
          gatewayError={models.data?.gatewayError}
        />
      )}
      <p>
        <button type="submit" aria-disabled={running || quoting || undefined}>
          Buy {amountValue !== undefined ? formatCredits(amountValue) : "credits"}
        </button>
      </p>

      {allowanceStep && (
        <section aria-labelledby="step1-title">
          <h3 id="step1-title">Step 1 of 2: let AAT take the price from your TokenAI</h3>
          <AllowanceProgress step={allowanceStep} />
        </section>
      )}
      {mint.step !== "idle" && (
        <section aria-labelledby="step2-title">
          <h3 id="step2-title">Step 2 of 2: buy the credits</h3>
          <TxStatus state={mint} done="Bought" />
          {bought && recipient && (
            <p role="status" className="tx ok">
              {recipient === buyer ? "You now hold" : `${recipient} now holds`} {formatCredits(bought.balance)} of id{" "}
              <code title={idHex(bought.id)}>{shortId(bought.id)}</code>
              {recipient === buyer && (
                <>
                  {" "}
                  (see <a href="#/credits">My credits</a>)
                </>
              )}
              .
            </p>
          )}
        </section>
      )}
    </form>
  );
}
