// Issuing without the minter role: the account buys the credits with
// TokenAI (mintWithTokenAI), becoming their origin pool. AAT burns the
// cost from the account, so it first allows AAT that much TokenAI; the
// cost is shown in TAI before anything is signed.
import type { Address, Hex } from "viem";
import { useConnection, useReadContracts } from "wagmi";
import { useAppConfig } from "../context";
import { aatAbi, tokenAIAbi } from "../generated/abi";
import { explain } from "../lib/errors";
import { useTx } from "../lib/tx";
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

interface Props {
  modelName: string;
  credits: bigint;
  cost: ReturnType<typeof useTokenAICost>;
  disabled: boolean;
}

/** The cost in words and, when the allowance falls short, the approval step. */
export function TokenAIApproval({ modelName, credits, cost, disabled }: Props) {
  const { aat, tokenAI } = useAppConfig();
  const approval = useTx();
  if (credits === 0n) return null;
  if (cost.costError) return <p role="alert" className="tx failed">{cost.costError}</p>;
  if (cost.cost === undefined || cost.balance === undefined || cost.allowance === undefined)
    return <p role="status">Reading the price of {modelName} and your TokenAI…</p>;
  const short = cost.balance < cost.cost;
  const needsApproval = cost.allowance < cost.cost;
  return (
    <div>
      <p>
        {formatCredits(credits)} of {modelName} cost <strong>{formatTokenAI(cost.cost)}</strong>. You hold{" "}
        {formatTokenAI(cost.balance)}
        {cost.allowance > 0n && <>; AAT may already spend {formatTokenAI(cost.allowance)} of it</>}.
      </p>
      {short && (
        <p role="alert" className="tx failed">
          Not enough TokenAI: you need {formatTokenAI(cost.cost - cost.balance)} more. Buy TokenAI first.
        </p>
      )}
      {!short && needsApproval && (
        <>
          <p>Step 1: allow AAT to burn {formatTokenAI(cost.cost)} of your TokenAI for these credits (one signature).</p>
          <button
            type="button"
            disabled={disabled || approval.busy}
            onClick={async () => {
              const done = await approval.send({ address: tokenAI, abi: tokenAIAbi, functionName: "approve", args: [aat, cost.cost!] });
              if (done.step === "mined") await cost.refetch();
            }}
          >
            Approve {formatTokenAI(cost.cost)}
          </button>
        </>
      )}
      {/* Kept once the allowance suffices, so the approval's hash stays in view. */}
      <TxStatus state={approval.state} done="Approved" />
    </div>
  );
}
