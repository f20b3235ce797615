// Chat: Ada asks the provider's gateway and pays each answer with a voucher
// her wallet signs; the answer shows its cost and the running total, a
// second question raises it; after a reload (what is owed forgotten) the
// gateway's refusal teaches the app the total and the wallet signs again;
// and the voucher the app had her sign settles on chain for exactly what
// she owed (simulated as the provider, so the gateway's own books are left
// as they are). Credits without a channel are refused in words.
import { type Hex, createWalletClient, http, stringToHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { aatAbi } from "../../src/generated/abi";
import { accountKey, chain, chainClient, checkA11y, demo, expect, openApp, rpc, shot, test } from "./fixtures";

const GPT = stringToHex("gpt-4o-mini", { size: 16 });
const CS101 = stringToHex("CS101", { size: 16 });

/** Fresh CS101 credits for gpt-4o-mini, minted by the University to `to` (a random expiry: a new id each run). */
async function mintCourseCredits(to: Hex, amount: bigint): Promise<{ id: bigint; expiration: bigint }> {
  const university = createWalletClient({ account: privateKeyToAccount(accountKey("University")), chain, transport: http(demo.rpcUrl) });
  const { timestamp } = await chainClient.getBlock();
  const expiration = timestamp + 30n * 86_400n + BigInt(Math.floor(Math.random() * 86_400));
  const args = [to, university.account.address, GPT, CS101, expiration, true, false, amount] as const;
  const { result: id, request } = await chainClient.simulateContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "mint",
    args,
    account: university.account,
  });
  await chainClient.waitForTransactionReceipt({ hash: await university.writeContract(request) });
  return { id, expiration };
}

test("Ada chats and pays each answer by a voucher her wallet signs", async ({ page }) => {
  const adaKey = accountKey("Ada");
  const ada = createWalletClient({ account: privateKeyToAccount(adaKey), chain, transport: http(demo.rpcUrl) });
  await rpc("anvil_setBalance", [ada.account.address, "0x8ac7230489e80000"]);
  const { id, expiration } = await mintCourseCredits(ada.account.address, 2_000n);
  // The provider serves vouchers against credits locked in a channel with it.
  await chainClient.waitForTransactionReceipt({
    hash: await ada.writeContract({
      address: demo.aat,
      abi: aatAbi,
      functionName: "openChannel",
      args: [demo.provider, id, 1_500n, expiration, "0x0000000000000000000000000000000000000000"],
    }),
  });

  const log = await openApp(page, adaKey, "chat");
  await page.getByLabel("Pay with").selectOption(id.toString());
  await expect(page.getByTestId("channel")).toContainText("Locked in your channel with the provider");
  await expect(page.getByTestId("channel")).toContainText("1,500 credits");
  await checkA11y(page, "chat");

  // Every status the page shows while it asks, as it shows them.
  await page.evaluate(() => {
    const seen: string[] = ((window as unknown as { statuses: string[] }).statuses = []);
    new MutationObserver(() => {
      for (const el of Array.from(document.querySelectorAll('[role="status"]'))) if (seen.at(-1) !== el.textContent) seen.push(el.textContent ?? "");
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  // First question: one voucher, for the nothing owed so far.
  await page.getByLabel("Your question").fill("What is a hash function?");
  await expect(page.getByText(/This question can cost at most [\d,]+ credits/)).toBeVisible();
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const first = page.getByRole("article", { name: "Question 1" });
  await expect(first.getByTestId("answer-cost")).toHaveText(/^\d+ credits?$/);
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  expect(statuses).toEqual(expect.arrayContaining(["Waiting for your wallet to sign the voucher…", "Waiting for the answer…"]));
  expect(statuses.indexOf("Waiting for your wallet to sign the voucher…")).toBeLessThan(statuses.indexOf("Waiting for the answer…"));
  const cost1 = BigInt((await first.getByTestId("answer-cost").textContent())!.match(/\d+/)![0]);
  expect(cost1).toBeGreaterThan(0n);
  await expect(first.getByTestId("answer-owed")).toContainText(`${cost1} credit`);
  await expect(first.getByTestId("answer-voucher")).toContainText("a voucher you signed for 0 credits");
  await expect(first.getByTestId("answer-tokens")).toHaveText(/^\d+ prompt \+ \d+ completion \(as the answer reports them\)$/);
  await expect(page.getByTestId("running-total")).toContainText(`so far: ${cost1} credit`);
  await first.getByText("Usage receipt").click();
  await expect(first.getByText(/Signed by the provider .*: checked\./)).toBeVisible();
  await expect(first.getByTestId("receipt-units")).toHaveText(cost1.toString());

  // Second question: the voucher now covers the first answer; the total grows.
  await page.getByLabel("Your question").fill("Explain Big-O notation.");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const second = page.getByRole("article", { name: "Question 2" });
  await expect(second.getByTestId("answer-cost")).toHaveText(/^\d+ credits?$/);
  const cost2 = BigInt((await second.getByTestId("answer-cost").textContent())!.match(/\d+/)![0]);
  const owed = cost1 + cost2;
  await expect(second.getByTestId("answer-owed")).toContainText(`${owed} credits`);
  await expect(second.getByTestId("answer-voucher")).toContainText(`a voucher you signed for ${cost1} credit`);
  await expect(page.getByTestId("running-total")).toContainText(`so far: ${owed} credits`);
  await shot(page, "chat");

  // The wallet signed EIP-712 vouchers (no transaction), each for what was owed before its question.
  type Signed = { primaryType: string; domain: object; types: Record<string, unknown>; message: Record<string, string> };
  const vouchers = () => (log.signedTypedData as Signed[]).filter((t) => t.primaryType === "Voucher");
  expect(vouchers().map((v) => BigInt(v.message.cumulativeAmount))).toEqual([0n, cost1]);
  expect(log.sentTransactions).toHaveLength(0);

  // A reload forgets what is owed: the gateway refuses a voucher for nothing,
  // telling the holder what she owes, and the wallet signs again for that.
  await page.reload();
  await page.getByLabel("Pay with").selectOption(id.toString());
  await page.getByLabel("Your question").fill("Why is binary search logarithmic?");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const third = page.getByRole("article", { name: "Question 1" });
  await expect(third.getByTestId("answer-cost")).toHaveText(/^\d+ credits?$/);
  const cost3 = BigInt((await third.getByTestId("answer-cost").textContent())!.match(/\d+/)![0]);
  await expect(third.getByTestId("answer-voucher")).toContainText(`a voucher you signed for ${owed} credits`);
  await expect(page.getByTestId("running-total")).toContainText(`so far: ${owed + cost3} credits`);
  expect(vouchers().map((v) => BigInt(v.message.cumulativeAmount))).toEqual([0n, cost1, 0n, owed]);

  const last = vouchers()[3];
  expect(BigInt(last.message.id)).toBe(id);
  expect(last.message.provider.toLowerCase()).toBe(demo.provider.toLowerCase());
  // That voucher settles on chain: AAT takes its signature and draws what it
  // covers beyond what is settled already (the gateway may have settled some).
  const { EIP712Domain: _, ...types } = last.types;
  void _;
  const voucher = {
    holder: last.message.holder as Hex,
    provider: last.message.provider as Hex,
    id: BigInt(last.message.id),
    cumulativeAmount: BigInt(last.message.cumulativeAmount),
    deadline: BigInt(last.message.deadline),
  };
  const signature = await privateKeyToAccount(adaKey).signTypedData({
    domain: last.domain,
    types: types as Record<string, { name: string; type: string }[]>,
    primaryType: "Voucher",
    message: voucher,
  });
  const settled = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "settledAmount",
    args: [voucher.holder, voucher.provider, id],
  });
  const { result } = await chainClient.simulateContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "settle",
    args: [voucher, signature, GPT, CS101],
    account: privateKeyToAccount(accountKey("Provider")),
  });
  expect(settled + result[0]).toBe(owed);
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("credits with no channel with the provider are refused in words", async ({ page }) => {
  const adaKey = accountKey("Ada");
  const { id } = await mintCourseCredits(privateKeyToAccount(adaKey).address, 100n);
  const log = await openApp(page, adaKey, "chat");
  await page.getByLabel("Pay with").selectOption(id.toString());
  await expect(page.getByTestId("channel")).toContainText("You have no channel with the provider");
  // An empty question is caught before the wallet is asked anything.
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  await expect(page.getByLabel("Your question")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Write a question first.")).toBeVisible();
  expect(log.signedTypedData).toHaveLength(0);
  await page.getByLabel("Your question").fill("What does a compiler do?");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const refused = page.getByRole("article", { name: "Question 1" }).getByRole("alert");
  await expect(refused).toContainText("Your credits locked with this provider don't cover what this question may cost");
  await expect(refused).toContainText("The gateway said: insufficient budget");
  await checkA11y(page, "chat refused");
  await shot(page, "chat-refused");
});
