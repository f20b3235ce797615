// The app's one setting: `config.json` beside `index.html`. It is the file
// `aat-demo --keep --write-env` writes (served without its dev keys), so an
// institution hosting the app writes the same fields for its own chain.
import { type Address, type Hex, isAddress } from "viem";

export interface AppConfig {
  /** The chain's JSON-RPC URL, as a wallet is told to add it. */
  rpcUrl: string;
  chainId: number;
  /** A name for the chain in the wallet (default: "AI Access Rails devnode"). */
  chainName?: string;
  tokenAI: Address;
  aat: Address;
  exchange: Address;
  /** The provider's gateway (OpenAI-compatible, paid over x402). */
  gateway: string;
  /** The order relay. */
  market: string;
  /** The gateway's provider address, when known (vouchers and channels name it). */
  provider?: Address;
  /** Names for addresses, as hints ("University can reclaim it"): optional. */
  accounts: { name: string; address: Address }[];
  /** Names for AAT ids, as hints (the demo's CS101, GIFT, LLAMA): optional. */
  ids?: Record<string, Hex>;
}

/** What is wrong with a config, field by field. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`config.json: ${problems.join("; ")}`);
  }
}

/** Checks every field a view relies on; the rest of the file is ignored. */
export function parseConfig(raw: unknown): AppConfig {
  const problems: string[] = [];
  const value = (raw ?? {}) as Record<string, unknown>;
  const url = (field: string) => {
    const text = value[field];
    if (typeof text !== "string" || !/^https?:\/\//.test(text)) problems.push(`${field} must be an http(s) URL`);
    return String(text ?? "").replace(/\/+$/, "");
  };
  const address = (field: string, optional = false) => {
    const text = value[field];
    if (text === undefined && optional) return undefined;
    if (typeof text !== "string" || !isAddress(text)) problems.push(`${field} must be a 0x address`);
    return text as Address;
  };
  const config: AppConfig = {
    rpcUrl: url("rpcUrl"),
    chainId: Number(value.chainId),
    chainName: typeof value.chainName === "string" ? value.chainName : undefined,
    tokenAI: address("tokenAI")!,
    aat: address("aat")!,
    exchange: address("exchange")!,
    gateway: url("gateway"),
    market: url("market"),
    provider: address("provider", true),
    accounts: namedAccounts(value.accounts),
    ids: namedIds(value.ids),
  };
  if (!Number.isSafeInteger(config.chainId) || config.chainId <= 0) problems.push("chainId must be a positive integer");
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The named accounts of the demo's file (its "Free" ones are nobody's). */
function namedAccounts(raw: unknown): { name: string; address: Address }[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((entry: { name?: unknown; address?: unknown }) =>
    typeof entry?.name === "string" && entry.name !== "Free" && typeof entry.address === "string" && isAddress(entry.address)
      ? [{ name: entry.name, address: entry.address }]
      : [],
  );
}

/** The named ids of the demo's file; an entry that is not a hex id is left out (they are hints). */
function namedIds(raw: unknown): Record<string, Hex> | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const entries = Object.entries(raw).filter((entry): entry is [string, Hex] => typeof entry[1] === "string" && /^0x[0-9a-f]{1,64}$/i.test(entry[1]));
  return Object.fromEntries(entries);
}

/** Fetches and checks `config.json` (relative to the page, so any path works). */
export async function loadConfig(): Promise<AppConfig> {
  const response = await fetch("./config.json", { cache: "no-store" });
  if (!response.ok) throw new ConfigError([`config.json could not be read (HTTP ${response.status})`]);
  return parseConfig(await response.json());
}
