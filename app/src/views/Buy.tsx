// "Buy": credits paid with TokenAI, for oneself or for someone else (a
// donor types a student's address). The price, the total and the cost of a
// typical request show before anything is signed; then AAT is allowed to
// take the price (permit, else approve) and the credits are minted.
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { getAddress } from "viem";
import { useConfig, useConnection, useReadContract } from "wagmi";
import { Field } from "../components/holder/Field";
import { BuyQuote } from "../components/holder/BuyQuote";
import { TxStatus } from "../components/TxStatus";
import { useAppConfig } from "../context";
import { aatAbi, tokenAIAbi } from "../generated/abi";
import { ZERO_BYTES16, byteLength, toBytes16 } from "../lib/bytes16";
import { endOfUtcDay, useChainNow, utcDate, utcWords } from "../lib/chainClock";
import { explain } from "../lib/errors";
import { addressProblem, creditsProblem } from "../lib/fields";
import { usePricedModels } from "../lib/models";
import { describePolicy, modelName } from "../lib/policy";
import { type AllowanceStep, type Bought, buyCredits, gatewayPricing } from "../lib/purchase";
import { computeTokenId, idHex } from "../lib/tokenId";
import type { TxState } from "../lib/tx";
import { formatCredits, formatTokenAI, parseCredits, shortAddress } from "../lib/units";

// styles.css sizes every input to the column; a radio sits beside its words.
const inline = { width: "auto" } as const;

export default function Buy() {
  const app = useAppConfig();
  const wagmi = useConfig();
  const { address: buyer } = useConnection();
  const now = useChainNow();
  const models = usePricedModels();
  const pricing = useQuery({ queryKey: ["gateway-pricing", app.gateway], queryFn: () => gatewayPricing(app.gateway), retry: false });

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
  const modelBytes = model ? toBytes16(model.name) : undefined;
  const balance = useReadContract({ address: app.tokenAI, abi: tokenAIAbi, functionName: "balanceOf", args: buyer && [buyer] });
  const quote = useReadContract({
    address: app.aat,
    abi: aatAbi,
    functionName: "quoteTokenAI",
    args: modelBytes && amountValue ? [modelBytes, amountValue] : undefined,
    query: { enabled: !!modelBytes && !!amountValue },
  });
  const expiration = expires ? endOfUtcDay(date) : 0n;

  const short = balance.data !== undefined && quote.data !== undefined && balance.data < quote.data;
  const errors = {
    to: to.trim() === "" ? undefined : addressProblem(to),
    model: model ? undefined : "no model has a price on chain yet",
    scope: byteLength(scope.trim()) > 16 ? `${byteLength(scope.trim())} bytes; at most 16 fit` : undefined,
    date: !expires
      ? undefined
      : expiration === undefined
        ? "choose a day, or choose “never expires”"
        : now !== undefined && expiration <= BigInt(now)
          ? "must be after the chain's current time"
          : undefined,
    amount:
      creditsProblem(amount) ??
      (short ? `these cost ${formatTokenAI(quote.data!)} and you have ${formatTokenAI(balance.data!)}` : undefined),
  };
  const invalid = Object.values(errors).some(Boolean);
  const recipient = !buyer || errors.to ? undefined : to.trim() === "" ? buyer : getAddress(to.trim());
  const policy =
    buyer && modelBytes && !errors.scope && expiration !== undefined
      ? {
          model: modelBytes,
          scope: scope.trim() === "" ? ZERO_BYTES16 : toBytes16(scope.trim()),
          expiration,
          originPool: buyer,
          reclaimable,
          tradable,
        }
      : undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setChecked(true);
    if (invalid || !policy || !recipient || !buyer || amountValue === undefined || quote.data === undefined) return;
    setRunning(true);
    setAllowanceStep(undefined);
    setMint({ step: "idle" });
    setBought(undefined);
    try {
      const result = await buyCredits(
        wagmi,
        app.aat,
        app.tokenAI,
        { ...policy, buyer, to: recipient, amount: amountValue, total: quote.data },
        { allowance: setAllowanceStep, mint: setMint },
      );
      setBought(result);
    } catch (error) {
      // A read between the steps failed (the transactions report their own failures).
      setMint({ step: "failed", reason: explain(error) });
    } finally {
      setRunning(false);
      void balance.refetch();
    }
  }

  if (models.error)
    return (
      <p role="alert" className="tx failed">
        The priced models could not be read from the chain: {models.error.message}
      </p>
    );
  if (models.isPending || now === undefined || !buyer)
    return (
      <p role="status" className="notice">
        Loading the priced models…
      </p>
    );
  const show = (error: string | undefined) => (checked ? error : undefined);
  const lastSigned = allowanceStep && "state" in allowanceStep ? allowanceStep.state : undefined;

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
            {modelName(m.name)} ({m.name}): {formatTokenAI(m.price!)} per credit
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
              expiration
                ? `Usable until ${utcWords(expiration)} (chain time).`
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
          <strong>{describePolicy(policy, now, "you")}</strong> (id{" "}
          <code title={idHex(computeTokenId(policy))}>{shortAddress(idHex(computeTokenId(policy)))}</code>).
        </p>
      )}
      {model && (
        <BuyQuote
          model={model.name}
          unitPrice={model.price!}
          amount={amountValue}
          total={quote.data}
          balance={balance.data}
          pricing={pricing.data?.get(model.name)}
          gatewayError={pricing.error ? String(pricing.error.message) : undefined}
        />
      )}
      <p>
        <button type="submit" disabled={running || (amountValue !== undefined && !!model && quote.data === undefined)}>
          Buy {amountValue !== undefined ? formatCredits(amountValue) : "credits"}
        </button>
      </p>

      {allowanceStep && (
        <section aria-labelledby="step1-title">
          <h3 id="step1-title">Step 1 of 2: let AAT take the price from your TokenAI</h3>
          {allowanceStep.how === "enough" && <p className="tx ok">AAT may already spend enough of your TokenAI.</p>}
          {allowanceStep.how === "permit-signing" && (
            <p role="status" className="tx pending">
              Sign the spending permission (an EIP-2612 permit) in your wallet…
            </p>
          )}
          {"note" in allowanceStep && allowanceStep.note && <p className="notice">{allowanceStep.note}</p>}
          {lastSigned && <TxStatus state={lastSigned} done={allowanceStep.how === "approve" ? "Approved" : "Permit sent"} />}
        </section>
      )}
      {mint.step !== "idle" && (
        <section aria-labelledby="step2-title">
          <h3 id="step2-title">Step 2 of 2: buy the credits</h3>
          <TxStatus state={mint} done="Bought" />
          {bought && recipient && (
            <p role="status" className="tx ok">
              {recipient === buyer ? "You now hold" : `${recipient} now holds`} {formatCredits(bought.balance)} of id{" "}
              <code title={idHex(bought.id)}>{shortAddress(idHex(bought.id))}</code>
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
