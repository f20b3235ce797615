import { zeroAddress } from "viem";
import { describe, expect, it } from "vitest";
import { parseRecipients } from "./csv";

const ADA = "0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc";
const ADA_CHECKSUM = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const ALAN = "0x90f79bf6eb2c4f870365e785982e1f101e93b906";

describe("parseRecipients", () => {
  it("reads rows after an optional header, with any address case and quoted fields", () => {
    const parsed = parseRecipients(`address,amount\r\n${ADA},100\n\n"${ALAN.toUpperCase().replace("0X", "0x")}", "2_500"\n`);
    expect(parsed.header).toBe(true);
    expect(parsed.rows.map((r) => r.line)).toEqual([2, 4]);
    expect(parsed.valid.map((r) => [r.address, r.amount])).toEqual([
      [ADA_CHECKSUM, 100n],
      ["0x90F79bf6EB2c4f870365E785982E1f101E93b906", 2500n],
    ]);
    expect(parsed.total).toBe(2600n);
  });

  it("takes a first line holding a recipient as a row, not a header", () => {
    const parsed = parseRecipients(`${ADA_CHECKSUM};7`);
    expect(parsed.header).toBe(false);
    expect(parsed.valid).toHaveLength(1);
    expect(parsed.valid[0].line).toBe(1);
  });

  it("names each line's problem", () => {
    const parsed = parseRecipients(
      [
        "address,amount",
        "0x1234,10",
        `${ADA},0`,
        `${zeroAddress},5`,
        `${ADA},1.5`,
        `${ADA},3`,
        `${ADA_CHECKSUM.replace("C44", "c44")},3`,
        `${ALAN},`,
        `${ALAN},4,extra`,
      ].join("\n"),
    );
    const problems = Object.fromEntries(parsed.rows.map((r) => [r.line, r.problems.join("; ")]));
    expect(problems[2]).toMatch(/not an address/);
    expect(problems[3]).toMatch(/amount is 0/);
    expect(problems[4]).toMatch(/zero address/);
    expect(problems[5]).toMatch(/repeats the address on line 3/);
    expect(problems[5]).toMatch(/not a whole number/);
    expect(problems[6]).toMatch(/repeats the address on line 3/);
    expect(problems[7]).toMatch(/does not match its checksum/);
    expect(problems[8]).toMatch(/amount is missing/);
    expect(problems[9]).toMatch(/has 3 fields/);
    expect(parsed.valid).toHaveLength(0);
    expect(parsed.total).toBe(0n);
  });

  it("refuses amounts beyond uint256", () => {
    expect(parseRecipients(`${ADA},${2n ** 256n}`).rows[0].problems).toEqual(["the amount is too large"]);
  });
});
