// One question and its answer: the model's reply, what it cost, what is
// owed to the provider in total, the voucher that paid, and the provider's
// signed usage receipt (checked here against the provider's address).
import { useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { useAppConfig } from "../context";
import { type GatewayRefusal, type PaidAnswer, verifyReceipt } from "../lib/gateway";
import { formatCredits, shortAddress } from "../lib/units";
import { utcWords } from "../lib/chainClock";

export interface Turn {
  question: string;
  model: string;
  answer?: PaidAnswer;
  refusal?: GatewayRefusal;
}

export function ChatAnswer({ turn, index }: { turn: Turn; index: number }) {
  return (
    <article className="card" aria-label={`Question ${index}`}>
      <p>
        <strong>You asked {turn.model}:</strong> {turn.question}
      </p>
      {turn.answer && <Paid answer={turn.answer} />}
      {turn.refusal && (
        <div role="alert" className="tx failed">
          <p>{turn.refusal.message}</p>
          {turn.refusal.detail && <p className="hint">The gateway said: {turn.refusal.detail}</p>}
        </div>
      )}
    </article>
  );
}

function Paid({ answer }: { answer: PaidAnswer }) {
  const { receipt, voucher } = answer;
  return (
    <>
      <blockquote>{answer.reply || <em>(an empty answer)</em>}</blockquote>
      <dl>
        <dt>Cost</dt>
        <dd data-testid="answer-cost">{formatCredits(answer.cost)}</dd>
        <dt>Owed to the provider in total</dt>
        <dd data-testid="answer-owed">
          {formatCredits(answer.owed)} ({formatCredits(answer.settled)} of it settled on chain)
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
        <ReceiptCheck answer={answer} />
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

/** Checks the receipt's EIP-712 signature against the provider the voucher was made out to. */
function ReceiptCheck({ answer }: { answer: PaidAnswer }) {
  const { chainId, aat } = useAppConfig();
  const provider = answer.voucher.provider as Address;
  const check = useQuery({
    queryKey: ["receipt-check", answer.receipt.signature],
    queryFn: () => verifyReceipt(answer.receipt, chainId, aat, provider),
    staleTime: Infinity,
  });
  if (check.isPending) return <p className="hint">Checking the provider's signature…</p>;
  return check.data ? (
    <p className="tx ok">Signed by the provider {shortAddress(provider)}: checked.</p>
  ) : (
    <p role="alert" className="tx failed">
      This receipt is not signed by the provider {shortAddress(provider)}: keep it as evidence and ask the provider why.
    </p>
  );
}
