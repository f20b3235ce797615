// A batch's progress: a labelled <progress> with "n of N sent", and each
// row's state in words (waiting, checking, confirm, pending, mined, failed).
import { useId } from "react";
import type { TxState } from "../lib/tx";
import { TxHash } from "./TxStatus";

export function BatchProgress({ label, done, total, verb }: { label: string; done: number; total: number; verb: string }) {
  const id = useId();
  return (
    <div className="batch-progress">
      <label htmlFor={id}>{label}</label>
      <progress id={id} value={done} max={Math.max(total, 1)} aria-valuetext={`${done} of ${total} ${verb}`} />
      <p role="status">
        {done} of {total} {verb}
      </p>
    </div>
  );
}

/** One row's state; `idle` is a row the batch has not reached yet. */
export function RowStatus({ state, done = "mined", attempt = 1 }: { state: TxState | undefined; done?: string; attempt?: number }) {
  switch (state?.step) {
    case undefined:
      return <span className="notice">ready</span>;
    case "idle":
      return <span className="notice">waiting</span>;
    case "checking":
      return <span className="tx pending">checking with the chain…</span>;
    case "signing":
      return <span className="tx pending">confirm in your wallet…</span>;
    case "pending":
      return (
        <span className="tx pending">
          sending: <TxHash hash={state.hash} />
        </span>
      );
    case "mined":
      return (
        <span className="tx ok">
          {done} (<TxHash hash={state.hash} />)
        </span>
      );
    case "failed":
      return (
        <span className="tx failed">
          failed{attempt > 1 && ` (try ${attempt})`}: {state.reason}
          {state.hash && (
            <>
              {" "}
              (<TxHash hash={state.hash} />)
            </>
          )}
        </span>
      );
  }
}
