// An AAT id's policy in words: what a holder may do with it, and who may
// take it back. The words a holder reads; the id is keccak of the policy.
import type { Address } from "viem";
import { fromBytes16 } from "./bytes16";
import { shortAddress } from "./units";

export interface Policy {
  model: `0x${string}`;
  scope: `0x${string}`;
  /** Unix seconds; 0: never expires. */
  expiration: bigint;
  originPool: Address;
  reclaimable: boolean;
  tradable: boolean;
}

/** Known model names as people write them; others are shown as on chain. */
const MODEL_NAMES: Record<string, string> = {
  "gpt-4o-mini": "GPT-4o mini",
  "gpt-4o": "GPT-4o",
  "llama-3-70b": "Llama 3 70B",
  "claude-sonnet": "Claude Sonnet",
};

export function modelName(model: `0x${string}` | string): string {
  const text = model.startsWith("0x") ? fromBytes16(model as `0x${string}`) : model;
  return MODEL_NAMES[text] ?? text;
}

export function scopeName(scope: `0x${string}`): string {
  const text = fromBytes16(scope);
  return text === "" ? "any use" : text;
}

/** "expires in 12 days", "expired 3 hours ago", "never expires". */
export function expiryWords(expiration: bigint, now: number): string {
  if (expiration === 0n) return "never expires";
  const delta = Number(expiration) - now;
  const span = spanWords(Math.abs(delta));
  return delta > 0 ? `expires in ${span}` : `expired ${span} ago`;
}

function spanWords(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "day"],
    [3_600, "hour"],
    [60, "minute"],
  ];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const count = Math.floor(seconds / size);
      return `${count} ${name}${count === 1 ? "" : "s"}`;
    }
  }
  return "less than a minute";
}

/**
 * The policy as one line for its holder: "GPT-4o mini · CS101 · expires in
 * 12 days · not transferable · your issuer can reclaim it". `issuer` names
 * the origin pool when the app knows it (for example "your school").
 */
export function describePolicy(policy: Policy, now: number, issuer?: string): string {
  const who = issuer ?? `the issuer ${shortAddress(policy.originPool)}`;
  return [
    modelName(policy.model),
    scopeName(policy.scope),
    expiryWords(policy.expiration, now),
    policy.tradable ? "transferable" : "not transferable",
    policy.reclaimable ? `${who} can reclaim it` : "cannot be reclaimed",
  ].join(" · ");
}

/** The tuple `AAT.tokenConfig` returns, as a Policy. */
export function policyFromConfig(
  config: readonly [`0x${string}`, `0x${string}`, bigint, Address, boolean, boolean],
): Policy {
  const [model, scope, expiration, originPool, reclaimable, tradable] = config;
  return { model, scope, expiration, originPool, reclaimable, tradable };
}
