// One way every transaction goes: simulated first (so a revert is shown in
// words before the wallet asks anything), then signed in the wallet, then
// watched until mined. Views show each step (`TxState`).
import { useCallback, useState } from "react";
import type { Abi, ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt } from "viem";
import { useConfig } from "wagmi";
import { simulateContract, waitForTransactionReceipt, writeContract } from "wagmi/actions";
import { explain, isUserRejection } from "./errors";

export type TxState =
  | { step: "idle" }
  | { step: "checking" }
  | { step: "signing" }
  | { step: "pending"; hash: Hash }
  | { step: "mined"; hash: Hash; receipt: TransactionReceipt }
  | { step: "failed"; reason: string; hash?: Hash; declined?: boolean };

export interface ContractCall<
  abi extends Abi = Abi,
  name extends ContractFunctionName<abi, "nonpayable" | "payable"> = ContractFunctionName<abi, "nonpayable" | "payable">,
> {
  address: `0x${string}`;
  abi: abi;
  functionName: name;
  args: ContractFunctionArgs<abi, "nonpayable" | "payable", name>;
}

type WagmiConfig = ReturnType<typeof useConfig>;

/**
 * Simulates, asks the wallet, waits for the receipt; reports every step to
 * `onState` and returns the final state (never throws).
 */
export async function sendTx(
  config: WagmiConfig,
  call: ContractCall,
  onState: (state: TxState) => void = () => {},
): Promise<TxState> {
  let hash: Hash | undefined;
  const report = (state: TxState) => {
    onState(state);
    return state;
  };
  try {
    report({ step: "checking" });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const { request } = await simulateContract(config, call as any);
    report({ step: "signing" });
    hash = await writeContract(config, request);
    report({ step: "pending", hash });
    const receipt = await waitForTransactionReceipt(config, { hash });
    if (receipt.status !== "success") return report({ step: "failed", reason: "The transaction reverted on chain.", hash });
    return report({ step: "mined", hash, receipt });
  } catch (error) {
    return report({ step: "failed", reason: explain(error), hash, declined: isUserRejection(error) });
  }
}

/** A transaction's state in a component, and a `send` that drives it. */
export function useTx() {
  const config = useConfig();
  const [state, setState] = useState<TxState>({ step: "idle" });
  const send = useCallback((call: ContractCall) => sendTx(config, call, setState), [config]);
  const reset = useCallback(() => setState({ step: "idle" }), []);
  return { state, send, reset, busy: state.step === "checking" || state.step === "signing" || state.step === "pending" };
}
