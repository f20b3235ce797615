// The issue form's policy fields as typed, checked into a Policy (or each
// field's problem in words). Pure, so the form shows problems live and the
// send button refuses before anything reaches the wallet.
import type { Address } from "viem";
import { byteLength, toBytes16 } from "./bytes16";
import { endOfUtcDay, utcWords } from "./chainClock";
import type { Policy } from "./policy";

/** The select's value for "a model not in the list". */
export const OTHER_MODEL = "__other__";

export interface PolicyInput {
  /** A listed model's name, OTHER_MODEL, or "" (the first listed). */
  model: string;
  otherModel: string;
  scope: string;
  /** YYYY-MM-DD: the last day the credits work (UTC). */
  expiry: string;
  never: boolean;
  reclaimable: boolean;
  tradable: boolean;
}

export const EMPTY_POLICY_INPUT: PolicyInput = {
  model: "",
  otherModel: "",
  scope: "",
  expiry: "",
  never: false,
  reclaimable: true,
  tradable: false,
};

export interface PolicyErrors {
  model?: string;
  scope?: string;
  expiry?: string;
}

export interface CheckedPolicy {
  /** The model's name as it goes on chain. */
  modelName: string;
  policy?: Policy;
  /** Problems to show at once (too long, in the past). */
  errors: PolicyErrors;
  /** Problems to show once the form was submitted (a field left empty). */
  missing: PolicyErrors;
}

/**
 * `firstModel` stands in for an untouched select; `now` is the chain's
 * clock (undefined until read: the expiry cannot be judged yet).
 */
export function checkPolicy(input: PolicyInput, pool: Address | undefined, firstModel: string | undefined, now: number | undefined): CheckedPolicy {
  const errors: PolicyErrors = {};
  const missing: PolicyErrors = {};
  const modelName = (input.model === OTHER_MODEL ? input.otherModel : input.model || firstModel || "").trim();
  if (modelName === "") missing.model = "Choose a model, or type its name.";
  else if (byteLength(modelName) > 16) errors.model = `"${modelName}" is ${byteLength(modelName)} bytes; a model name fits in 16.`;
  const scope = input.scope.trim();
  if (byteLength(scope) > 16) errors.scope = `The scope is ${byteLength(scope)} bytes; at most 16 fit (for example a course code).`;
  let expiration: bigint | undefined = 0n;
  if (!input.never) {
    expiration = endOfUtcDay(input.expiry);
    if (expiration === undefined) missing.expiry = "Choose the last day the credits work, or tick “Never expires”.";
    else if (now !== undefined && expiration <= BigInt(now))
      errors.expiry = `That day is over by the chain's clock (now ${utcWords(now)}): choose a later day.`;
  }
  const complete = pool && expiration !== undefined && now !== undefined && !errors.model && !errors.scope && !errors.expiry && !missing.model;
  const policy: Policy | undefined = complete
    ? {
        model: toBytes16(modelName),
        scope: toBytes16(scope),
        expiration: expiration!,
        originPool: pool,
        reclaimable: input.reclaimable,
        tradable: input.tradable,
      }
    : undefined;
  return { modelName, policy, errors, missing };
}
