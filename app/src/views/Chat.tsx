// Chat: ask the provider's gateway, and pay each answer with a voucher the
// wallet signs (EIP-712; no transaction, no gas). The holder picks the model
// and which of their credits pay; each answer shows what it cost with AAT's
// fee, the provider's signed usage receipt checked against the voucher, and
// what is owed in total. A voucher is signed only for a total this page has
// seen backed (lib/voucherGuard.ts); a larger one the gateway asks for is the
// person's to confirm.
import { useQuery } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import type { Address } from "viem";
import { useConfig, useConnection, usePublicClient, useReadContract } from "wagmi";
import { signTypedData } from "wagmi/actions";
import { readAatDomain } from "x402-aat-voucher";
import { ChatAnswer, ConsentPrompt, type Turn } from "../components/ChatAnswer";
import { useAppConfig } from "../context";
import { aatAbi } from "../generated/abi";
import { toBytes16 } from "../lib/bytes16";
import { useChainNow, utcWords } from "../lib/chainClock";
import { explain } from "../lib/errors";
import { type ChatPhase, GatewayRefusal, fetchModels, fetchOffer, maxCost, paidChat, voucherScheme } from "../lib/gateway";
import { type Holding, useHoldings } from "../lib/holdings";
import { expiryWords, modelName, scopeName } from "../lib/policy";
import { receiptProblems, withFeeWords } from "../lib/receipt";
import { formatCredits, shortAddress } from "../lib/units";
import { UnbackedVoucher, voucherBook } from "../lib/voucherGuard";

const PHASE_WORDS: Record<ChatPhase, string> = {
  asking: "Asking the provider for its price…",
  signing: "Waiting for your wallet to sign the voucher…",
  answering: "Waiting for the answer…",
};

const ZERO = "0x0000000000000000000000000000000000000000";

type Field = "id" | "question" | "maxTokens";

export default function Chat() {
  const config = useAppConfig();
  const wagmi = useConfig();
  const client = usePublicClient();
  const { address } = useConnection();
  const formId = useId();

  const models = useQuery({ queryKey: ["gateway-models", config.gateway], queryFn: () => fetchModels(config.gateway) });
  const [modelChoice, setModelChoice] = useState("");
  const model = models.data?.find((m) => m.id === modelChoice) ?? models.data?.[0];
  const offer = useQuery({
    queryKey: ["gateway-offer", config.gateway, model?.id],
    enabled: !!model,
    queryFn: () => fetchOffer(config.gateway, model!.id),
  });
  const domain = useQuery({
    queryKey: ["aat-domain", config.aat],
    enabled: !!client,
    staleTime: Infinity,
    queryFn: () => readAatDomain(client as unknown as Parameters<typeof readAatDomain>[0], config.aat),
  });
  const feeBps = useReadContract({ address: config.aat, abi: aatAbi, functionName: "feeBps" }).data;
  const { holdings, now: loadedAt, error: holdingsError } = useHoldings(address);
  // The chain's clock moves on while the page is open: expiry and ended channels follow it.
  const chainNow = useChainNow();
  const now = loadedAt === undefined ? undefined : Math.max(loadedAt, chainNow ?? 0);
  const payable = payableHoldings(holdings, model?.aatModel, offer.data, now);

  const [idChoice, setIdChoice] = useState("");
  const holding = payable.find((h) => h.id.toString() === idChoice) ?? payable[0];
  const provider = offer.data?.provider;
  const channel = useReadContract({
    address: config.aat,
    abi: aatAbi,
    functionName: "channelOf",
    args: [address!, provider!, holding?.id ?? 0n],
    query: { enabled: !!address && !!provider && !!holding },
  });
  const [locked, channelEnd, channelSigner] = channel.data ?? [0n, 0n, ZERO];
  // A channel is open while block.timestamp < expiresAt; an ended one no longer decides who signs.
  const channelEnded = channelEnd > 0n && now !== undefined && channelEnd <= BigInt(now);
  const delegated = !channelEnded && channelSigner !== ZERO && channelSigner.toLowerCase() !== address?.toLowerCase();

  const [question, setQuestion] = useState("");
  const [maxTokensText, setMaxTokensText] = useState("64");
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [turns, setTurns] = useState<Turn[]>([]);
  const [phase, setPhase] = useState<ChatPhase | undefined>();
  const [consent, setConsent] = useState<{ unbacked: UnbackedVoucher; question: string }>();
  // A second submit while one is on its way does nothing (the button keeps focus, marked aria-disabled).
  const busy = useRef(false);
  const idField = useRef<HTMLSelectElement>(null);
  const questionField = useRef<HTMLTextAreaElement>(null);
  const maxTokensField = useRef<HTMLInputElement>(null);
  const statusLine = useRef<HTMLParagraphElement>(null);

  const history = turns.flatMap((t) =>
    t.answer ? [{ role: "user", content: t.question }, { role: "assistant", content: t.answer.reply }] : [],
  );
  const maxTokens = Number(maxTokensText);
  const body = (text: string) =>
    JSON.stringify({ model: model?.id, messages: [...history, { role: "user", content: text }], max_tokens: maxTokens });
  const validTokens = Number.isInteger(maxTokens) && maxTokens >= 1 && maxTokens <= (model?.maxTokens ?? 0);
  const bound = model && validTokens ? maxCost(model, body(question.trim()), maxTokens) : undefined;
  const ready = !!model && !!address && !!domain.data && !!provider && !!client;

  async function ask(event: React.FormEvent) {
    event.preventDefault();
    if (busy.current || !ready) return;
    const text = question.trim();
    const found: Partial<Record<Field, string>> = {
      id: !holding
        ? "Choose the credits that pay for this question."
        : delegated
          ? `Your channel with this provider names the key ${shortAddress(channelSigner)} to sign its vouchers, so vouchers from this wallet can't draw on it.`
          : undefined,
      question: text === "" ? "Write a question first." : undefined,
      maxTokens: validTokens ? undefined : `Enter a whole number of tokens from 1 to ${model?.maxTokens ?? "the model's limit"}.`,
    };
    setProblems(found);
    // The first field named wrong, in the page's order, takes the focus.
    const fields = { id: idField, question: questionField, maxTokens: maxTokensField };
    const first = (["id", "question", "maxTokens"] as const).find((f) => found[f] && fields[f].current);
    if (first) fields[first].current?.focus();
    if (found.id || found.question || found.maxTokens) return;
    await send(text);
  }

  /** Asks `text`, pays it by voucher and checks the provider's receipt; a total not seen backed waits for the person. */
  async function send(text: string) {
    if (!model || !address || !domain.data || !provider || !client || !holding) return;
    busy.current = true;
    setConsent(undefined);
    const sent = body(text);
    const maxUnits = maxCost(model, sent, maxTokens);
    const turn: Turn = { question: text, model: modelName(model.id), maxUnits, feeBps };
    const holder = address;
    const readSettled = (h: Address, p: Address, id: bigint) =>
      client.readContract({ address: config.aat, abi: aatAbi, functionName: "settledAmount", args: [h, p, id] });
    const scheme = voucherScheme(holder, holding.id, domain.data, (args) =>
      signTypedData(wagmi, { account: holder, ...args } as Parameters<typeof signTypedData>[1]), readSettled);
    try {
      const answer = await paidChat({
        gateway: config.gateway,
        chainId: config.chainId,
        aat: config.aat,
        scheme,
        body: sent,
        bound: maxUnits,
        onPhase: setPhase,
      });
      turn.answer = answer;
      turn.problems = await receiptProblems(answer.receipt, {
        holder,
        id: holding.id,
        provider,
        maxUnits,
        voucher: answer.voucher,
        domain: domain.data,
      });
      // Only a receipt that passed every check raises what the next voucher may be for.
      if (turn.problems.length === 0) voucherBook.recordReceipt(holder, provider, holding.id, BigInt(answer.receipt.cumulativeOwed));
      setQuestion("");
    } catch (error) {
      if (error instanceof UnbackedVoucher) {
        setConsent({ unbacked: error, question: text });
        return;
      }
      turn.refusal = error instanceof GatewayRefusal ? error : new GatewayRefusal(explain(error));
    } finally {
      busy.current = false;
      setPhase(undefined);
      void channel.refetch();
    }
    setTurns((list) => [...list, turn]);
  }

  function confirmConsent() {
    if (!consent || busy.current) return;
    const { holder, provider: to, id, claimed } = consent.unbacked;
    voucherBook.approve(holder, to, id, claimed);
    // The prompt's buttons go away: the status line, which says what happens next, takes the focus.
    statusLine.current?.focus();
    void send(consent.question);
  }

  // The running total of the credits chosen now (each id is its own account with the provider).
  const lastPaid = [...turns].reverse().find((t) => t.answer && BigInt(t.answer.receipt.id) === holding?.id);
  const err = (field: Field) => (problems[field] ? `${formId}-${field}-error` : undefined);
  const boundWords = bound === undefined ? undefined : feeBps === undefined ? formatCredits(bound) : withFeeWords(bound, feeBps);

  return (
    <>
      <section className="card" aria-labelledby="chat-setup">
        <h2 id="chat-setup">Model and credits</h2>
        {models.isPending && <p role="status">Reading the provider's models…</p>}
        {models.error && <p role="alert">{explain(models.error)}</p>}
        {models.data && models.data.length === 0 && <p className="notice">The provider's gateway serves no priced model.</p>}
        {model && (
          <>
            <label htmlFor={`${formId}-model`}>Model</label>
            <select id={`${formId}-model`} value={model.id} onChange={(e) => setModelChoice(e.target.value)}>
              {models.data!.map((m) => (
                <option key={m.id} value={m.id}>
                  {modelName(m.id)}
                </option>
              ))}
            </select>
            <span className="hint">
              {formatCredits(model.promptPrice)} per prompt token, {formatCredits(model.completionPrice)} per answer token;
              answers of at most {model.maxTokens} tokens.
              {feeBps !== undefined && ` Settling burns AAT's fee of ${feeBps / 100}% on top, rounded up.`}
            </span>
          </>
        )}
        {offer.error && <p role="alert">{explain(offer.error)}</p>}
        {domain.error && <p role="alert">The credits contract's signing domain could not be read: {explain(domain.error)}</p>}
        {holdingsError && <p role="alert">Your credits could not be read: {explain(holdingsError)}</p>}
        {model && !holdings && !holdingsError && <p role="status">Reading your credits…</p>}
        {model && holdings && offer.data && payable.length === 0 && (
          <p className="notice">
            You hold no unexpired credits for {modelName(model.aatModel)} that this provider takes. <a href="#/buy">Buy some</a>, or
            ask your institution for them.
          </p>
        )}
        {payable.length > 0 && holding && (
          <>
            <label htmlFor={`${formId}-id`}>Pay with</label>
            <select
              id={`${formId}-id`}
              ref={idField}
              value={holding.id.toString()}
              onChange={(e) => setIdChoice(e.target.value)}
              aria-invalid={!!problems.id}
              aria-describedby={err("id")}
            >
              {payable.map((h) => (
                <option key={h.id.toString()} value={h.id.toString()}>
                  {creditsWords(h, now)}
                </option>
              ))}
            </select>
            {problems.id && (
              <span className="field-error" id={err("id")}>
                {problems.id}
              </span>
            )}
            {channel.data && provider && (
              <p data-testid="channel" className={locked > 0n && !channelEnded ? undefined : "notice"}>
                {channelEnd === 0n ? (
                  <>
                    You have no channel with the provider {shortAddress(provider)} for these credits. It may take vouchers only against
                    credits locked in one: lock some under <a href="#/credits">My credits</a>.
                  </>
                ) : channelEnded ? (
                  <>
                    Your channel with the provider {shortAddress(provider)} ended at {utcWords(channelEnd)}
                    {locked > 0n && `; its ${formatCredits(locked)} return to you when it is closed`}. The provider takes vouchers only
                    against credits locked in an open channel: close it and lock some in a new one under <a href="#/credits">My credits</a>.
                  </>
                ) : (
                  `Locked in your channel with the provider ${shortAddress(provider)}: ${formatCredits(locked)}, until ${utcWords(channelEnd)}.`
                )}
              </p>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="chat-conversation">
        <h2 id="chat-conversation">Conversation</h2>
        {turns.length === 0 && <p className="notice">Each answer is paid by a voucher your wallet signs: no transaction, no gas.</p>}
        <div role="log" aria-live="polite" aria-labelledby="chat-conversation">
          {turns.map((turn, i) => (
            <ChatAnswer key={i} turn={turn} index={i + 1} />
          ))}
        </div>
        {lastPaid?.answer &&
          (lastPaid.problems?.length === 0 ? (
            <p data-testid="running-total">
              <strong>Owed to the provider for these credits so far: {formatCredits(BigInt(lastPaid.answer.receipt.cumulativeOwed))}</strong>{" "}
              (from its last receipt, checked; the provider settles it on chain from your vouchers
              {feeBps !== undefined && `, with AAT's fee of ${feeBps / 100}% on top`}).
            </p>
          ) : (
            <p data-testid="running-total" className="notice">
              The total owed is not shown: the provider's last receipt did not match what you signed. Your next voucher is for no more
              than this page has seen backed, unless you confirm more.
            </p>
          ))}
        {consent && <ConsentPrompt unbacked={consent.unbacked} feeBps={feeBps} onConfirm={confirmConsent} onDecline={() => setConsent(undefined)} />}
        <p role="status" ref={statusLine} tabIndex={-1} className={phase ? "tx pending" : undefined}>
          {phase && PHASE_WORDS[phase]}
        </p>
        <form onSubmit={ask} noValidate>
          <label htmlFor={`${formId}-question`}>Your question</label>
          <textarea
            id={`${formId}-question`}
            ref={questionField}
            rows={3}
            value={question}
            onChange={(e) => setQuestion(e.target.value)}
            aria-invalid={!!problems.question}
            aria-describedby={err("question")}
          />
          {problems.question && (
            <span className="field-error" id={err("question")}>
              {problems.question}
            </span>
          )}
          <label htmlFor={`${formId}-max`}>Longest answer (tokens)</label>
          <input
            id={`${formId}-max`}
            ref={maxTokensField}
            inputMode="numeric"
            value={maxTokensText}
            onChange={(e) => setMaxTokensText(e.target.value)}
            aria-invalid={!!problems.maxTokens}
            aria-describedby={problems.maxTokens ? err("maxTokens") : `${formId}-bound`}
          />
          {problems.maxTokens ? (
            <span className="field-error" id={err("maxTokens")}>
              {problems.maxTokens}
            </span>
          ) : (
            <span className="hint" id={`${formId}-bound`}>
              {boundWords && `This question can cost at most ${boundWords}; you pay only for the tokens used.`}
            </span>
          )}
          <p>
            <button type="submit" aria-disabled={!!phase || !ready}>
              Ask and pay by voucher
            </button>
          </p>
        </form>
      </section>
    </>
  );
}

/** Held credits that pay for `aatModel` here: the model's, a scope and id the provider takes, unexpired, with units. */
function payableHoldings(
  holdings: Holding[] | undefined,
  aatModel: string | undefined,
  offer: { scopes: `0x${string}`[]; ids: bigint[]; provider: Address } | undefined,
  now: number | undefined,
): Holding[] {
  if (!holdings || !aatModel || !offer || now === undefined) return [];
  const model16 = toBytes16(aatModel).toLowerCase();
  return holdings.filter(
    (h) =>
      h.policy.model.toLowerCase() === model16 &&
      offer.scopes.includes(h.policy.scope.toLowerCase() as `0x${string}`) &&
      (offer.ids.length === 0 || offer.ids.includes(h.id)) &&
      (h.policy.expiration === 0n || h.policy.expiration > BigInt(now)) &&
      (h.balance > 0n || h.providers.some((p) => p.provider.toLowerCase() === offer.provider.toLowerCase() && p.locked > 0n)),
  );
}

function creditsWords(h: Holding, now: number | undefined): string {
  const parts = [scopeName(h.policy.scope), expiryWords(h.policy.expiration, now ?? 0), `${formatCredits(h.balance)} free`];
  if (h.locked > 0n) parts.push(`${formatCredits(h.locked)} locked`);
  return `${parts.join(" · ")} (id ${h.id.toString(16).slice(0, 8)}…)`;
}
