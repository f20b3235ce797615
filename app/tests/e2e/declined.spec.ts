// A person declines in their wallet ("Reject" in MetaMask: EIP-1193's 4001).
// The page says so in words and is ready again; nothing moves on chain. In
// a batch of mints the declined line and the lines after it are not sent
// (declining means "stop"), and a retry sends just those; a declined gift
// leaves the balance and the nonce as they were; a declined voucher gets no
// answer and charges nothing.
import { type Address, createWalletClient, http, stringToHex, zeroAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { aatAbi } from "../../src/generated/abi";
import { accountKey, chain, chainClient, checkA11y, demo, expect, freshAccount, openApp, rpc, shot, test } from "./fixtures";

const DECLINED = "You declined in your wallet: nothing was sent.";
const NOT_SENT = "Not sent: you declined an earlier one in your wallet.";
const GPT = stringToHex("gpt-4o-mini", { size: 16 });
const address = (name: string) => privateKeyToAccount(accountKey(name)).address;
const balanceOf = (holder: Address, id: bigint) =>
  chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "balanceOf", args: [holder, id] });
const balancesOf = (holders: Address[], id: bigint) =>
  chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "balanceOfBatch", args: [holders, holders.map(() => id)] });
/** Mined and pending nonces: a declined transaction leaves both where they were. */
const noncesOf = (who: Address) =>
  Promise.all([chainClient.getTransactionCount({ address: who }), chainClient.getTransactionCount({ address: who, blockTag: "pending" })]);
/** An id as My credits prints it: 0x and its first 4 and last 4 of 64 hex digits. */
const shortId = (id: bigint) => {
  const hex = id.toString(16).padStart(64, "0");
  return `0x${hex.slice(0, 4)}…${hex.slice(-4)}`;
};

test("a declined mint in a batch stops it there, and a retry sends the rest", async ({ page }) => {
  const university = address("University");
  const recipients = await Promise.all([freshAccount(), freshAccount(), freshAccount()]).then((a) => a.map((r) => r.address));
  const amounts = [10n, 20n, 30n];
  const wallet = await openApp(page, accountKey("University"), "issue");
  // The University confirms the first mint and rejects the second.
  wallet.declineNext("eth_sendTransaction", 1, { after: 1 });
  const lastDay = new Date(Number((await chainClient.getBlock()).timestamp) * 1000 + 3 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel("Model", { exact: true }).selectOption("gpt-4o-mini");
  await page.getByLabel("Scope", { exact: true }).fill(`DECL-${Math.random().toString(36).slice(2, 10)}`);
  await page.getByLabel("Last day of use").fill(lastDay);
  await page.getByLabel("Reclaimable").check();
  await page.getByLabel("Tradable").uncheck();
  await page.getByLabel("Recipients as CSV").fill(recipients.map((r, i) => `${r},${amounts[i]}`).join("\n"));
  await page.getByRole("button", { name: "Issue 60 credits to 3 recipients" }).click();

  const row = (line: number) => page.locator(`tr[data-line="${line}"]`);
  await expect(page.getByRole("alert").filter({ hasText: "2 of 3 failed" })).toBeVisible({ timeout: 60_000 });
  await expect(row(1)).toContainText(/mined \(0x[0-9a-f]{8}…[0-9a-f]{8}\)/);
  await expect(row(2)).toContainText(`failed: ${DECLINED}`);
  await expect(row(3)).toContainText(`failed: ${NOT_SENT}`);
  await expect(page.getByRole("status").filter({ hasText: "1 of 3 sent" })).toBeVisible();
  await expect(page.getByRole("progressbar", { name: "Issuing" })).toHaveAttribute("value", "1");
  // The wallet was asked twice (the second declined), never a third time.
  expect(wallet.requests.filter((m) => m === "eth_sendTransaction")).toHaveLength(2);
  expect(wallet.sentTransactions).toHaveLength(1);
  const id = BigInt((await page.getByTestId("token-id").innerText()).trim());
  expect(await balancesOf(recipients, id)).toEqual([10n, 0n, 0n]);
  const [mined, pending] = await noncesOf(university);
  expect(pending).toBe(mined);
  await checkA11y(page, "issue declined");
  await shot(page, "declined-issue");

  // A retry sends only the two lines not sent; the first is not minted twice.
  const first = await row(1).innerText();
  await page.getByRole("button", { name: "Retry failed rows" }).click();
  await expect(page.getByText("All 3 recipients received their credits (60 credits).")).toBeVisible({ timeout: 60_000 });
  await expect(row(2)).toContainText(/mined \(0x/);
  await expect(row(3)).toContainText(/mined \(0x/);
  expect(await row(1).innerText()).toBe(first);
  expect(wallet.sentTransactions).toHaveLength(3);
  expect(await balancesOf(recipients, id)).toEqual(amounts);
  await checkA11y(page, "issue retried after a decline");
  await shot(page, "declined-issue-retried");
});

test("a declined gift says so, and Grace's credits and nonce stay as they were", async ({ page }) => {
  const gift = BigInt(demo.ids.GIFT);
  const grace = address("Grace");
  const { address: friend } = await freshAccount();
  const wallet = await openApp(page, accountKey("Grace"), "credits");
  const [balanceBefore, noncesBefore] = await Promise.all([balanceOf(grace, gift), noncesOf(grace)]);
  expect(balanceBefore).toBeGreaterThanOrEqual(3n);
  const article = page.getByRole("article").filter({ hasText: shortId(gift) });
  await article.getByRole("button", { name: "Gift" }).click();
  const form = article.getByRole("form", { name: "Give credits" });
  await form.getByLabel("Recipient").fill(friend);
  await form.getByLabel("Amount (credits)").fill("3");
  wallet.declineNext("eth_sendTransaction");
  await form.getByRole("button", { name: "Give" }).click();

  await expect(form.getByRole("alert")).toHaveText(DECLINED);
  // Ready again: no "Confirm in your wallet…" left, the button usable.
  await expect(form.getByRole("status")).toHaveCount(0);
  await expect(form.getByRole("button", { name: "Give" })).not.toHaveAttribute("aria-disabled");
  // The simulation passed, so the wallet was asked; it signed nothing.
  expect(wallet.requests).toContain("eth_sendTransaction");
  expect(wallet.sentTransactions).toEqual([]);
  expect(await balanceOf(grace, gift)).toBe(balanceBefore);
  expect(await balanceOf(friend, gift)).toBe(0n);
  expect(await noncesOf(grace)).toEqual(noncesBefore);
  await checkA11y(page, "gift declined");
  await shot(page, "declined-gift");
});

test("a declined voucher signature gets no answer and charges nothing", async ({ page }) => {
  // As in chat.spec.ts: fresh CS101 credits for Ada (a random expiry: a new id, nothing owed on it yet), locked in a channel with the provider.
  const adaKey = accountKey("Ada");
  const ada = createWalletClient({ account: privateKeyToAccount(adaKey), chain, transport: http(demo.rpcUrl) });
  const university = createWalletClient({ account: privateKeyToAccount(accountKey("University")), chain, transport: http(demo.rpcUrl) });
  await rpc("anvil_setBalance", [ada.account.address, "0x8ac7230489e80000"]);
  const { timestamp } = await chainClient.getBlock();
  const expiration = timestamp + 30n * 86_400n + BigInt(Math.floor(Math.random() * 86_400));
  const { result: id, request } = await chainClient.simulateContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "mint",
    args: [ada.account.address, university.account.address, GPT, stringToHex("CS101", { size: 16 }), expiration, true, false, 2_000n],
    account: university.account,
  });
  await chainClient.waitForTransactionReceipt({ hash: await university.writeContract(request) });
  await chainClient.waitForTransactionReceipt({
    hash: await ada.writeContract({
      address: demo.aat,
      abi: aatAbi,
      functionName: "openChannel",
      args: [demo.provider, id, 1_500n, expiration, zeroAddress],
    }),
  });
  const onChain = () =>
    Promise.all([
      balanceOf(ada.account.address, id),
      chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "channelOf", args: [ada.account.address, demo.provider, id] }),
      chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "settledAmount", args: [ada.account.address, demo.provider, id] }),
    ]);
  const before = await onChain();
  expect(before[2]).toBe(0n);

  const wallet = await openApp(page, adaKey, "chat");
  await page.getByLabel("Pay with").selectOption(id.toString());
  await expect(page.getByTestId("channel")).toContainText("1,500 credits");
  wallet.declineNext("eth_signTypedData_v4");
  await page.getByLabel("Your question").fill("What is a hash function?");
  const ask = page.getByRole("button", { name: "Ask and pay by voucher" });
  await ask.click();

  const turn = page.getByRole("log").getByRole("article", { name: "Question 1" });
  await expect(turn.getByRole("alert")).toContainText(DECLINED);
  // No answer, no cost; not stuck "Waiting for your wallet…"; the question kept to ask again.
  await expect(turn.getByRole("blockquote")).toHaveCount(0);
  await expect(turn.getByTestId("answer-cost")).toHaveCount(0);
  await expect(page.getByTestId("running-total")).toHaveCount(0);
  await expect(page.getByText(/Waiting for/)).toHaveCount(0);
  await expect(ask).toHaveAttribute("aria-disabled", "false");
  await expect(page.getByLabel("Your question")).toHaveValue("What is a hash function?");
  expect(wallet.requests).toContain("eth_signTypedData_v4");
  expect(wallet.signedTypedData).toEqual([]);
  expect(await onChain()).toEqual(before);
  await checkA11y(page, "chat declined");
  await shot(page, "declined-chat");

  // The gateway charged nothing either: asked again, the voucher that pays is for 0 credits owed.
  await ask.click();
  const second = page.getByRole("article", { name: "Question 2" });
  await expect(second.getByTestId("answer-voucher")).toContainText("a voucher you signed for 0 credits");
  type Signed = { primaryType: string; message: Record<string, string> };
  expect((wallet.signedTypedData as Signed[]).map((v) => [v.primaryType, BigInt(v.message.cumulativeAmount)])).toEqual([["Voucher", 0n]]);
});
