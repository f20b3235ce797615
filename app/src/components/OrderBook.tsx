// A pair's open orders, best price first for a taker, with what remains
// and what can be filled now; "Fill…" opens the fill form for one order (a
// disclosure: it says whether its form is open, and the focus moves into it).
import { useId, useState } from "react";
import { useConnection } from "wagmi";
import { utcWords } from "../lib/chainClock";
import { type Fees, type HeldOrder, amountWords, orderPriceWords } from "../lib/market";
import { shortAddress } from "../lib/units";
import { FillOrder } from "./FillOrder";

export function OrderBook({
  orders,
  open,
  label,
  fees,
  onFilled,
}: {
  orders: HeldOrder[];
  open: number;
  label: (id: bigint) => string;
  fees: Fees;
  onFilled: () => void;
}) {
  const { address } = useConnection();
  const [chosen, setChosen] = useState<HeldOrder>();
  const formId = useId();
  // The book's latest view of the chosen order; once filled in full it
  // leaves the book, and the form stays to show how its fill went.
  const selected = orders.find((o) => o.hash === chosen?.hash) ?? chosen;
  const fillForm = selected && <FillOrder key={selected.hash} id={formId} held={selected} label={label} fees={fees} onFilled={onFilled} />;
  if (orders.length === 0)
    return (
      <>
        <p className="notice">No open order gives this for that yet: post the first one below.</p>
        {fillForm}
      </>
    );
  const { giveId, wantId } = orders[0].order;
  return (
    <>
      <table>
        <caption>
          {open} open {open === 1 ? "order" : "orders"} giving {label(giveId)} for {label(wantId)}, best price first
          {open > orders.length && ` (the best ${orders.length} shown)`}.
        </caption>
        <thead>
          <tr>
            <th scope="col">Price</th>
            <th scope="col">Gives</th>
            <th scope="col">For</th>
            <th scope="col">Fillable now</th>
            <th scope="col">Maker</th>
            <th scope="col">Until</th>
            <th scope="col">
              <span className="hint">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {orders.map((held) => {
            const { order } = held;
            const mine = order.maker.toLowerCase() === address?.toLowerCase();
            return (
              <tr key={held.hash} data-order={held.hash}>
                <td>{orderPriceWords(order, label)}</td>
                <td>
                  {amountWords(order.giveId, held.remaining)} left of {amountWords(order.giveId, order.giveAmount)}
                </td>
                <td>{amountWords(order.wantId, order.wantAmount, "up")} in all</td>
                <td>{amountWords(order.giveId, held.fillable)}</td>
                <td title={order.maker}>{mine ? "you" : shortAddress(order.maker)}</td>
                <td>{utcWords(order.expiry)}</td>
                <td>
                  {!mine && (
                    <button
                      type="button"
                      className="secondary"
                      aria-expanded={chosen?.hash === held.hash}
                      aria-controls={chosen?.hash === held.hash ? formId : undefined}
                      aria-label={`Fill order ${held.hash.slice(0, 10)}`}
                      onClick={() => setChosen(chosen?.hash === held.hash ? undefined : held)}
                    >
                      Fill…
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {fillForm}
    </>
  );
}
