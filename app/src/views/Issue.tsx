// Issue credits (an institution): a policy, the id it makes and what it
// means in words, recipients from CSV checked line by line, then one mint
// per recipient with a progress bar, each line's state, and a retry of the
// lines that failed. A minter mints directly; any other account buys the
// credits with TokenAI and becomes their origin pool.
import { useMemo, useRef, useState } from "react";
import { useConfig, useConnection, useReadContract, useReadContracts } from "wagmi";
import { BatchProgress } from "../components/BatchProgress";
import { PolicyFields } from "../components/PolicyFields";
import { Recipients, rowKey } from "../components/Recipients";
import { TokenAIApproval, useTokenAICost } from "../components/TokenAIPath";
import { useAppConfig } from "../context";
import { aatAbi } from "../generated/abi";
import { useBatch } from "../lib/batch";
import { useChainNow } from "../lib/chainClock";
import { explain } from "../lib/errors";
import { parseRecipients } from "../lib/csv";
import { usePricedModels } from "../lib/models";
import { describePolicy, modelName } from "../lib/policy";
import { EMPTY_POLICY_INPUT, checkPolicy } from "../lib/policyForm";
import { mintWithTokenAICall, priceRaised } from "../lib/purchase";
import { computeTokenId, idHex } from "../lib/tokenId";
import { formatCredits, shortAddress } from "../lib/units";

export default function Issue() {
  const { aat } = useAppConfig();
  const wagmi = useConfig();
  const { address } = useConnection();
  const now = useChainNow();
  const models = usePricedModels();
  const minter = useReadContract({ address: aat, abi: aatAbi, functionName: "isMinter", args: [address!], query: { enabled: !!address } });
  const [input, setInput] = useState(EMPTY_POLICY_INPUT);
  const [csv, setCsv] = useState("");
  const [tried, setTried] = useState(false);
  const [priceProblem, setPriceProblem] = useState<string>();
  const summary = useRef<HTMLDivElement>(null);
  // Set while the price is read again before a send: a second click then sends nothing.
  const sending = useRef(false);
  const batch = useBatch();
  const parsed = useMemo(() => parseRecipients(csv), [csv]);

  const checked = checkPolicy(input, address, models.data?.models[0]?.name, now);
  const { policy } = checked;
  const fieldErrors = tried ? { ...checked.missing, ...checked.errors } : checked.errors;
  const id = policy ? computeTokenId(policy) : undefined;
  const existing = useReadContracts({
    contracts: [{ address: aat, abi: aatAbi, functionName: "totalSupply", args: [id!] }],
    query: { enabled: id !== undefined },
  });
  const supply = existing.data?.[0]?.result;

  // A send covers every valid line; after that, a retry covers only the failed ones.
  const toSend = batch.started ? parsed.valid.filter((r) => batch.failed.includes(rowKey(r))) : parsed.valid;
  const toSendTotal = toSend.reduce((sum, r) => sum + r.amount, 0n);
  const viaTokenAI = minter.data === false;
  const cost = useTokenAICost(viaTokenAI ? policy?.model : undefined, toSendTotal);
  const approved = !viaTokenAI || (cost.cost !== undefined && cost.allowance !== undefined && cost.allowance >= cost.cost);

  const invalidLines = parsed.rows.length - parsed.valid.length;
  const recipientsError =
    parsed.rows.length === 0
      ? "Paste or upload at least one recipient."
      : invalidLines > 0
        ? `${invalidLines} ${invalidLines === 1 ? "line has a problem" : "lines have problems"} (see the table): nothing is sent until every line is right.`
        : undefined;
  const problems = [...Object.values({ ...checked.missing, ...checked.errors }), recipientsError].filter(Boolean) as string[];
  if (problems.length === 0 && !policy) problems.push("The chain's clock is still being read: try again in a moment.");

  const send = async () => {
    if (sending.current || batch.running) return;
    setTried(true);
    setPriceProblem(undefined);
    if (problems.length > 0 || !policy) {
      summary.current?.focus();
      return;
    }
    if (viaTokenAI) {
      // The allowance may cover more than the cost shown: nothing burns more than it.
      sending.current = true;
      let raised: string | undefined;
      try {
        raised = cost.cost === undefined ? "The price is still being read: try again in a moment." : await priceRaised(wagmi, aat, policy.model, toSendTotal, cost.cost);
      } catch (error) {
        raised = explain(error);
      } finally {
        sending.current = false;
      }
      if (raised) {
        setPriceProblem(raised);
        void cost.refetch();
        return summary.current?.focus();
      }
    }
    const { model, scope, expiration, reclaimable, tradable } = policy;
    await batch.run(
      toSend.map((row) => ({
        key: rowKey(row),
        call: viaTokenAI
          ? mintWithTokenAICall(aat, row.address, policy, row.amount)
          : { address: aat, abi: aatAbi, functionName: "mint", args: [row.address, policy.originPool, model, scope, expiration, reclaimable, tradable, row.amount] },
      })),
    );
  };
  const startOver = () => {
    batch.reset();
    setCsv("");
    setTried(false);
  };

  const locked = batch.started;
  const total = parsed.valid.length;
  return (
    <>
      <p className="notice">
        Issue credits for an AI model to your students, staff or grantees: write the policy, list the recipients, and send. Each
        recipient gets one transaction, signed in your wallet.
      </p>
      <PolicyFields
        input={input}
        onChange={setInput}
        models={models.data?.models}
        modelsNote={models.data?.gatewayError && `The gateway's list could not be read (${models.data.gatewayError}); the models priced on chain are listed.`}
        errors={fieldErrors}
        now={now}
        locked={locked}
      />
      <section className="card" aria-labelledby="issue-id-title">
        <h2 id="issue-id-title">The credits</h2>
        {policy && id !== undefined && now !== undefined ? (
          <dl>
            <dt>Token id</dt>
            <dd>
              <code data-testid="token-id" className="wrap">
                {idHex(id)}
              </code>
            </dd>
            <dt>In words</dt>
            <dd data-testid="policy-words">{describePolicy(policy, now, "you")}</dd>
            <dt>Issued so far</dt>
            <dd>{supply === undefined ? "reading…" : supply === 0n ? "none: this is a new id" : locked ? formatCredits(supply) : `${formatCredits(supply)}; these add to them`}</dd>
          </dl>
        ) : (
          <p className="notice">Complete the policy to see the id it makes and what it means.</p>
        )}
      </section>
      <Recipients text={csv} onText={setCsv} parsed={parsed} states={batch.states} attempts={batch.attempts} locked={locked} error={tried || invalidLines > 0 ? recipientsError : undefined} />
      <section className="card" aria-labelledby="issue-send-title">
        <h2 id="issue-send-title">Send</h2>
        {viaTokenAI && (
          <p>
            Issuing directly requires the minter role, which {address && shortAddress(address)} does not have (the operator grants it
            to institutions that pay in fiat). You can buy the credits with TokenAI instead: you become their origin pool, so the id
            and policy are the same, and you pay the model's price per credit.
          </p>
        )}
        {viaTokenAI && policy && <TokenAIApproval modelName={modelName(checked.modelName)} credits={toSendTotal} cost={cost} disabled={batch.running} />}
        <div ref={summary} tabIndex={-1}>
          {priceProblem && (
            <p role="alert" className="tx failed">
              {priceProblem}
            </p>
          )}
          {tried && problems.length > 0 && (
            <div role="alert" className="tx failed">
              <p>Nothing was sent. Fix first:</p>
              <ul>
                {problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            </div>
          )}
        </div>
        {!locked && (
          <p>
            {viaTokenAI && policy && <>{approved ? "Then" : "Step 2"}: one transaction per recipient, each burning its share. </>}
            <button type="button" onClick={send} disabled={minter.data === undefined || !approved}>
              {viaTokenAI ? "Buy and issue" : "Issue"} {formatCredits(parsed.total)} to {total} {total === 1 ? "recipient" : "recipients"}
            </button>
          </p>
        )}
        {locked && (
          <>
            <BatchProgress label="Issuing" done={batch.mined} total={total} verb="sent" />
            {!batch.running && batch.failed.length > 0 && (
              <p role="alert" className="tx failed">
                {batch.failed.length} of {total} failed: each line's reason is in the table.
              </p>
            )}
            {!batch.running && batch.failed.length === 0 && (
              <p className="tx ok">
                All {total} recipients received their credits ({formatCredits(parsed.total)}).
              </p>
            )}
            {!batch.running && batch.failed.length > 0 && (
              <button type="button" onClick={send} disabled={!approved}>
                Retry failed rows
              </button>
            )}{" "}
            {!batch.running && (
              <button type="button" className="secondary" onClick={startOver}>
                Issue another batch
              </button>
            )}
          </>
        )}
      </section>
    </>
  );
}
