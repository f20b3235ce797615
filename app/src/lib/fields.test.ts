import { describe, expect, it } from "vitest";
import { addressProblem, creditsProblem } from "./fields";
import { typicalRequestCredits } from "./purchase";

const ADA = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";

describe("addressProblem", () => {
  it("accepts an address in one letter case or with a valid checksum", () => {
    expect(addressProblem(ADA)).toBeUndefined();
    expect(addressProblem(` ${ADA.toLowerCase()} `)).toBeUndefined();
    expect(addressProblem(`0x${ADA.slice(2).toUpperCase()}`)).toBeUndefined();
  });

  it("names what is wrong: empty, malformed, a checksum typo, zero, oneself", () => {
    expect(addressProblem("")).toMatch(/enter an address/);
    expect(addressProblem("0x1234")).toMatch(/not an address/);
    expect(addressProblem(ADA.replace("C44", "c44"))).toMatch(/checksum/);
    expect(addressProblem(`0x${"0".repeat(40)}`)).toMatch(/zero address/);
    expect(addressProblem(ADA, { self: ADA.toLowerCase() as `0x${string}` })).toBe("that is your own address");
  });
});

describe("creditsProblem", () => {
  it("wants a whole number of at least 1, within what is held", () => {
    expect(creditsProblem("1,000", 1000n)).toBeUndefined();
    expect(creditsProblem("0")).toBe("enter at least 1 credit");
    expect(creditsProblem("1.5")).toBe("enter a whole number of credits");
    expect(creditsProblem("11", 10n)).toBe("you hold only 10 credits");
  });
});

describe("typicalRequestCredits", () => {
  it("prices a 500-token prompt and a 250-token answer", () => {
    expect(typicalRequestCredits({ pricePerPromptToken: 1n, pricePerCompletionToken: 4n })).toBe(1500n);
  });
});
