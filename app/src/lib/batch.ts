// Many transactions in a row (a CSV's mints, an id's reclaims): one at a
// time, each simulated, signed and watched through sendTx, each with its own
// state, and a retry that resends only the rows that did not go through.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { useConfig } from "wagmi";
import { type ContractCall, type TxState, sendTx } from "./tx";

export interface BatchItem {
  key: string;
  call: ContractCall;
}

export function useBatch() {
  const config = useConfig();
  const queryClient = useQueryClient();
  const [states, setStates] = useState<Record<string, TxState>>({});
  const [attempts, setAttempts] = useState<Record<string, number>>({});
  const [running, setRunning] = useState(false);

  const run = useCallback(
    async (items: BatchItem[]) => {
      setRunning(true);
      setStates((prev) => ({ ...prev, ...Object.fromEntries(items.map((i) => [i.key, { step: "idle" } as TxState])) }));
      setAttempts((prev) => ({ ...prev, ...Object.fromEntries(items.map((i) => [i.key, (prev[i.key] ?? 0) + 1])) }));
      for (const [index, item] of items.entries()) {
        const final = await sendTx(config, item.call, (state) => setStates((prev) => ({ ...prev, [item.key]: state })));
        // Declining in the wallet means "stop": the rest are not asked for.
        if (final.step === "failed" && final.declined) {
          const rest = items.slice(index + 1);
          const stopped: TxState = { step: "failed", reason: "Not sent: you declined an earlier one in your wallet." };
          setStates((prev) => ({ ...prev, ...Object.fromEntries(rest.map((i) => [i.key, stopped])) }));
          break;
        }
      }
      setRunning(false);
      // Balances, supplies and logs changed: every view reads them afresh.
      await queryClient.invalidateQueries();
    },
    [config, queryClient],
  );

  const reset = useCallback(() => {
    setStates({});
    setAttempts({});
  }, []);
  const values = Object.values(states);
  return {
    states,
    /** How many times each key was sent (a retry shows "try 2"). */
    attempts,
    run,
    reset,
    running,
    started: values.length > 0,
    mined: values.filter((s) => s.step === "mined").length,
    failed: Object.keys(states).filter((key) => states[key].step === "failed"),
  };
}
