// A transaction's progress in words: checking, waiting for the wallet,
// pending (with its hash), mined or failed (with the reason).
import type { TxState } from "../lib/tx";

export function TxHash({ hash }: { hash: string }) {
  return (
    <code className="hash" title={hash}>
      {hash.slice(0, 10)}…{hash.slice(-8)}
    </code>
  );
}

export function TxStatus({ state, done = "Done" }: { state: TxState; done?: string }) {
  switch (state.step) {
    case "idle":
      return null;
    case "checking":
      return (
        <p role="status" className="tx pending">
          Checking with the chain…
        </p>
      );
    case "signing":
      return (
        <p role="status" className="tx pending">
          Confirm in your wallet…
        </p>
      );
    case "pending":
      return (
        <p role="status" className="tx pending">
          Pending: <TxHash hash={state.hash} />
        </p>
      );
    case "mined":
      return (
        <p role="status" className="tx ok">
          {done}: mined in block {state.receipt.blockNumber.toString()} (<TxHash hash={state.hash} />)
        </p>
      );
    case "failed":
      return (
        <p role="alert" className="tx failed">
          {state.reason}
          {state.hash && (
            <>
              {" "}
              (<TxHash hash={state.hash} />)
            </>
          )}
        </p>
      );
  }
}
