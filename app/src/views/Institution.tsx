// My institution: every id the connected account issued (it is their
// origin pool), what each means in words, who holds how much, what was used,
// and for reclaimable ids "Reclaim all unused", one reclaim per holder with
// a progress bar and each holder's state.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { maxUint256 } from "viem";
import { useConnection, usePublicClient } from "wagmi";
import { BatchProgress } from "../components/BatchProgress";
import { IssuedCard, holdingKey } from "../components/IssuedCard";
import { useAppConfig } from "../context";
import { aatAbi } from "../generated/abi";
import { useBatch } from "../lib/batch";
import { useChainNow } from "../lib/chainClock";
import { explain } from "../lib/errors";
import { type IssuedId, LOAD_STEPS, loadInstitution } from "../lib/institution";
import { idHex } from "../lib/tokenId";

export default function Institution() {
  const { aat } = useAppConfig();
  const { address } = useConnection();
  const client = usePublicClient();
  const now = useChainNow();
  const [step, setStep] = useState(0);
  const issued = useQuery({
    queryKey: ["institution", aat, address],
    enabled: !!client && !!address,
    queryFn: () => loadInstitution(client!, aat, address!, setStep),
  });
  const batch = useBatch();
  const [reclaiming, setReclaiming] = useState<{ id: bigint; keys: string[] }>();

  const reclaimAll = async (issue: IssuedId) => {
    const items = issue.holders
      .filter((h) => h.balance > 0n)
      .map((h) => ({
        key: holdingKey(issue.id, h.holder),
        // type(uint256).max: the holder's whole balance when the reclaim is mined.
        call: { address: aat, abi: aatAbi, functionName: "reclaim", args: [h.holder, issue.id, maxUint256] } as const,
      }));
    batch.reset();
    setReclaiming({ id: issue.id, keys: items.map((i) => i.key) });
    await batch.run(items);
  };

  if (issued.isPending)
    return (
      <div className="card">
        <BatchProgress label="Reading what you issued from the chain's logs" done={step} total={LOAD_STEPS} verb="steps done" />
      </div>
    );
  if (issued.isError)
    return (
      <p role="alert" className="tx failed">
        Could not read what you issued: {explain(issued.error)}{" "}
        <button type="button" className="secondary" onClick={() => issued.refetch()}>
          Try again
        </button>
      </p>
    );
  if (issued.data.length === 0)
    return (
      <p className="notice">
        This account has issued no credits yet: it is the origin pool of no id. Issue some under <a href="#/issue">Issue credits</a>.
      </p>
    );
  return (
    <>
      <p className="notice">
        {issued.data.length} {issued.data.length === 1 ? "id" : "ids"} issued by this account, newest first.
        {issued.isFetching && " Refreshing…"}
      </p>
      {issued.data.map((issue) => (
        <IssuedCard
          key={idHex(issue.id)}
          issue={issue}
          now={now}
          run={reclaiming?.id === issue.id ? reclaiming : undefined}
          states={batch.states}
          busy={batch.running}
          onReclaim={reclaimAll}
        />
      ))}
    </>
  );
}
