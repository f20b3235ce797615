// The holder's and the donor's side: My credits in words, a gift of
// non-transferable credits refused in words before the wallet is asked, a
// gift of tradable credits mined, a donor buying credits for a student
// (price shown before signing, permit, mint), and bad input caught.
import { type Address, type Hex, createWalletClient, http, maxUint64, parseEther, stringToHex, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { aatAbi, tokenAIAbi } from "../../src/generated/abi";
import { accountKey, chain, chainClient, checkA11y, demo, expect, freshAccount, openApp, rpc, shot, test } from "./fixtures";

const DAY = 86_400;
const address = (name: string) => privateKeyToAccount(accountKey(name)).address;
const balanceOf = (holder: Address, id: bigint) =>
  chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "balanceOf", args: [holder, id] });
const nonceOf = (who: Address) => chainClient.getTransactionCount({ address: who });
/** An id as My credits prints it: 0x and its first 4 and last 4 of 64 hex digits. */
const shortId = (id: bigint) => {
  const hex = id.toString(16).padStart(64, "0");
  return `0x${hex.slice(0, 4)}…${hex.slice(-4)}`;
};

/**
 * Ada's live CS101 credits. The demo's story ends after the course (its
 * CS101 expired and was reclaimed), so the University issues her this
 * term's: GPT-4o mini, scope CS101, non-transferable, reclaimable, expiring
 * in about a month of chain time (the same id all day, so re-runs top it up).
 */
async function issueCs101ToAda(): Promise<bigint> {
  const university = createWalletClient({ account: privateKeyToAccount(accountKey("University")), chain, transport: http(demo.rpcUrl) });
  const { timestamp } = await chainClient.getBlock();
  const expiration = BigInt((Math.floor(Number(timestamp) / DAY) + 31) * DAY);
  const args = [
    address("University"),
    stringToHex("gpt-4o-mini", { size: 16 }),
    stringToHex("CS101", { size: 16 }),
    expiration,
    true,
    false,
  ] as const;
  const id = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "computeTokenId", args });
  const [pool, model, scope] = args;
  const hash = await university.writeContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "mint",
    args: [address("Ada"), pool, model, scope, expiration, true, false, 500n],
  });
  expect((await chainClient.waitForTransactionReceipt({ hash })).status).toBe("success");
  return id;
}

let cs101: bigint;
test.beforeAll(async () => {
  cs101 = await issueCs101ToAda();
});

test("a holder sees her CS101 credits in words", async ({ page }) => {
  await openApp(page, accountKey("Ada"), "credits");
  const article = page.getByRole("article").filter({ hasText: shortId(cs101) });
  await expect(article).toBeVisible();
  // The policy in words: model, scope, expiry, transfer rule, who may reclaim (named from the config).
  await expect(article).toHaveAccessibleName(
    /^GPT-4o mini · CS101 · expires in \d+ days · not transferable · University can reclaim it$/,
  );
  await expect(article).toContainText("GPT-4o mini");
  await expect(article).toContainText("CS101");
  await expect(article).toContainText("not transferable");
  const balance = await balanceOf(address("Ada"), cs101);
  await expect(article.getByRole("definition").first()).toHaveText(`${new Intl.NumberFormat("en-US").format(balance)} credits`);
  await checkA11y(page, "My credits");
  await shot(page, "credits");
  // Another view: its heading takes the focus, so a screen reader says where the link led.
  await page.getByRole("link", { name: "Buy" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Buy" })).toBeFocused();
});

test("a gift of non-transferable credits is refused in words and nothing is sent", async ({ page }) => {
  const log = await openApp(page, accountKey("Ada"), "credits");
  const ada = address("Ada");
  const { address: stranger } = await freshAccount();
  const [balanceBefore, nonceBefore] = await Promise.all([balanceOf(ada, cs101), nonceOf(ada)]);
  const article = page.getByRole("article").filter({ hasText: shortId(cs101) });
  await article.getByRole("button", { name: "Gift" }).click();
  const form = article.getByRole("form", { name: "Give credits" });
  // Bad input first: named field, reason, and no request to the chain or wallet.
  await form.getByRole("button", { name: "Give" }).click();
  await expect(form.getByLabel("Recipient")).toHaveAttribute("aria-invalid", "true");
  await expect(form.getByLabel("Recipient")).toBeFocused();
  await expect(form.getByText("Recipient: enter an address")).toBeVisible();
  await expect(form.getByText("Amount (credits): enter a whole number of credits")).toBeVisible();

  await form.getByLabel("Recipient").fill(stranger);
  await form.getByLabel("Amount (credits)").fill("10");
  await form.getByRole("button", { name: "Give" }).click();
  await expect(form.getByRole("alert")).toHaveText("These credits can't be given away: the issuer made them non-transferable.");
  await checkA11y(page, "gift refused");
  await shot(page, "gift-refused");
  // The simulation refused it: the wallet was never asked, nothing moved.
  expect(log.requests).not.toContain("eth_sendTransaction");
  expect(log.sentTransactions).toEqual([]);
  expect(await balanceOf(ada, cs101)).toBe(balanceBefore);
  expect(await balanceOf(stranger, cs101)).toBe(0n);
  expect(await nonceOf(ada)).toBe(nonceBefore);
});

test("a holder of tradable credits gives 5 and the gift is mined", async ({ page }) => {
  const gift = BigInt(demo.ids.GIFT);
  const grace = address("Grace");
  const { address: friend } = await freshAccount();
  const before = await balanceOf(grace, gift);
  const log = await openApp(page, accountKey("Grace"), "credits");
  const article = page.getByRole("article").filter({ hasText: shortId(gift) });
  await expect(article).toHaveAccessibleName(/ · transferable · /);
  await article.getByRole("button", { name: "Gift" }).click();
  const form = article.getByRole("form", { name: "Give credits" });
  await form.getByLabel("Recipient").fill(friend);
  await form.getByLabel("Amount (credits)").fill("5");
  await form.getByRole("button", { name: "Give" }).click();
  await expect(form.getByRole("status")).toContainText(/Given: mined in block \d+/);
  expect(log.sentTransactions).toHaveLength(1);
  expect(await balanceOf(friend, gift)).toBe(5n);
  expect(await balanceOf(grace, gift)).toBe(before - 5n);
  // The list reloads with the new balance.
  await expect(article.getByRole("definition").first()).toHaveText(`${new Intl.NumberFormat("en-US").format(before - 5n)} credits`);
  await shot(page, "gift-sent");
});

test("a donor buys credits for a student, who then sees them", async ({ page, context }) => {
  const donor = address("Donor");
  const student = await freshAccount();
  // A scope of its own: a new id on every run.
  const scope = `ST-${Math.random().toString(16).slice(2, 10)}`;
  const log = await openApp(page, accountKey("Donor"), "buy");
  await page.getByLabel("Recipient").fill(student.address);
  await page.getByLabel("Model").selectOption("gpt-4o-mini");
  await page.getByLabel("Scope (optional)").fill(scope);
  await page.getByLabel("Amount (credits)").fill("20");
  // Before anything is signed: unit price, total, the donor's TokenAI, a typical request.
  const price = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "quoteTokenAI",
    args: [stringToHex("gpt-4o-mini", { size: 16 }), 20n],
  });
  const quote = page.getByRole("region", { name: "Price" });
  await expect(quote.getByRole("row", { name: /Unit price/ })).toContainText("0.001 TAI per credit");
  expect(price).toBe(2n * 10n ** 16n);
  await expect(quote.getByRole("row", { name: /Total for 20 credits/ })).toContainText("0.02 TAI");
  await expect(quote.getByRole("row", { name: /Your TokenAI/ })).toContainText(/\d TAI/);
  await expect(quote.getByRole("row", { name: /A typical request/ })).toContainText(
    /a 500-token prompt and a 250-token answer = [\d,]+ credits ≈ [\d.]+ TAI/,
  );
  expect(log.requests).not.toContain("eth_signTypedData_v4");
  expect(log.requests).not.toContain("eth_sendTransaction");
  await checkA11y(page, "Buy");
  await shot(page, "buy-quote");

  const allowance = await chainClient.readContract({
    address: demo.tokenAI,
    abi: (await import("../../src/generated/abi")).tokenAIAbi,
    functionName: "allowance",
    args: [donor, demo.aat],
  });
  await page.getByRole("button", { name: "Buy 20 credits" }).click();
  await expect(page.getByRole("region", { name: /Step 2 of 2/ }).getByText(/Bought: mined in block \d+/)).toBeVisible();
  await expect(page.getByText(`${student.address} now holds 20 credits`)).toBeVisible();
  if (allowance < price) {
    // The allowance came from a permit signed in the wallet, sent as its own transaction.
    expect(log.signedTypedData).toHaveLength(1);
    expect((log.signedTypedData[0] as { primaryType: string }).primaryType).toBe("Permit");
    await expect(page.getByRole("region", { name: /Step 1 of 2/ })).toContainText(/Permit sent: mined in block \d+/);
    expect(log.sentTransactions).toHaveLength(2);
  } else expect(log.sentTransactions).toHaveLength(1);
  await shot(page, "buy-done");

  const id = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "computeTokenId",
    args: [donor, stringToHex("gpt-4o-mini", { size: 16 }), stringToHex(scope, { size: 16 }), 0n, false, true],
  });
  expect(await balanceOf(student.address, id)).toBe(20n);

  const studentPage = await context.newPage();
  await openApp(studentPage, student.key, "credits");
  const article = studentPage.getByRole("article").filter({ hasText: shortId(id) });
  await expect(article).toHaveAccessibleName(`GPT-4o mini · ${scope} · never expires · transferable · cannot be reclaimed`);
  await expect(article.getByRole("definition").first()).toHaveText("20 credits");
  await shot(studentPage, "student-credits");
});

test("a price raised after the total was shown stops the purchase before anything burns", async ({ page }) => {
  const operator = createWalletClient({ account: privateKeyToAccount(accountKey("Operator")), chain, transport: http(demo.rpcUrl) });
  // A model of its own, priced for this test only (its name sorts last in every list).
  const name = `zz-${Math.random().toString(16).slice(2, 10)}`;
  const model = stringToHex(name, { size: 16 });
  const buyer = await freshAccount();
  const buyerWallet = createWalletClient({ account: privateKeyToAccount(buyer.key), chain, transport: http(demo.rpcUrl) });
  await mined(operator.writeContract({ address: demo.aat, abi: aatAbi, functionName: "setModelPrice", args: [model, parseEther("0.001")] }));
  await mined(operator.writeContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "mint", args: [buyer.address, parseEther("1")] }));
  // An allowance granted before covers more than this purchase: only the app's check stands between it and a higher burn.
  await mined(buyerWallet.writeContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "approve", args: [demo.aat, parseEther("1")] }));
  try {
    const log = await openApp(page, buyer.key, "buy");
    await page.getByLabel("Model").selectOption(name);
    await page.getByLabel("Amount (credits)").fill("10");
    const total = page.getByRole("region", { name: "Price" }).getByRole("row", { name: /Total for 10 credits/ });
    await expect(total).toContainText("0.01 TAI");

    await mined(operator.writeContract({ address: demo.aat, abi: aatAbi, functionName: "setModelPrice", args: [model, parseEther("0.002")] }));
    await page.getByRole("button", { name: "Buy 10 credits" }).click();
    await expect(page.getByRole("region", { name: /Step 2 of 2/ }).getByRole("alert")).toHaveText(
      "The price changed: these credits now cost 0.02 TAI, not the 0.01 TAI shown. Nothing was bought: check the new total and buy again.",
    );
    // The new total shows; nothing was sent, nothing burned.
    await expect(total).toContainText("0.02 TAI");
    await checkA11y(page, "Buy after a price change");
    await shot(page, "buy-price-changed");
    expect(log.sentTransactions).toEqual([]);
    expect(await chainClient.readContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "balanceOf", args: [buyer.address] })).toBe(
      parseEther("1"),
    );
  } finally {
    // Unpriced again: the model leaves every list of priced models.
    await mined(operator.writeContract({ address: demo.aat, abi: aatAbi, functionName: "setModelPrice", args: [model, 0n] }));
  }
});

test("bad input on Buy is named and nothing is signed", async ({ page }) => {
  const donor = address("Donor");
  const nonceBefore = await nonceOf(donor);
  const log = await openApp(page, accountKey("Donor"), "buy");
  await page.getByLabel("Recipient").fill("0x1234");
  await page.getByLabel("Amount (credits)").fill("0");
  await page.getByLabel("Scope (optional)").fill("a scope of more than sixteen bytes");
  await page.getByLabel("Expires after a day I choose").check();
  await page.getByLabel("Last day of use").fill("2020-01-01");
  await page.getByRole("button", { name: /^Buy/ }).click();
  await expect(page.getByText("Scope (optional): the scope is 34 bytes; at most 16 fit")).toBeVisible();
  await expect(page.getByText(/^Last day of use: that day is over by the chain's clock \(now .+ UTC\): choose a later day$/)).toBeVisible();
  const recipient = page.getByLabel("Recipient");
  const amount = page.getByLabel("Amount (credits)");
  await expect(recipient).toHaveAttribute("aria-invalid", "true");
  // The first field to fix has the focus.
  await expect(recipient).toBeFocused();
  await expect(amount).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("Recipient: not an address: it must be 0x followed by 40 hex digits")).toBeVisible();
  await expect(page.getByText("Amount (credits): enter at least 1 credit")).toBeVisible();
  // The errors are what the fields' descriptions point at.
  await expect(amount).toHaveAccessibleDescription(/enter at least 1 credit/);
  await checkA11y(page, "Buy with errors");
  await shot(page, "buy-invalid");
  expect(log.requests).not.toContain("eth_signTypedData_v4");
  expect(log.requests).not.toContain("eth_sendTransaction");
  expect(await nonceOf(donor)).toBe(nonceBefore);
});

test("a holder locks credits in a channel for an agent's key, and anyone closes an ended channel", async ({ page, context }) => {
  const gift = BigInt(demo.ids.GIFT);
  const agent = privateKeyToAccount(generatePrivateKey()).address;
  // Fresh holders, given tradable GIFT credits by Grace: no channel of an earlier run in the way.
  const [locker, closer] = [await freshAccount(), await freshAccount()];
  const grace = createWalletClient({ account: privateKeyToAccount(accountKey("Grace")), chain, transport: http(demo.rpcUrl) });
  for (const holder of [locker, closer])
    await mined(grace.writeContract({ address: demo.aat, abi: aatAbi, functionName: "safeTransferFrom", args: [grace.account.address, holder.address, gift, 20n, "0x"] }));

  const log = await openApp(page, locker.key, "credits");
  const article = page.getByRole("article").filter({ hasText: shortId(gift) });
  await article.getByRole("button", { name: "Lock in a channel" }).click();
  const form = article.getByRole("form", { name: "Lock credits in a channel" });
  // The provider defaults to the app's.
  await expect(form.getByLabel("Provider")).toHaveValue(new RegExp(demo.provider, "i"));
  await form.getByLabel("Amount to lock (credits)").fill("25");
  await form.getByLabel("Session key for an agent (optional)").fill("0x12");
  await form.getByRole("button", { name: "Lock in a channel" }).click();
  await expect(form.getByText("Amount to lock (credits): you hold only 20 credits")).toBeVisible();
  await expect(form.getByLabel("Amount to lock (credits)")).toBeFocused();
  await expect(form.getByText("Session key for an agent (optional): not an address")).toBeVisible();
  expect(log.requests).not.toContain("eth_sendTransaction");
  await form.getByLabel("Amount to lock (credits)").fill("10");
  await form.getByLabel("Session key for an agent (optional)").fill(agent);
  await form.getByRole("button", { name: "Lock in a channel" }).click();
  await expect(form.getByRole("status")).toContainText(/Locked: mined in block \d+/);
  const [locked, expiresAt, signer] = await channelOf(locker.address, gift);
  expect([locked, signer]).toEqual([10n, agent]);
  expect(expiresAt > (await chainClient.getBlock()).timestamp).toBe(true);
  const row = article.getByRole("row").filter({ hasText: "open until" });
  await expect(row).toContainText("10 credits");
  await expect(row).toContainText("vouchers signed by session key");
  await expect(article.getByRole("definition").first()).toHaveText("10 credits");
  await checkA11y(page, "My credits with a channel");
  await shot(page, "channel-locked");

  // A channel that ends in a few seconds (opened outside the app), then blocks at wall time until it has ended.
  const wallet = createWalletClient({ account: privateKeyToAccount(closer.key), chain, transport: http(demo.rpcUrl) });
  const soon = (await chainClient.getBlock()).timestamp + 3n;
  await mined(wallet.writeContract({ address: demo.aat, abi: aatAbi, functionName: "openChannel", args: [demo.provider, gift, 15n, soon, zeroAddress] }));
  while ((await chainClient.getBlock()).timestamp < soon) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await rpc("evm_mine");
  }
  const closerPage = await context.newPage();
  await openApp(closerPage, closer.key, "credits");
  const ended = closerPage.getByRole("article").filter({ hasText: shortId(gift) });
  await expect(ended.getByRole("definition").first()).toHaveText("5 credits");
  await ended.getByRole("button", { name: "Close channel" }).click();
  await expect(ended.getByRole("status")).toContainText(/Channel closed \(what was left is back in your balance\): mined in block \d+/);
  expect(await balanceOf(closer.address, gift)).toBe(20n);
  expect((await channelOf(closer.address, gift))[0]).toBe(0n);
  await expect(ended.getByRole("definition").first()).toHaveText("20 credits");
  await shot(closerPage, "channel-closed");
});

test("credits that expire past the year 9999 show, and can be locked in a channel", async ({ page }) => {
  // Anyone can buy an id with the largest uint64 expiration (and give it to anyone).
  const holder = await freshAccount();
  const operator = createWalletClient({ account: privateKeyToAccount(accountKey("Operator")), chain, transport: http(demo.rpcUrl) });
  const wallet = createWalletClient({ account: privateKeyToAccount(holder.key), chain, transport: http(demo.rpcUrl) });
  await mined(operator.writeContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "mint", args: [holder.address, parseEther("1")] }));
  await mined(wallet.writeContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "approve", args: [demo.aat, parseEther("1")] }));
  const model = stringToHex("gpt-4o-mini", { size: 16 });
  const scope = stringToHex("FOREVER", { size: 16 });
  await mined(
    wallet.writeContract({ address: demo.aat, abi: aatAbi, functionName: "mintWithTokenAI", args: [holder.address, model, scope, maxUint64, false, true, 5n] }),
  );
  const id = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "computeTokenId",
    args: [holder.address, model, scope, maxUint64, false, true],
  });

  await openApp(page, holder.key, "credits");
  const article = page.getByRole("article").filter({ hasText: shortId(id) });
  await expect(article.getByRole("definition").first()).toHaveText("5 credits");
  await article.getByRole("button", { name: "Lock in a channel" }).click();
  const form = article.getByRole("form", { name: "Lock credits in a channel" });
  await expect(form.getByLabel("Channel ends on")).toHaveAttribute("max", "9999-12-31");
  await checkA11y(page, "credits expiring past 9999");
});

function channelOf(holder: Address, id: bigint) {
  return chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "channelOf", args: [holder, demo.provider, id] });
}

async function mined(hash: Promise<Hex>) {
  expect((await chainClient.waitForTransactionReceipt({ hash: await hash })).status).toBe("success");
}
