// Posting an order: what you give and want, and for how long, summed up
// (the price per credit, the expiry) before anything is signed. Checked
// first (amounts, balance, whether the credits can be traded); the
// exchange's approval obtained first (a transaction, shown as one); then the
// order signed in the wallet (EIP-712, no gas) and handed to the relay,
// whose refusal is shown in words.
import { useId, useState } from "react";
import { flushSync } from "react-dom";
import { type Hex, zeroAddress } from "viem";
import { useConfig, useConnection, usePublicClient } from "wagmi";
import { signTypedData } from "wagmi/actions";
import { useAppConfig } from "../context";
import { exchangeAbi } from "../generated/abi";
import { useChainNow, utcWords } from "../lib/chainClock";
import { explain } from "../lib/errors";
import { approvalCall, balanceOf, exchangeDomain } from "../lib/exchange";
import { focusFirstInvalid } from "../lib/fields";
import type { KnownToken } from "../lib/knownTokens";
import {
  type HeldOrder,
  ORDER_TYPES,
  type Order,
  RelayRefusal,
  TOKEN_AI_ID,
  amountWords,
  orderPriceWords,
  parseAmount,
  postOrder,
} from "../lib/market";
import { useTx } from "../lib/tx";
import { TxHash, TxStatus } from "./TxStatus";

type Field = "give" | "giveAmount" | "wantAmount" | "days";
type Step = { step: "idle" | "checking" | "signing" | "posting" } | { step: "posted"; held: HeldOrder } | { step: "failed"; reason: string; detail?: string };
const DAY = 86_400n;

/** An amount typed for `id`, or undefined while it is not one. */
function typed(id: bigint, text: string): bigint | undefined {
  try {
    return parseAmount(id, text);
  } catch {
    return undefined;
  }
}

/** A new order's nonce: this moment in milliseconds (unique per maker), at least the maker's cancellation floor. */
function orderNonce(minNonce: bigint): bigint {
  const millis = BigInt(Date.now());
  return millis > minNonce ? millis : minNonce;
}

export function PostOrder({
  tokens,
  label,
  onPosted,
}: {
  tokens: KnownToken[];
  label: (id: bigint) => string;
  onPosted: (held: HeldOrder) => void;
}) {
  const config = useAppConfig();
  const wagmi = useConfig();
  const client = usePublicClient();
  const { address } = useConnection();
  const now = useChainNow();
  const approval = useTx();
  const formId = useId();
  const [give, setGive] = useState(tokens[1]?.id.toString() ?? "0");
  const [want, setWant] = useState("0");
  const [giveText, setGiveText] = useState("");
  const [wantText, setWantText] = useState("");
  const [daysText, setDaysText] = useState("7");
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [state, setState] = useState<Step>({ step: "idle" });
  const giveId = BigInt(give);
  const wantId = BigInt(want);
  const busy = approval.busy || ["checking", "signing", "posting"].includes(state.step);

  async function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !client || !address || now === undefined) return;
    const form = event.currentTarget;
    approval.reset();
    const found: Partial<Record<Field, string>> = {};
    const amount = (id: bigint, text: string, field: Field) => {
      try {
        return parseAmount(id, text);
      } catch (e) {
        found[field] = `Amount: ${(e as Error).message}.`;
      }
    };
    const giveAmount = amount(giveId, giveText, "giveAmount");
    const wantAmount = amount(wantId, wantText, "wantAmount");
    const days = Number(daysText);
    if (!Number.isInteger(days) || days < 1 || days > 365) found.days = "Enter a whole number of days from 1 to 365.";
    if (giveId === wantId) found.give = "Give something other than what you want.";
    const policy = tokens.find((t) => t.id === giveId)?.policy;
    if (policy && policy.expiration !== 0n && policy.expiration <= BigInt(now)) found.give = "These credits have expired.";
    else if (policy && !policy.tradable && policy.originPool.toLowerCase() !== address.toLowerCase())
      found.give = "These credits can't be traded: the issuer made them non-transferable.";
    setState({ step: "checking" });
    try {
      if (giveAmount !== undefined && !found.give) {
        const held = await balanceOf(client, config, address, giveId);
        if (held < giveAmount) found.giveAmount = `You hold only ${amountWords(giveId, held)}.`;
      }
      // Rendered now, so the first field to fix can take the focus.
      flushSync(() => setProblems(found));
      if (Object.keys(found).length > 0 || giveAmount === undefined || wantAmount === undefined) {
        setState({ step: "idle" });
        return focusFirstInvalid(form);
      }
      // The relay lists only orders the exchange could fill: approve first.
      const call = await approvalCall(client, config, address, giveId, giveAmount);
      if (call && (await approval.send(call)).step !== "mined") return setState({ step: "idle" });
      const [domain, minNonce] = await Promise.all([
        exchangeDomain(client, config),
        client.readContract({ address: config.exchange, abi: exchangeAbi, functionName: "minNonce", args: [address] }),
      ]);
      const order: Order = {
        maker: address,
        taker: zeroAddress,
        giveId,
        giveAmount,
        wantId,
        wantAmount,
        expiry: BigInt(now) + BigInt(days) * DAY,
        nonce: orderNonce(minNonce),
      };
      setState({ step: "signing" });
      const signature: Hex = await signTypedData(wagmi, { account: address, domain, types: ORDER_TYPES, primaryType: "Order", message: order });
      setState({ step: "posting" });
      const held = await postOrder(config.market, order, signature);
      setState({ step: "posted", held });
      setGiveText("");
      setWantText("");
      onPosted(held);
    } catch (error) {
      setState(
        error instanceof RelayRefusal
          ? { step: "failed", reason: error.message, detail: error.detail }
          : { step: "failed", reason: explain(error) },
      );
    }
  }

  // What the order says, before it is signed: what is given and wanted, the price, until when.
  const giveAmount = typed(giveId, giveText);
  const wantAmount = typed(wantId, wantText);
  const days = Number(daysText);
  const summary =
    giveAmount !== undefined && wantAmount !== undefined && giveId !== wantId && Number.isInteger(days) && days >= 1 && days <= 365 && now !== undefined
      ? {
          give: amountWords(giveId, giveAmount, "up"),
          want: amountWords(wantId, wantAmount),
          price: orderPriceWords({ maker: zeroAddress, taker: zeroAddress, giveId, giveAmount, wantId, wantAmount, expiry: 0n, nonce: 0n }, label, "maker"),
          until: utcWords(BigInt(now) + BigInt(days) * DAY),
        }
      : undefined;
  const named = (id: bigint, words: string) => (id === TOKEN_AI_ID ? words : `${words} (${label(id)})`);

  const err = (field: Field) => (problems[field] ? `${formId}-${field}-error` : undefined);
  const fieldError = (field: Field) =>
    problems[field] && (
      <span className="field-error" id={err(field)}>
        {problems[field]}
      </span>
    );
  const options = tokens.map((t) => (
    <option key={t.id.toString()} value={t.id.toString()}>
      {t.label}
    </option>
  ));

  return (
    <form onSubmit={submit} noValidate aria-labelledby={`${formId}-title`}>
      <h2 id={`${formId}-title`}>Post an order</h2>
      <label htmlFor={`${formId}-give`}>You give</label>
      <select id={`${formId}-give`} value={give} onChange={(e) => setGive(e.target.value)} aria-invalid={!!problems.give} aria-describedby={err("give")}>
        {options}
      </select>
      {fieldError("give")}
      <label htmlFor={`${formId}-give-amount`}>Amount you give ({giveId === TOKEN_AI_ID ? "TAI" : "credits"})</label>
      <input
        id={`${formId}-give-amount`}
        inputMode="decimal"
        value={giveText}
        onChange={(e) => setGiveText(e.target.value)}
        aria-invalid={!!problems.giveAmount}
        aria-describedby={err("giveAmount")}
      />
      {fieldError("giveAmount")}
      <label htmlFor={`${formId}-want`}>You want</label>
      <select id={`${formId}-want`} value={want} onChange={(e) => setWant(e.target.value)}>
        {options}
      </select>
      <label htmlFor={`${formId}-want-amount`}>Amount you want ({wantId === TOKEN_AI_ID ? "TAI" : "credits"})</label>
      <input
        id={`${formId}-want-amount`}
        inputMode="decimal"
        value={wantText}
        onChange={(e) => setWantText(e.target.value)}
        aria-invalid={!!problems.wantAmount}
        aria-describedby={err("wantAmount")}
      />
      {fieldError("wantAmount")}
      <label htmlFor={`${formId}-days`}>Valid for (days)</label>
      <input
        id={`${formId}-days`}
        inputMode="numeric"
        value={daysText}
        onChange={(e) => setDaysText(e.target.value)}
        aria-invalid={!!problems.days}
        aria-describedby={err("days")}
      />
      {fieldError("days")}
      <p className="hint">
        Anyone may fill all or part of it until then. The exchange takes its fee from the TokenAI the seller of credits receives.
      </p>
      {summary && (
        <p data-testid="order-summary">
          You give <strong>{named(giveId, summary.give)}</strong> and want <strong>{named(wantId, summary.want)}</strong>: {summary.price}, until{" "}
          {summary.until}.
        </p>
      )}
      <TxStatus state={approval.state} done="The exchange may now move it" />
      <PostStatus state={state} />
      <p>
        <button type="submit" aria-disabled={busy || undefined}>
          Sign and post the order
        </button>
      </p>
    </form>
  );
}

function PostStatus({ state }: { state: Step }) {
  switch (state.step) {
    case "idle":
      return null;
    case "checking":
      return <p role="status" className="tx pending">Checking your balance and the exchange's approval…</p>;
    case "signing":
      return <p role="status" className="tx pending">Waiting for your wallet to sign the order…</p>;
    case "posting":
      return <p role="status" className="tx pending">Sending the order to the relay…</p>;
    case "posted":
      return (
        <p role="status" className="tx ok" data-testid="posted">
          Posted: your order <TxHash hash={state.held.hash} /> is in the book ({amountWords(state.held.order.giveId, state.held.fillable)} can be
          filled now).
        </p>
      );
    case "failed":
      return (
        <div role="alert" className="tx failed">
          <p>{state.reason}</p>
          {state.detail && <p className="hint">The relay said: {state.detail}</p>}
        </div>
      );
  }
}
