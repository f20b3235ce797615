// The issue form's policy: model, scope, last day of use, reclaimable and
// tradable, each field with its hint and, when wrong, its problem.
import type { PricedModel } from "../lib/models";
import { OTHER_MODEL, type PolicyErrors, type PolicyInput } from "../lib/policyForm";
import { utcDate } from "../lib/chainClock";
import { formatTokenAI } from "../lib/units";

interface Props {
  input: PolicyInput;
  onChange: (input: PolicyInput) => void;
  models: PricedModel[] | undefined;
  modelsNote?: string;
  errors: PolicyErrors;
  now: number | undefined;
  locked: boolean;
}

/** aria props for a field and its problem's span. */
function described(id: string, error: string | undefined, hint?: string) {
  const ids = [hint, error ? `${id}-error` : undefined].filter(Boolean).join(" ");
  return { id, "aria-invalid": error ? true : undefined, "aria-describedby": ids || undefined };
}

function FieldError({ id, error }: { id: string; error?: string }) {
  return error ? (
    <span className="field-error" id={`${id}-error`}>
      {error}
    </span>
  ) : null;
}

function priceWords(model: PricedModel): string {
  const price = model.price !== undefined ? `${formatTokenAI(model.price)} a credit` : "no price on chain";
  return `${model.name} (${price}${model.onGateway ? "" : "; not served by this gateway"})`;
}

export function PolicyFields({ input, onChange, models, modelsNote, errors, now, locked }: Props) {
  const set = (patch: Partial<PolicyInput>) => onChange({ ...input, ...patch });
  const selected = input.model || models?.[0]?.name || "";
  return (
    <fieldset className="card" disabled={locked}>
      <legend>
        <h2>Policy</h2>
      </legend>
      <label htmlFor="policy-model">Model</label>
      <select {...described("policy-model", input.model === OTHER_MODEL ? undefined : errors.model, "policy-model-hint")} value={selected} onChange={(e) => set({ model: e.target.value })}>
        {!models && <option value="">Loading the priced models…</option>}
        {models?.map((m) => (
          <option key={m.name} value={m.name}>
            {priceWords(m)}
          </option>
        ))}
        <option value={OTHER_MODEL}>Another model…</option>
      </select>
      <span className="hint" id="policy-model-hint">
        The AI model these credits pay for.{modelsNote && ` ${modelsNote}`}
      </span>
      {input.model !== OTHER_MODEL && <FieldError id="policy-model" error={errors.model} />}
      {input.model === OTHER_MODEL && (
        <>
          <label htmlFor="policy-other-model">Model name</label>
          <input {...described("policy-other-model", errors.model, "policy-other-hint")} value={input.otherModel} onChange={(e) => set({ otherModel: e.target.value })} />
          <span className="hint" id="policy-other-hint">
            As the provider names it, at most 16 bytes.
          </span>
          <FieldError id="policy-other-model" error={errors.model} />
        </>
      )}

      <label htmlFor="policy-scope">Scope</label>
      <input {...described("policy-scope", errors.scope, "policy-scope-hint")} value={input.scope} onChange={(e) => set({ scope: e.target.value })} />
      <span className="hint" id="policy-scope-hint">
        What the credits may be used for, such as a course code (at most 16 bytes). Empty: any use.
      </span>
      <FieldError id="policy-scope" error={errors.scope} />

      <label htmlFor="policy-expiry">Last day of use</label>
      <input
        type="date"
        {...described("policy-expiry", errors.expiry, "policy-expiry-hint")}
        value={input.expiry}
        min={now !== undefined ? utcDate(now) : undefined}
        disabled={input.never}
        onChange={(e) => set({ expiry: e.target.value })}
      />
      <span className="hint" id="policy-expiry-hint">
        The credits stop working at the end of this day (24:00 UTC) by the chain's clock
        {now !== undefined && <>, whose date today is {utcDate(now)}</>}.
      </span>
      <FieldError id="policy-expiry" error={errors.expiry} />
      <label>
        <input type="checkbox" checked={input.never} onChange={(e) => set({ never: e.target.checked })} /> Never expires
      </label>

      <label>
        <input type="checkbox" checked={input.reclaimable} onChange={(e) => set({ reclaimable: e.target.checked })} /> Reclaimable
        <span className="hint">You can take back what holders have not used (for example after the course).</span>
      </label>
      <label>
        <input type="checkbox" checked={input.tradable} onChange={(e) => set({ tradable: e.target.checked })} /> Tradable
        <span className="hint">Holders may give or sell the credits to others. Unticked: they can only use them, or return them to you.</span>
      </label>
    </fieldset>
  );
}
