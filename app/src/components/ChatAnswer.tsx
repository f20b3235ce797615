// One question and its answer: the model's reply, what it cost with AAT's
// fee, what is owed to the provider in total, the voucher that paid, and the
// provider's signed usage receipt with the result of checking it against
// what the wallet signed (lib/receipt.ts). And the question the page asks
// before signing a voucher for more than it has seen backed.
import { utcWords } from "../lib/chainClock";
import type { GatewayRefusal, PaidAnswer } from "../lib/gateway";
import { withFeeWords } from "../lib/receipt";
import { formatCredits, shortAddress } from "../lib/units";
import type { UnbackedVoucher } from "../lib/voucherGuard";

export interface Turn {
  question: string;
  model: string;
  /** The most the question could cost, in credits before AAT's fee, as shown before asking. */
  maxUnits: bigint;
  /** AAT's fee in basis points when it was asked; undefined when not read yet. */
  feeBps?: number;
  answer?: PaidAnswer;
  /** How the receipt departs from what was signed, in words; empty when it passed every check. */
  problems?: string[];
  refusal?: GatewayRefusal;
}

export function ChatAnswer({ turn, index }: { turn: Turn; index: number }) {
  return (
    <article className="card" aria-label={`Question ${index}`}>
      <p>
        <strong>You asked {turn.model}:</strong> {turn.question}
      </p>
      {turn.answer && <Paid turn={turn} answer={turn.answer} />}
      {turn.refusal && (
        <div role="alert" className="tx failed">
          <p>{turn.refusal.message}</p>
          {turn.refusal.detail && <p className="hint">The gateway said: {turn.refusal.detail}</p>}
        </div>
      )}
    </article>
  );
}

function Paid({ turn, answer }: { turn: Turn; answer: PaidAnswer }) {
  const { receipt, voucher } = answer;
  const checked = turn.problems?.length === 0;
  const withFee = (units: bigint) => (turn.feeBps === undefined ? formatCredits(units) : withFeeWords(units, turn.feeBps));
  return (
    <>
      <blockquote>{answer.reply || <em>(an empty answer)</em>}</blockquote>
      {!checked && (
        <div role="alert" className="tx failed" data-testid="receipt-mismatch">
          <p>The provider's receipt does not match what you signed: {(turn.problems ?? ["it was not checked"]).join("; ")}.</p>
          <p className="hint">
            Keep it as evidence and ask the provider why. What it says you owe is not shown, and your next voucher is not raised by it.
          </p>
        </div>
      )}
      <dl>
        <dt>Cost</dt>
        <dd data-testid="answer-cost">{withFee(answer.cost)}</dd>
        <dt>Owed to the provider in total</dt>
        <dd data-testid="answer-owed">
          {checked
            ? `${formatCredits(BigInt(receipt.cumulativeOwed))} (the provider says ${formatCredits(answer.settled)} of it is settled on chain)`
            : "not shown: the receipt did not pass the checks"}
        </dd>
        <dt>Tokens</dt>
        <dd data-testid="answer-tokens">
          {receipt.promptTokens} prompt + {receipt.completionTokens} completion
          {answer.usage &&
            (answer.usage.promptTokens === receipt.promptTokens && answer.usage.completionTokens === receipt.completionTokens
              ? " (as the answer reports them)"
              : ` charged; the answer reports ${answer.usage.promptTokens} + ${answer.usage.completionTokens}`)}
        </dd>
        <dt>Paid by</dt>
        <dd data-testid="answer-voucher">
          a voucher you signed for {formatCredits(BigInt(voucher.cumulativeAmount))} (all you owed before this
          question), valid until {utcWords(voucher.deadline)}
        </dd>
      </dl>
      <details>
        <summary>Usage receipt</summary>
        {checked ? (
          <p className="tx ok" data-testid="receipt-check">
            Checked: signed by the provider {shortAddress(voucher.provider)}, for you and these credits, charging no more than this
            question could cost ({formatCredits(turn.maxUnits)}), owing your voucher's amount plus this answer, and naming the voucher
            you signed.
          </p>
        ) : (
          <p className="tx failed" data-testid="receipt-check">
            Not matched: {(turn.problems ?? ["it was not checked"]).join("; ")}.
          </p>
        )}
        <dl className="wrap">
          <dt>Holder</dt>
          <dd><code>{receipt.holder}</code></dd>
          <dt>Provider</dt>
          <dd><code>{receipt.provider}</code></dd>
          <dt>Credits id</dt>
          <dd><code>{receipt.id}</code></dd>
          <dt>Units charged</dt>
          <dd data-testid="receipt-units">{receipt.units}</dd>
          <dt>Owed after it</dt>
          <dd data-testid="receipt-owed">{receipt.cumulativeOwed}</dd>
          <dt>Voucher digest</dt>
          <dd><code>{receipt.voucherDigest}</code></dd>
          <dt>Request hash</dt>
          <dd><code>{receipt.requestHash}</code></dd>
          <dt>Response hash</dt>
          <dd><code>{receipt.responseHash}</code></dd>
          <dt>Signature</dt>
          <dd><code>{receipt.signature}</code></dd>
        </dl>
      </details>
    </>
  );
}

/** The gateway asks a voucher for more than this page has seen backed: the person decides; nothing is signed before. */
export function ConsentPrompt({
  unbacked,
  feeBps,
  onConfirm,
  onDecline,
}: {
  unbacked: UnbackedVoucher;
  feeBps?: number;
  onConfirm: () => void;
  onDecline: () => void;
}) {
  const { claimed, seen } = unbacked;
  return (
    <div role="alert" className="card notice" data-testid="voucher-consent">
      <p>
        The provider says you owe {formatCredits(claimed)} for earlier requests (this page has seen {formatCredits(seen)}). Sign a
        voucher for {formatCredits(claimed)}?
      </p>
      <p className="hint">
        That is {formatCredits(claimed - seen)} more than this page has seen backed, by a checked receipt of the provider or as
        settled on chain: answers from before the page was reloaded, or from another device using these credits. Nothing is signed
        unless you confirm; if you don't recognise them, don't sign.
        {feeBps !== undefined && ` Settling them burns AAT's fee of ${feeBps / 100}% on top.`}
      </p>
      <p>
        <button type="button" onClick={onConfirm}>
          Sign a voucher for {formatCredits(claimed)}
        </button>{" "}
        <button type="button" className="secondary" onClick={onDecline}>
          Don't sign
        </button>
      </p>
    </div>
  );
}
