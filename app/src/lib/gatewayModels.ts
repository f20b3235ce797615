// The gateway's models and prices (GET /v1/models) and a request's bound:
// what Issue, Buy and Chat read, kept apart from the x402 client so that the
// views that only price things do not load it.

export interface GatewayModel {
  /** The name requests use ("gpt-4o-mini"). */
  id: string;
  /** The model credits name on chain (their policy's bytes16, as text). */
  aatModel: string;
  /** Credits per prompt token. */
  promptPrice: bigint;
  /** Credits per answer (completion) token. */
  completionPrice: bigint;
  /** The longest answer, in tokens, the gateway allows. */
  maxTokens: number;
}

/**
 * The body of GET /v1/models as the models paid in credits: each entry with
 * an `aat` block (model, pricePerPromptToken, pricePerCompletionToken,
 * maxTokens). The app's one parser of it; entries it cannot read are left out.
 */
export function parseGatewayModels(body: unknown): GatewayModel[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) return [];
  return data.flatMap((entry: unknown) => {
    const { id, aat } = (entry ?? {}) as { id?: unknown; aat?: Record<string, unknown> };
    if (typeof id !== "string" || id === "" || !aat || typeof aat !== "object") return [];
    const promptPrice = wholeNumber(aat.pricePerPromptToken);
    const completionPrice = wholeNumber(aat.pricePerCompletionToken);
    const maxTokens = Number(aat.maxTokens);
    const aatModel = aat.model === undefined ? id : aat.model;
    if (promptPrice === undefined || completionPrice === undefined || typeof aatModel !== "string" || aatModel === "") return [];
    if (!Number.isSafeInteger(maxTokens) || maxTokens < 1) return [];
    return [{ id, aatModel, promptPrice, completionPrice, maxTokens }];
  });
}

/** GET /v1/models: the models the gateway serves for credits, with their prices per token. */
export async function fetchModels(gateway: string): Promise<GatewayModel[]> {
  const response = await reach(`${gateway}/v1/models`);
  if (!response.ok) throw new Error(`The provider's gateway did not list its models (HTTP ${response.status}).`);
  return parseGatewayModels(await response.json().catch(() => undefined));
}

/** The bound the gateway reserves for a request: (body bytes + 64) prompt tokens and `max_tokens` completion tokens. */
export function maxCost(model: GatewayModel, body: string, maxTokens: number): bigint {
  const promptTokens = BigInt(new TextEncoder().encode(body).length + 64);
  return promptTokens * model.promptPrice + BigInt(maxTokens) * model.completionPrice;
}

/** fetch, with an unreachable gateway in words. */
export async function reach(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new Error(`The provider's gateway could not be reached at ${new URL(url).origin}.`);
  }
}

/** A price as the gateway writes it (a JSON number or a decimal string), if it is a whole number of credits. */
export function wholeNumber(value: unknown): bigint | undefined {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  return typeof value === "string" && /^\d+$/.test(value) ? BigInt(value) : undefined;
}
