// Chat: Ada asks the provider's gateway and pays each answer with a voucher
// her wallet signs; the answer shows its cost with AAT's fee and the running
// total, a second question raises it; after a reload (what is owed
// forgotten) the gateway says she owes more than the page has seen, and the
// wallet signs for it only once she confirms; and the voucher the app had
// her sign settles on chain for exactly what she owed (simulated as the
// provider, so the gateway's own books are left as they are). Credits
// without a channel are refused in words; a receipt that does not match what
// was signed is flagged and raises nothing; a session key's ended channel
// no longer stops the holder.
import { type Hex, createWalletClient, http, stringToHex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { aatAbi } from "../../src/generated/abi";
import { accountKey, chain, chainClient, checkA11y, demo, expect, freshAccount, openApp, rpc, shot, test } from "./fixtures";

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

/** "29 credits", "1 credit", as the app writes amounts. */
const credits = (n: bigint) => `${n.toLocaleString("en-US")} ${n === 1n ? "credit" : "credits"}`;

/** AAT's fee on settling `units` (spec/IAAT.sol): ceil(units * feeBps / 10,000). */
async function feeOf(units: bigint): Promise<bigint> {
  const feeBps = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "feeBps" });
  return (units * BigInt(feeBps) + 9_999n) / 10_000n;
}

/** The credits an answer cost, from "29 credits + 1 credit fee", checking the fee is AAT's. */
async function costOf(text: string | null): Promise<bigint> {
  const match = /^([\d,]+) credits? \+ ([\d,]+) credits? fee$/.exec(text ?? "");
  expect(match, `cost "${text}"`).not.toBeNull();
  const cost = BigInt(match![1].replace(/,/g, ""));
  expect(BigInt(match![2].replace(/,/g, ""))).toBe(await feeOf(cost));
  return cost;
}

/** A fresh holder with `amount` CS101 credits, `locked` of them in a channel with the provider. */
async function freshHolder(amount: bigint, locked: bigint, signer: Hex = "0x0000000000000000000000000000000000000000", channelEnd?: bigint) {
  const { address, key } = await freshAccount();
  const { id, expiration } = await mintCourseCredits(address, amount);
  const wallet = createWalletClient({ account: privateKeyToAccount(key), chain, transport: http(demo.rpcUrl) });
  await chainClient.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: demo.aat,
      abi: aatAbi,
      functionName: "openChannel",
      args: [demo.provider, id, locked, channelEnd ?? expiration, signer],
    }),
  });
  return { address, key, id };
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
  const bound = page.getByText(/This question can cost at most [\d,]+ credits \+ [\d,]+ credits? fee;/);
  await expect(bound).toBeVisible();
  const boundUnits = BigInt(/at most ([\d,]+) credits/.exec((await bound.textContent())!)![1].replace(/,/g, ""));
  expect(await bound.textContent()).toContain(`at most ${credits(boundUnits)} + ${credits(await feeOf(boundUnits))} fee;`);
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  // Answers land in the conversation's log, which screen readers announce.
  const first = page.getByRole("log").getByRole("article", { name: "Question 1" });
  await expect(first.getByTestId("answer-cost")).toHaveText(/^\d+ credits? \+ \d+ credits? fee$/);
  const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
  expect(statuses).toEqual(expect.arrayContaining(["Waiting for your wallet to sign the voucher…", "Waiting for the answer…"]));
  expect(statuses.indexOf("Waiting for your wallet to sign the voucher…")).toBeLessThan(statuses.indexOf("Waiting for the answer…"));
  const cost1 = await costOf(await first.getByTestId("answer-cost").textContent());
  expect(cost1).toBeGreaterThan(0n);
  expect(cost1).toBeLessThanOrEqual(boundUnits);
  await expect(first.getByTestId("answer-owed")).toContainText(`${cost1} credit`);
  await expect(first.getByTestId("answer-voucher")).toContainText("a voucher you signed for 0 credits");
  await expect(first.getByTestId("answer-tokens")).toHaveText(/^\d+ prompt \+ \d+ completion \(as the answer reports them\)$/);
  await expect(page.getByTestId("running-total")).toContainText(`so far: ${cost1} credit`);
  await first.getByText("Usage receipt").click();
  await expect(first.getByTestId("receipt-check")).toHaveText(/^Checked: signed by the provider .*, for you and these credits/);
  await expect(first.getByTestId("receipt-units")).toHaveText(cost1.toString());

  // Second question: the voucher now covers the first answer; the total grows.
  await page.getByLabel("Your question").fill("Explain Big-O notation.");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const second = page.getByRole("article", { name: "Question 2" });
  await expect(second.getByTestId("answer-cost")).toHaveText(/^\d+ credits? \+ \d+ credits? fee$/);
  const cost2 = await costOf(await second.getByTestId("answer-cost").textContent());
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

  // A reload forgets what is owed: the gateway refuses a voucher for nothing
  // (all this fresh page has seen backed is what is settled on chain), saying
  // what she owes; the wallet signs for that only once she confirms it.
  await page.reload();
  await page.getByLabel("Pay with").selectOption(id.toString());
  await page.getByLabel("Your question").fill("Why is binary search logarithmic?");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const consent = page.getByTestId("voucher-consent");
  // Settled on chain so far: nothing, or the first voucher (the only one the provider holds above zero).
  const seen = `\\(this page has seen (${credits(0n)}|${credits(cost1)})\\)`;
  await expect(consent).toContainText(new RegExp(`^The provider says you owe ${credits(owed)} for earlier requests ${seen}\\. Sign a voucher for ${credits(owed)}\\?`));
  expect(vouchers().map((v) => BigInt(v.message.cumulativeAmount))).toEqual([0n, cost1, 0n]);
  await checkA11y(page, "chat voucher consent");
  await shot(page, "chat-consent");
  await consent.getByRole("button", { name: `Sign a voucher for ${credits(owed)}` }).click();
  const third = page.getByRole("article", { name: "Question 1" });
  await expect(third.getByTestId("answer-cost")).toHaveText(/^\d+ credits? \+ \d+ credits? fee$/);
  const cost3 = await costOf(await third.getByTestId("answer-cost").textContent());
  await expect(consent).toHaveCount(0);
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
  // An empty question is caught before the wallet is asked anything, and the field takes the focus.
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  await expect(page.getByLabel("Your question")).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByLabel("Your question")).toBeFocused();
  await expect(page.getByText("Write a question first.")).toBeVisible();
  expect(log.signedTypedData).toHaveLength(0);
  await page.getByLabel("Your question").fill("What does a compiler do?");
  const ask = page.getByRole("button", { name: "Ask and pay by voucher" });
  await ask.click();
  // While it is asked, the button stays where the focus is, marked unavailable.
  await expect(ask).toBeFocused();
  const refused = page.getByRole("article", { name: "Question 1" }).getByRole("alert");
  await expect(refused).toContainText("Your credits locked with this provider don't cover what this question may cost");
  await expect(refused).toContainText("The gateway said: insufficient budget");
  await checkA11y(page, "chat refused");
  await shot(page, "chat-refused");
});

test("a receipt that does not match what was signed is flagged, and the total it claims is never signed silently", async ({ page }) => {
  const holder = await freshHolder(1_000n, 800n);
  const log = await openApp(page, holder.key, "chat");
  await page.getByLabel("Pay with").selectOption(holder.id.toString());
  await expect(page.getByTestId("channel")).toContainText("Locked in your channel with the provider");
  // The gateway's first settlement, altered on its way: 1,000 more owed than it charged.
  let altered = false;
  await page.route(`${demo.gateway}/v1/chat/completions`, async (route) => {
    const response = await route.fetch();
    const header = response.headers()["payment-response"];
    if (altered || !header) return route.fulfill({ response });
    altered = true;
    const settlement = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
    const part = settlement.extensions["aat-voucher"];
    part.receipt.cumulativeOwed = (BigInt(part.receipt.cumulativeOwed) + 1_000n).toString();
    part.account.owed = (BigInt(part.account.owed) + 1_000n).toString();
    const headers = { ...response.headers(), "payment-response": Buffer.from(JSON.stringify(settlement)).toString("base64") };
    return route.fulfill({ response, headers });
  });

  await page.getByLabel("Your question").fill("What is a linked list?");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const first = page.getByRole("article", { name: "Question 1" });
  // The answer is shown, with the mismatch in words; no total from that receipt.
  await expect(first.getByTestId("receipt-mismatch")).toContainText("The provider's receipt does not match what you signed:");
  const cost = await costOf(await first.getByTestId("answer-cost").textContent());
  await expect(first.getByTestId("receipt-mismatch")).toContainText(
    `it says you owe ${credits(cost + 1_000n)} in total, but your voucher covered 0 credits and this answer ${credits(cost)}`,
  );
  await expect(first.getByTestId("receipt-mismatch")).toContainText("it is not signed by the provider");
  await expect(first.getByTestId("answer-owed")).toHaveText("not shown: the receipt did not pass the checks");
  await expect(page.getByTestId("running-total")).toContainText("The total owed is not shown");
  expect(altered).toBe(true);

  // The next voucher would be for the altered total: the page asks instead of signing.
  await page.getByLabel("Your question").fill("And a doubly linked list?");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  const consent = page.getByTestId("voucher-consent");
  await expect(consent).toContainText(
    `The provider says you owe ${credits(cost + 1_000n)} for earlier requests (this page has seen 0 credits). Sign a voucher for ${credits(cost + 1_000n)}?`,
  );
  await expect(consent).toContainText(`That is ${credits(cost + 1_000n)} more than this page has seen backed`);
  await checkA11y(page, "chat receipt mismatch");
  await shot(page, "chat-receipt-mismatch");
  await consent.getByRole("button", { name: "Don't sign" }).click();
  await expect(consent).toHaveCount(0);
  type Signed = { primaryType: string; message: Record<string, string> };
  const amounts = (log.signedTypedData as Signed[]).filter((t) => t.primaryType === "Voucher").map((v) => BigInt(v.message.cumulativeAmount));
  expect(amounts).toEqual([0n]);
});

test("a session key's channel blocks the holder's own vouchers until it ends, by the chain's clock", async ({ page }) => {
  await rpc("evm_mine");
  const { timestamp } = await chainClient.getBlock();
  const end = timestamp + 10n;
  const holder = await freshHolder(300n, 200n, privateKeyToAccount(generatePrivateKey()).address, end);
  const log = await openApp(page, holder.key, "chat");
  await page.getByLabel("Pay with").selectOption(holder.id.toString());
  await expect(page.getByTestId("channel")).toContainText("Locked in your channel with the provider");
  await page.getByLabel("Your question").fill("What is a session key?");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  await expect(page.getByText(/names the key 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} to sign its vouchers/)).toBeVisible();
  await expect(page.getByLabel("Pay with")).toBeFocused();
  expect(log.signedTypedData).toHaveLength(0);

  // The chain's clock passes the channel's end while the page stays open.
  for (let block = await chainClient.getBlock(); block.timestamp < end; block = await chainClient.getBlock()) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await rpc("evm_mine");
  }
  await expect(page.getByTestId("channel")).toContainText("ended at");
  await expect(page.getByTestId("channel")).not.toContainText("until");
  await page.getByRole("button", { name: "Ask and pay by voucher" }).click();
  // No longer blocked: the holder's wallet signs, and the provider answers for itself.
  await expect(page.getByRole("article", { name: "Question 1" })).toBeVisible();
  await expect(page.getByText(/names the key/)).toHaveCount(0);
  expect((log.signedTypedData as { primaryType: string }[]).filter((t) => t.primaryType === "Voucher").length).toBeGreaterThan(0);
  await checkA11y(page, "chat ended channel");
  await shot(page, "chat-ended-channel");
});
