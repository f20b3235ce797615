// Buying credits with TokenAI, on screen: what they cost (quoteTokenAI),
// what the account holds, and the step that lets AAT burn the price (a
// permit signed in the wallet and sent, or an approve: lib/purchase.ts, the
// one path Buy and Issue share). The cost shows before anything is signed.
import { useState } from "react";
import type { Address, Hex } from "viem";
import { useConfig, useConnection, useReadContracts } from "wagmi";
import { useAppConfig } from "../context";
import { aatAbi, tokenAIAbi } from "../generated/abi";
import { explain } from "../lib/errors";
import { type AllowanceStep, allowTokenAI } from "../lib/purchase";
import { formatCredits, formatTokenAI } from "../lib/units";
import { TxStatus } from "./TxStatus";

/** What `credits` of `model` cost in TokenAI, and what the account holds and has allowed AAT. */
export function useTokenAICost(model: Hex | undefined, credits: bigint) {
  const { aat, tokenAI } = useAppConfig();
  const { address } = useConnection();
  const reads = useReadContracts({
    allowFailure: true,
    contracts: [
      { address: aat, abi: aatAbi, functionName: "quoteTokenAI", args: [model!, credits] },
      { address: tokenAI, abi: tokenAIAbi, functionName: "balanceOf", args: [address as Address] },
      { address: tokenAI, abi: tokenAIAbi, functionName: "allowance", args: [address as Address, aat] },
    ],
    query: { enabled: !!model && !!address && credits > 0n },
  });
  const [quote, balance, allowance] = reads.data ?? [];
  return {
    cost: quote?.status === "success" ? quote.result : undefined,
    costError: quote?.status === "failure" ? explain(quote.error) : undefined,
    balance: balance?.status === "success" ? balance.result : undefined,
    allowance: allowance?.status === "success" ? allowance.result : undefined,
    loading: reads.isLoading,
    refetch: reads.refetch,
  };
}

/** How AAT's allowance is going: enough already, a permit to sign, or the permit's or approval's transaction. */
export function AllowanceProgress({ step }: { step: AllowanceStep }) {
  const sent = "state" in step ? step.state : undefined;
  return (
    <>
      {step.how === "enough" && <p className="tx ok">AAT may already spend enough of your TokenAI.</p>}
      {step.how === "permit-signing" && (
        <p role="status" className="tx pending">
          Sign the spending permission (an EIP-2612 permit) in your wallet…
        </p>
      )}
      {"note" in step && step.note && <p className="notice">{step.note}</p>}
      {sent && <TxStatus state={sent} done={step.how === "approve" ? "Approved" : "Permit sent"} />}
    </>
  );
}

interface Props {
  modelName: string;
  credits: bigint;
  cost: ReturnType<typeof useTokenAICost>;
  disabled: boolean;
}

/** The cost in words and, when the allowance falls short, the step that grants it. */
export function TokenAIApproval({ modelName, credits, cost, disabled }: Props) {
  const { aat, tokenAI } = useAppConfig();
  const wagmi = useConfig();
  const { address } = useConnection();
  const [step, setStep] = useState<AllowanceStep>();
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<string>();
  if (credits === 0n) return null;
  if (cost.costError) return <p role="alert" className="tx failed">{cost.costError}</p>;
  if (cost.cost === undefined || cost.balance === undefined || cost.allowance === undefined)
    return <p role="status">Reading the price of {modelName} and your TokenAI…</p>;
  const total = cost.cost;
  const short = cost.balance < total;
  const needsApproval = cost.allowance < total;

  const allow = async () => {
    if (disabled || running || !address) return;
    setRunning(true);
    setFailure(undefined);
    try {
      if (await allowTokenAI(wagmi, aat, tokenAI, address, total, setStep)) await cost.refetch();
    } catch (error) {
      // A read before the signature failed (the transactions report their own failures).
      setFailure(explain(error));
    } finally {
      setRunning(false);
    }
  };

  return (
    <div>
      <p>
        {formatCredits(credits)} of {modelName} cost <strong>{formatTokenAI(total, "up")}</strong>. You hold{" "}
        {formatTokenAI(cost.balance)}
        {cost.allowance > 0n && <>; AAT may already spend {formatTokenAI(cost.allowance)} of it</>}.
      </p>
      {short && (
        <p role="alert" className="tx failed">
          Not enough TokenAI: you need {formatTokenAI(total - cost.balance, "up")} more. Buy TokenAI first.
        </p>
      )}
      {!short && needsApproval && (
        <>
          <p>
            Step 1: allow AAT to burn {formatTokenAI(total, "up")} of your TokenAI for these credits (a permit you sign in
            your wallet, then send as one transaction).
          </p>
          <button type="button" aria-disabled={disabled || running || undefined} onClick={allow}>
            Approve {formatTokenAI(total, "up")}
          </button>
        </>
      )}
      {/* Kept once the allowance suffices, so the permit's or approval's hash stays in view. */}
      {step && <AllowanceProgress step={step} />}
      {failure && (
        <p role="alert" className="tx failed">
          {failure}
        </p>
      )}
    </div>
  );
}
