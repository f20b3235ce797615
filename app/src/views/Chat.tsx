// Chat: ask the provider's gateway, and pay each answer with a voucher the
// wallet signs (EIP-712; no transaction, no gas). The holder picks the model
// and which of their credits pay; each answer shows what it cost, what is
// owed to the provider in total and the provider's signed usage receipt.
import { useQuery } from "@tanstack/react-query";
import { useId, useState } from "react";
import type { Address } from "viem";
import { useConfig, useConnection, usePublicClient, useReadContract } from "wagmi";
import { signTypedData } from "wagmi/actions";
import { readAatDomain } from "x402-aat-voucher";
import { ChatAnswer, type Turn } from "../components/ChatAnswer";
import { useAppConfig } from "../context";
import { aatAbi } from "../generated/abi";
import { toBytes16 } from "../lib/bytes16";
import { utcWords } from "../lib/chainClock";
import { type ChatPhase, GatewayRefusal, fetchModels, fetchOffer, maxCost, paidChat, voucherScheme } from "../lib/gateway";
import { type Holding, useHoldings } from "../lib/holdings";
import { expiryWords, modelName, scopeName } from "../lib/policy";
import { formatCredits, shortAddress } from "../lib/units";

const PHASE_WORDS: Record<ChatPhase, string> = {
  asking: "Asking the provider for its price…",
  signing: "Waiting for your wallet to sign the voucher…",
  answering: "Waiting for the answer…",
};

const ZERO = "0x0000000000000000000000000000000000000000";

export default function Chat() {
  const config = useAppConfig();
  const wagmi = useConfig();
  const client = usePublicClient();
  const { address } = useConnection();
  const formId = useId();

  const models = useQuery({ queryKey: ["gateway-models", config.gateway], queryFn: () => fetchModels(config.gateway) });
  const [modelChoice, setModelChoice] = useState("");
  const model = models.data?.find((m) => m.name === modelChoice) ?? models.data?.[0];
  const offer = useQuery({
    queryKey: ["gateway-offer", config.gateway, model?.name],
    enabled: !!model,
    queryFn: () => fetchOffer(config.gateway, model!.name),
  });
  const domain = useQuery({
    queryKey: ["aat-domain", config.aat],
    enabled: !!client,
    staleTime: Infinity,
    queryFn: () => readAatDomain(client as unknown as Parameters<typeof readAatDomain>[0], config.aat),
  });
  const { holdings, now, error: holdingsError } = useHoldings(address);
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
  const delegated = channelSigner !== ZERO && channelSigner.toLowerCase() !== address?.toLowerCase();

  const [question, setQuestion] = useState("");
  const [maxTokensText, setMaxTokensText] = useState("64");
  const [problems, setProblems] = useState<{ question?: string; maxTokens?: string; id?: string }>({});
  const [turns, setTurns] = useState<Turn[]>([]);
  const [phase, setPhase] = useState<ChatPhase | undefined>();

  const history = turns.flatMap((t) =>
    t.answer ? [{ role: "user", content: t.question }, { role: "assistant", content: t.answer.reply }] : [],
  );
  const maxTokens = Number(maxTokensText);
  const body = (text: string) =>
    JSON.stringify({ model: model?.name, messages: [...history, { role: "user", content: text }], max_tokens: maxTokens });
  const validTokens = Number.isInteger(maxTokens) && maxTokens >= 1 && maxTokens <= (model?.maxTokens ?? 0);
  const bound = model && validTokens ? maxCost(model, body(question), maxTokens) : undefined;

  async function ask(event: React.FormEvent) {
    event.preventDefault();
    const text = question.trim();
    const found = {
      question: text === "" ? "Write a question first." : undefined,
      maxTokens: validTokens ? undefined : `Enter a whole number of tokens from 1 to ${model?.maxTokens ?? "the model's limit"}.`,
      id: !holding
        ? "Choose the credits that pay for this question."
        : delegated
          ? `Your channel with this provider names the key ${shortAddress(channelSigner)} to sign its vouchers, so vouchers from this wallet can't draw on it.`
          : undefined,
    };
    setProblems(found);
    if (found.question || found.maxTokens || found.id || !model || !address || !domain.data || !holding) return;
    const scheme = voucherScheme(address, holding.id, domain.data, (args) =>
      signTypedData(wagmi, { account: address, ...args } as Parameters<typeof signTypedData>[1]),
    );
    const turn: Turn = { question: text, model: modelName(model.name) };
    try {
      const sent = body(text);
      turn.answer = await paidChat({
        gateway: config.gateway,
        chainId: config.chainId,
        aat: config.aat,
        scheme,
        body: sent,
        bound: maxCost(model, sent, maxTokens),
        onPhase: setPhase,
      });
      setQuestion("");
    } catch (error) {
      turn.refusal = error instanceof GatewayRefusal ? error : new GatewayRefusal(String(error));
    } finally {
      setPhase(undefined);
      setTurns((list) => [...list, turn]);
      void channel.refetch();
    }
  }

  // The running total of the credits chosen now (each id is its own account with the provider).
  const lastPaid = [...turns].reverse().find((t) => t.answer && BigInt(t.answer.receipt.id) === holding?.id)?.answer;
  const err = (field: keyof typeof problems) => (problems[field] ? `${formId}-${field}-error` : undefined);

  return (
    <>
      <section className="card" aria-labelledby="chat-setup">
        <h2 id="chat-setup">Model and credits</h2>
        {models.isPending && <p role="status">Reading the provider's models…</p>}
        {models.error && <p role="alert">{models.error.message}</p>}
        {models.data && models.data.length === 0 && <p className="notice">The provider's gateway serves no priced model.</p>}
        {model && (
          <>
            <label htmlFor={`${formId}-model`}>Model</label>
            <select id={`${formId}-model`} value={model.name} onChange={(e) => setModelChoice(e.target.value)}>
              {models.data!.map((m) => (
                <option key={m.name} value={m.name}>
                  {modelName(m.name)}
                </option>
              ))}
            </select>
            <span className="hint">
              {formatCredits(model.promptPrice)} per prompt token, {formatCredits(model.completionPrice)} per answer token;
              answers of at most {model.maxTokens} tokens.
            </span>
          </>
        )}
        {offer.error && <p role="alert">{offer.error.message}</p>}
        {domain.error && <p role="alert">The credits contract's signing domain could not be read: {domain.error.message}</p>}
        {holdingsError && <p role="alert">Your credits could not be read: {holdingsError.message}</p>}
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
              <p data-testid="channel" className={locked > 0n ? undefined : "notice"}>
                {locked > 0n ? (
                  `Locked in your channel with the provider ${shortAddress(provider)}: ${formatCredits(locked)}, until ${utcWords(channelEnd)}.`
                ) : (
                  <>
                    You have no channel with the provider {shortAddress(provider)} for these credits. It may take vouchers only against
                    credits locked in one: lock some under <a href="#/credits">My credits</a>.
                  </>
                )}
              </p>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="chat-conversation">
        <h2 id="chat-conversation">Conversation</h2>
        {turns.length === 0 && <p className="notice">Each answer is paid by a voucher your wallet signs: no transaction, no gas.</p>}
        {turns.map((turn, i) => (
          <ChatAnswer key={i} turn={turn} index={i + 1} />
        ))}
        {lastPaid && (
          <p data-testid="running-total">
            <strong>Owed to the provider for these credits so far: {formatCredits(lastPaid.owed)}</strong> (settled on chain by the
            provider from your vouchers).
          </p>
        )}
        {phase && (
          <p role="status" className="tx pending">
            {PHASE_WORDS[phase]}
          </p>
        )}
        <form onSubmit={ask} noValidate>
          <label htmlFor={`${formId}-question`}>Your question</label>
          <textarea
            id={`${formId}-question`}
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
              {bound !== undefined &&
                `This question can cost at most ${formatCredits(bound)}; you pay only for the tokens used.`}
            </span>
          )}
          <p>
            <button type="submit" disabled={!!phase || !model || !domain.data}>
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
