import { parseEther, zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { type HeldOrder, type Order, amountWords, fillTerms, feeOf, orderPriceWords, parseAmount, wantPaid } from "./market";

const MAKER = "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65";
const GIFT = 0x76f5n;
const LLAMA = 0x2cfbn;

function held(order: Partial<Order>): HeldOrder {
  const full: Order = {
    maker: MAKER,
    taker: zeroAddress,
    giveId: GIFT,
    giveAmount: 100n,
    wantId: 0n,
    wantAmount: parseEther("0.05"),
    expiry: 2_000_000_000n,
    nonce: 1n,
    ...order,
  };
  return { hash: "0x01", order: full, signature: "0x", remaining: full.giveAmount, fillable: full.giveAmount };
}

describe("the exchange's arithmetic", () => {
  it("charges the taker ceil(giveFill × wantAmount / giveAmount): never less than the maker's price", () => {
    const order = held({ giveAmount: 3n, wantAmount: 10n }).order;
    expect(wantPaid(order, 1n)).toBe(4n);
    expect(wantPaid(order, 3n)).toBe(10n);
  });

  it("rounds fees up, and charges none at zero basis points", () => {
    expect(feeOf(1n, 50n)).toBe(1n);
    expect(feeOf(parseEther("0.02"), 50n)).toBe(parseEther("0.0001"));
    expect(feeOf(123n, 0n)).toBe(0n);
  });

  it("takes the fee from the TokenAI the seller of credits receives", () => {
    const fees = { exchange: 50n, aat: 100n };
    // An ask: the taker pays TokenAI, the maker receives it less the fee.
    expect(fillTerms(held({}), 40n, fees)).toEqual({
      pay: parseEther("0.02"),
      receive: 40n,
      fee: parseEther("0.0001"),
      feeId: 0n,
      makerGets: parseEther("0.0199"),
    });
    // A bid: the taker sells credits and receives TokenAI less the fee.
    const bid = held({ giveId: 0n, giveAmount: parseEther("1"), wantId: GIFT, wantAmount: 1000n });
    expect(fillTerms(bid, parseEther("0.5"), fees)).toMatchObject({ pay: 500n, receive: parseEther("0.4975"), makerGets: 500n });
    // Credits for credits: each leg pays AAT's fee in kind.
    const swap = held({ wantId: LLAMA, wantAmount: 100n });
    expect(fillTerms(swap, 100n, fees)).toMatchObject({ pay: 100n, receive: 99n, fee: 1n, feeId: GIFT, makerGets: 99n });
  });

  it("states prices per credit, or per unit of the other credits", () => {
    expect(orderPriceWords(held({}).order, String)).toBe("0.0005 TAI per credit");
    const swap = held({ wantId: LLAMA, wantAmount: 150n }).order;
    expect(orderPriceWords(swap, (id) => (id === GIFT ? "GIFT" : "LLAMA"))).toBe("1.5 LLAMA per GIFT");
  });

  it("rounds a price against its reader: what they pay per credit up, what they receive down", () => {
    // 3 credits for 1 TAI: 0.3333… TAI a credit.
    const ask = held({ giveAmount: 3n, wantAmount: parseEther("1") }).order;
    expect(orderPriceWords(ask, String)).toBe("0.333334 TAI per credit");
    expect(orderPriceWords(ask, String, "maker")).toBe("0.333333 TAI per credit");
    // 1 TAI for 3 credits: the taker receives the TokenAI.
    const bid = held({ giveId: 0n, giveAmount: parseEther("1"), wantId: GIFT, wantAmount: 3n }).order;
    expect(orderPriceWords(bid, String)).toBe("0.333333 TAI per credit");
    expect(orderPriceWords(bid, String, "maker")).toBe("0.333334 TAI per credit");
    // 3 GIFT for 2 LLAMA: 0.6666… LLAMA a GIFT.
    const swap = held({ giveAmount: 3n, wantId: LLAMA, wantAmount: 2n }).order;
    const names = (id: bigint) => (id === GIFT ? "GIFT" : "LLAMA");
    expect(orderPriceWords(swap, names)).toBe("0.6667 LLAMA per GIFT");
    expect(orderPriceWords(swap, names, "maker")).toBe("0.6666 LLAMA per GIFT");
  });

  it("shows what is paid rounded up and what is received rounded down", () => {
    const pay = wantPaid(held({ giveAmount: 3n, wantAmount: parseEther("1") }).order, 1n);
    expect(amountWords(0n, pay, "up")).toBe("0.333334 TAI");
    expect(amountWords(0n, pay)).toBe("0.333333 TAI");
    expect(amountWords(GIFT, 7n, "up")).toBe("7 credits");
  });

  it("reads amounts in the side's unit and refuses zero", () => {
    expect(parseAmount(0n, "0.05")).toBe(parseEther("0.05"));
    expect(parseAmount(GIFT, "1,000")).toBe(1000n);
    expect(() => parseAmount(GIFT, "0")).toThrow("at least 1 credit");
    expect(() => parseAmount(0n, "0")).toThrow("above zero");
    expect(() => parseAmount(GIFT, "1.5")).toThrow("whole number");
  });
});
