// Market: the order relay's book for a pair (credits for TokenAI, or
// credits for other credits), filling an order on the exchange, and posting
// a signed order. Orders are signed off-chain; only fills and approvals are
// transactions.
import { useQuery } from "@tanstack/react-query";
import { useCallback, useId, useState } from "react";
import { useConnection, usePublicClient, useReadContract } from "wagmi";
import { OrderBook } from "../components/OrderBook";
import { PostOrder } from "../components/PostOrder";
import { useAppConfig } from "../context";
import { aatAbi, exchangeAbi } from "../generated/abi";
import { balanceOf } from "../lib/exchange";
import { useKnownTokens } from "../lib/knownTokens";
import { type HeldOrder, TOKEN_AI_ID, amountWords, fetchBook } from "../lib/market";
import { shortId } from "../lib/units";

export default function Market() {
  const config = useAppConfig();
  const client = usePublicClient();
  const { address } = useConnection();
  const formId = useId();
  const { tokens, ready, refresh: refreshHoldings } = useKnownTokens(address);
  const [giveChoice, setGiveChoice] = useState<string>();
  const [want, setWant] = useState(TOKEN_AI_ID.toString());
  // Until chosen: the first credits known, for TokenAI.
  const give = giveChoice ?? tokens.find((t) => t.id !== TOKEN_AI_ID)?.id.toString() ?? TOKEN_AI_ID.toString();
  const giveId = BigInt(give);
  const wantId = BigInt(want);
  const label = useCallback(
    (id: bigint) => tokens.find((t) => t.id === id)?.label.replace(/ \(.*\)$/, "") ?? `credits ${shortId(id)}`,
    [tokens],
  );

  const book = useQuery({
    queryKey: ["book", config.market, give, want],
    enabled: giveId !== wantId,
    refetchInterval: 5_000,
    queryFn: () => fetchBook(config.market, giveId, wantId),
  });
  const exchangeFee = useReadContract({ address: config.exchange, abi: exchangeAbi, functionName: "feeBps" });
  const aatFee = useReadContract({ address: config.aat, abi: aatAbi, functionName: "feeBps" });
  const balances = useQuery({
    queryKey: ["pair-balances", address, give, want],
    enabled: !!client && !!address,
    queryFn: () => Promise.all([balanceOf(client!, config, address!, giveId), balanceOf(client!, config, address!, wantId)]),
  });

  const afterTrade = () => {
    void book.refetch();
    void balances.refetch();
    void refreshHoldings();
  };
  const showPair = (held: HeldOrder) => {
    setGiveChoice(held.order.giveId.toString());
    setWant(held.order.wantId.toString());
    afterTrade();
  };

  const options = tokens.map((t) => (
    <option key={t.id.toString()} value={t.id.toString()}>
      {t.label}
    </option>
  ));
  return (
    <>
      <section className="card" aria-labelledby={`${formId}-book`}>
        <h2 id={`${formId}-book`}>Order book</h2>
        <div className="row">
          <div>
            <label htmlFor={`${formId}-give`}>Orders giving</label>
            <select id={`${formId}-give`} value={give} onChange={(e) => setGiveChoice(e.target.value)}>
              {options}
            </select>
          </div>
          <div>
            <label htmlFor={`${formId}-want`}>For</label>
            <select id={`${formId}-want`} value={want} onChange={(e) => setWant(e.target.value)}>
              {options}
            </select>
          </div>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setGiveChoice(want);
              setWant(give);
            }}
          >
            Swap sides
          </button>
        </div>
        {balances.data && (
          <p className="hint" data-testid="pair-balances">
            You hold {amountWords(giveId, balances.data[0])} and {amountWords(wantId, balances.data[1])}.
          </p>
        )}
        {giveId === wantId && <p className="notice">Choose two different things to see their book.</p>}
        {book.isPending && giveId !== wantId && <p role="status">Reading the book…</p>}
        {book.error && <p role="alert">{book.error.message}</p>}
        {book.data && exchangeFee.data !== undefined && aatFee.data !== undefined && (
          <OrderBook
            key={`${give}/${want}`}
            orders={book.data.orders}
            open={book.data.open}
            label={label}
            fees={{ exchange: BigInt(exchangeFee.data), aat: BigInt(aatFee.data) }}
            onFilled={afterTrade}
          />
        )}
        {exchangeFee.data !== undefined && (
          <p className="hint">
            The exchange's fee is {Number(exchangeFee.data) / 100}% of the TokenAI in each trade, paid by the side that sells credits.
          </p>
        )}
      </section>
      <section className="card">
        {ready ? (
          <PostOrder tokens={tokens} label={label} onPosted={showPair} />
        ) : (
          <p role="status">Reading what you hold…</p>
        )}
      </section>
    </>
  );
}
