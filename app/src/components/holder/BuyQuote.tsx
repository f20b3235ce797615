// What a purchase costs, shown before anything is signed: the unit price,
// the total the contract quotes, the buyer's TokenAI, and what a typical
// request costs in credits and TokenAI. What the buyer pays is rounded up
// where it is cut to 6 decimals: never shown as less than it costs.
import { type RequestPricing, TYPICAL_COMPLETION_TOKENS, TYPICAL_PROMPT_TOKENS, typicalRequestCredits } from "../../lib/purchase";
import { formatCredits, formatTokenAI } from "../../lib/units";

interface QuoteProps {
  /** The model as requests to the gateway name it. */
  model: string;
  unitPrice: bigint;
  /** undefined until a valid amount is typed. */
  amount: bigint | undefined;
  total: bigint | undefined;
  balance: bigint | undefined;
  pricing: RequestPricing | undefined;
  /** The gateway's list could not be read (then no typical request is shown). */
  gatewayError?: string;
}

export function BuyQuote({ model, unitPrice, amount, total, balance, pricing, gatewayError }: QuoteProps) {
  const typical = pricing ? typicalRequestCredits(pricing) : undefined;
  return (
    <section className="card" aria-labelledby="quote-title">
      <h3 id="quote-title">Price</h3>
      <table>
        <tbody>
          <tr>
            <th scope="row">Unit price</th>
            <td>{formatTokenAI(unitPrice, "up")} per credit</td>
          </tr>
          <tr>
            <th scope="row">{amount === undefined ? "Total" : `Total for ${formatCredits(amount)}`}</th>
            <td>
              {amount === undefined ? "enter an amount" : total === undefined ? "asking the contract…" : formatTokenAI(total, "up")}
            </td>
          </tr>
          <tr>
            <th scope="row">Your TokenAI</th>
            <td>{balance === undefined ? "reading…" : formatTokenAI(balance)}</td>
          </tr>
          <tr>
            <th scope="row">A typical request</th>
            <td>
              {typical !== undefined && pricing ? (
                <>
                  a {TYPICAL_PROMPT_TOKENS.toString()}-token prompt and a {TYPICAL_COMPLETION_TOKENS.toString()}-token
                  answer = {formatCredits(typical)} ≈ {formatTokenAI(typical * unitPrice, "up")}
                  {typical > 0n &&
                    amount !== undefined &&
                    (amount >= typical
                      ? ` (these credits pay for about ${(amount / typical).toString()} such requests)`
                      : " (more than these credits cover)")}
                  <span className="hint">
                    The gateway charges {formatCredits(pricing.pricePerPromptToken)} per prompt token and{" "}
                    {formatCredits(pricing.pricePerCompletionToken)} per answer token for {model}.
                  </span>
                </>
              ) : gatewayError ? (
                `unknown: the gateway's price list could not be read (${gatewayError})`
              ) : (
                `unknown: the app's gateway does not serve ${model}`
              )}
            </td>
          </tr>
        </tbody>
      </table>
    </section>
  );
}
