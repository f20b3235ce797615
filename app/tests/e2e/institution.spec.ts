// An institution issues credits: the University (a minter) writes a policy
// with a fresh scope (a new id on a shared chain), sees the id and its words,
// uploads a CSV of three fresh recipients and mints to each; a CSV with bad
// lines is refused line by line before anything reaches the wallet; a line
// the contract refuses fails in words and only it is retried; an account
// without the minter role buys the credits with TokenAI instead.
import { type Address, type Hex, createWalletClient, getAddress, http, parseEther, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { aatAbi, tokenAIAbi } from "../../src/generated/abi";
import { accountKey, chain, chainClient, checkA11y, demo, expect, freshAccount, openApp, shot, test } from "./fixtures";

const university = privateKeyToAccount(accountKey("University")).address;
const freshAddress = (): Address => privateKeyToAccount(generatePrivateKey()).address;
const idHex = (id: bigint): Hex => `0x${id.toString(16).padStart(64, "0")}`;
const chainNow = async () => Number((await chainClient.getBlock()).timestamp);
/** The chain's UTC date `days` after its clock's now, as a date input takes it. */
const chainDatePlus = async (days: number) => new Date(((await chainNow()) + days * 86_400) * 1000).toISOString().slice(0, 10);

async function fillPolicy(page: import("@playwright/test").Page, scope: string, lastDay: string) {
  await page.getByLabel("Model", { exact: true }).selectOption("gpt-4o-mini");
  await page.getByLabel("Scope", { exact: true }).fill(scope);
  await page.getByLabel("Last day of use").fill(lastDay);
  await page.getByLabel("Reclaimable").check();
  await page.getByLabel("Tradable").uncheck();
}

test("the University issues a new id to three recipients from an uploaded CSV", async ({ page }) => {
  const scope = `E2E-${Math.random().toString(36).slice(2, 10)}`;
  const lastDay = await chainDatePlus(2);
  // The credits stop at the end of that day (UTC): the next day's first second.
  const expiration = BigInt(Date.parse(`${lastDay}T00:00:00Z`) / 1000 + 86_400);
  const expected = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "computeTokenId",
    args: [university, stringToHex("gpt-4o-mini", { size: 16 }), stringToHex(scope, { size: 16 }), expiration, true, false],
  });
  const recipients = [
    { address: freshAddress(), amount: 100n },
    { address: freshAddress().toLowerCase() as Address, amount: 250n },
    { address: freshAddress(), amount: 75n },
  ];

  const wallet = await openApp(page, accountKey("University"), "issue");
  await expect(page.getByRole("heading", { level: 2, name: "Policy" })).toBeVisible();
  await fillPolicy(page, scope, lastDay);
  await expect(page.getByTestId("token-id")).toHaveText(idHex(expected));
  await expect(page.getByTestId("policy-words")).toHaveText(`GPT-4o mini · ${scope} · expires in 2 days · not transferable · you can reclaim it`);
  await expect(page.getByText("none: this is a new id")).toBeVisible();

  const csv = ["address,amount", ...recipients.map((r) => `${r.address},${r.amount}`)].join("\n");
  await page.getByLabel("Or upload a .csv file").setInputFiles({ name: "cohort.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByText("3 recipients, 425 credits in all")).toBeVisible();
  await expect(page.getByRole("cell", { name: "ready" })).toHaveCount(3);
  await checkA11y(page, "issue form");
  await shot(page, "issue-form");

  await page.getByRole("button", { name: "Issue 425 credits to 3 recipients" }).click();
  await expect(page.getByRole("status").filter({ hasText: "3 of 3 sent" })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText("All 3 recipients received their credits (425 credits).")).toBeVisible();
  await expect(page.getByRole("cell", { name: /^mined/ })).toHaveCount(3);
  await expect(page.getByRole("progressbar", { name: "Issuing" })).toHaveAttribute("value", "3");
  expect(wallet.sentTransactions).toHaveLength(3);

  const balances = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "balanceOfBatch",
    args: [recipients.map((r) => r.address), recipients.map(() => expected)],
  });
  expect(balances).toEqual(recipients.map((r) => r.amount));
  const config = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "tokenConfig", args: [expected] });
  expect(config.slice(2)).toEqual([expiration, university, true, false]);
  await checkA11y(page, "issue sent");
  await shot(page, "issue-sent");
});

test("a CSV with a bad address and a zero amount shows each line's problem and sends nothing", async ({ page }) => {
  const good = freshAddress();
  const zero = freshAddress();
  const wallet = await openApp(page, accountKey("University"), "issue");
  await fillPolicy(page, `E2E-${Math.random().toString(36).slice(2, 10)}`, await chainDatePlus(2));
  const csv = `address,amount\n0x12345,10\n${zero},0\n${good},5\n`;
  await page.getByLabel("Or upload a .csv file").setInputFiles({ name: "bad.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByText("Line 2: not an address: it must be 0x followed by 40 hex digits.")).toBeVisible();
  await expect(page.getByText("Line 3: the amount is 0: send at least 1 credit.")).toBeVisible();
  await expect(page.getByRole("cell", { name: "ready" })).toHaveCount(1);
  await expect(page.getByLabel("Recipients as CSV")).toHaveAttribute("aria-invalid", "true");

  await page.getByRole("button", { name: "Issue 5 credits to 1 recipient" }).click();
  const alert = page.getByRole("alert").filter({ hasText: "Nothing was sent" });
  await expect(alert).toContainText("2 lines have problems (see the table)");
  await checkA11y(page, "issue refused");
  await shot(page, "issue-bad-csv");
  expect(wallet.requests).not.toContain("eth_sendTransaction");
  expect(wallet.sentTransactions).toHaveLength(0);
  await expect(page.getByRole("progressbar")).toHaveCount(0);
  expect(await chainClient.getTransactionCount({ address: university, blockTag: "pending" })).toBe(
    await chainClient.getTransactionCount({ address: university }),
  );
});

test("a line the contract refuses fails in words, and a retry resends only that line", async ({ page }) => {
  // The TokenAI contract is a valid address that cannot receive ERC-1155 credits.
  const recipients = [freshAddress(), demo.tokenAI, freshAddress()];
  const wallet = await openApp(page, accountKey("University"), "issue");
  await fillPolicy(page, `E2E-${Math.random().toString(36).slice(2, 10)}`, await chainDatePlus(3));
  await page.getByLabel("Recipients as CSV").fill(recipients.map((r) => `${r},10`).join("\n"));
  await page.getByRole("button", { name: "Issue 30 credits to 3 recipients" }).click();
  await expect(page.getByRole("status").filter({ hasText: "2 of 3 sent" })).toBeVisible({ timeout: 60_000 });
  const failed = page.locator('tr[data-line="2"]');
  // The revert in words, not as a selector.
  const tokenAI = getAddress(demo.tokenAI);
  await expect(failed).toContainText(`failed: ${tokenAI.slice(0, 6)}…${tokenAI.slice(-4)} cannot receive credits`);
  await expect(page.getByRole("alert").filter({ hasText: "1 of 3 failed" })).toBeVisible();
  expect(wallet.sentTransactions).toHaveLength(2);
  const minedHashes = await page.locator('tr[data-line="1"], tr[data-line="3"]').allInnerTexts();

  await page.getByRole("button", { name: "Retry failed rows" }).click();
  await expect(failed).toContainText(`failed (try 2): ${tokenAI.slice(0, 6)}…${tokenAI.slice(-4)} cannot receive credits`);
  await expect(page.getByRole("button", { name: "Retry failed rows" })).toBeEnabled();
  // The mined lines were not sent again: same hashes, no new transaction, 10 credits each.
  expect(await page.locator('tr[data-line="1"], tr[data-line="3"]').allInnerTexts()).toEqual(minedHashes);
  expect(wallet.sentTransactions).toHaveLength(2);
  const id = BigInt((await page.getByTestId("token-id").innerText()).trim());
  const balances = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "balanceOfBatch",
    args: [[recipients[0], recipients[2]], [id, id]],
  });
  expect(balances).toEqual([10n, 10n]);
  await checkA11y(page, "issue with a failed line");
  await shot(page, "issue-retry");
});

test("an account without the minter role buys the credits with TokenAI, approving the total first", async ({ page }) => {
  const institution = await freshAccount();
  const operator = createWalletClient({ account: privateKeyToAccount(accountKey("Operator")), chain, transport: http(demo.rpcUrl) });
  const funded = await operator.writeContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "mint", args: [institution.address, parseEther("1")] });
  await chainClient.waitForTransactionReceipt({ hash: funded });
  const recipients = [freshAddress(), freshAddress()];

  const wallet = await openApp(page, institution.key, "issue");
  await fillPolicy(page, "NGO-grant", await chainDatePlus(30));
  await page.getByLabel("Recipients as CSV").fill(`${recipients[0]},100\n${recipients[1]},50`);
  await expect(page.getByText(/Issuing directly requires the minter role/)).toBeVisible();
  await expect(page.getByText("150 credits of GPT-4o mini cost 0.15 TAI. You hold 1 TAI.")).toBeVisible();
  const send = page.getByRole("button", { name: "Buy and issue 150 credits to 2 recipients" });
  await expect(send).toBeDisabled();
  await checkA11y(page, "issue with TokenAI");
  await shot(page, "issue-tokenai");

  // The same allowance step as Buy: a permit signed in the wallet, sent as one transaction.
  await page.getByRole("button", { name: "Approve 0.15 TAI" }).click();
  await expect(page.getByText(/^Permit sent: mined in block/)).toBeVisible();
  expect((wallet.signedTypedData[0] as { primaryType: string }).primaryType).toBe("Permit");
  await send.click();
  await expect(page.getByRole("status").filter({ hasText: "2 of 2 sent" })).toBeVisible({ timeout: 60_000 });
  expect(wallet.sentTransactions).toHaveLength(3);

  const id = BigInt((await page.getByTestId("token-id").innerText()).trim());
  const config = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "tokenConfig", args: [id] });
  expect(config[3]).toBe(institution.address);
  const balances = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "balanceOfBatch", args: [recipients, [id, id]] });
  expect(balances).toEqual([100n, 50n]);
  const left = await chainClient.readContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "balanceOf", args: [institution.address] });
  expect(left).toBe(parseEther("0.85"));
});
