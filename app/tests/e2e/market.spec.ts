// Market: Grace posts an order giving her tradable GIFT credits for
// TokenAI (signed in her wallet, checked and kept by the relay); the book
// shows it; a fresh account the Operator funded with TokenAI fills part of
// it in the app (approval, then fill); the balances on chain move by
// exactly what the app said, the exchange's fee included.
import { type Address, type Hex, createWalletClient, http, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { aatAbi, exchangeAbi, tokenAIAbi } from "../../src/generated/abi";
import { accountKey, chain, chainClient, checkA11y, demo, expect, freshAccount, openApp, shot, test } from "./fixtures";

const GIFT = BigInt(demo.ids.GIFT);

async function balances(who: Address) {
  const [gift, tai] = await Promise.all([
    chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "balanceOf", args: [who, GIFT] }),
    chainClient.readContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "balanceOf", args: [who] }),
  ]);
  return { gift, tai };
}

test("Grace posts GIFT for TokenAI; a buyer fills part of it and the balances move", async ({ page, browser }) => {
  const graceKey = accountKey("Grace");
  const grace = privateKeyToAccount(graceKey).address;
  await openApp(page, graceKey, "market");

  // Bad input is caught before the wallet is asked anything.
  const post = page.getByRole("form", { name: "Post an order" });
  await post.getByLabel("You give", { exact: true }).selectOption(GIFT.toString());
  await post.getByLabel("You want", { exact: true }).selectOption("0");
  await post.getByLabel("Amount you give (credits)").fill("0");
  await post.getByLabel("Amount you want (TAI)").fill("0.05");
  await post.getByRole("button", { name: "Sign and post the order" }).click();
  await expect(post.getByLabel("Amount you give (credits)")).toHaveAttribute("aria-invalid", "true");
  await expect(post.getByLabel("Amount you give (credits)")).toBeFocused();
  await expect(post.getByText("Amount: enter at least 1 credit.")).toBeVisible();
  // Course credits (CS101: non-transferable, and expired by now in the demo) can't be offered.
  await post.getByLabel("You give", { exact: true }).selectOption(BigInt(demo.ids.CS101).toString());
  await post.getByLabel("Amount you give (credits)").fill("10");
  await post.getByRole("button", { name: "Sign and post the order" }).click();
  await expect(post.getByText(/^These credits (have expired|can't be traded: the issuer made them non-transferable)\.$/)).toBeVisible();
  await post.getByLabel("You give", { exact: true }).selectOption(GIFT.toString());

  // 100 GIFT for 0.05 TAI (0.0005 TAI a credit): what the order says shows before it is signed; then signed and posted.
  await post.getByLabel("Amount you give (credits)").fill("100");
  await expect(post.getByTestId("order-summary")).toHaveText(
    /^You give 100 credits \(GIFT credits\) and want 0\.05 TAI: 0\.0005 TAI per credit, until \d{4}-\d\d-\d\d \d\d:\d\d UTC\.$/,
  );
  await post.getByRole("button", { name: "Sign and post the order" }).click();
  const posted = post.getByTestId("posted");
  await expect(posted).toContainText("is in the book");
  const hash = (await posted.locator("code").getAttribute("title")) as Hex;
  const row = page.locator(`tr[data-order="${hash}"]`);
  await expect(row).toContainText("100 credits left of 100 credits");
  await expect(row).toContainText("0.0005 TAI per credit");
  await expect(row).toContainText("you");
  await checkA11y(page, "market");

  // A buyer with TokenAI only (the Operator mints it for the test).
  const buyer = await freshAccount();
  const operator = createWalletClient({ account: privateKeyToAccount(accountKey("Operator")), chain, transport: http(demo.rpcUrl) });
  await chainClient.waitForTransactionReceipt({
    hash: await operator.writeContract({ address: demo.tokenAI, abi: tokenAIAbi, functionName: "mint", args: [buyer.address, parseEther("1")] }),
  });
  const context = await browser.newContext();
  const taker = await context.newPage();
  const takerLog = await openApp(taker, buyer.key, "market");
  await taker.getByLabel("Orders giving").selectOption(GIFT.toString());
  await taker.getByLabel("For", { exact: true }).selectOption("0");
  const offer = taker.locator(`tr[data-order="${hash}"]`);
  // "Fill…" discloses the fill form, and the focus moves into it.
  const disclose = offer.getByRole("button", { name: /^Fill order/ });
  await expect(disclose).toHaveAttribute("aria-expanded", "false");
  await disclose.click();
  await expect(disclose).toHaveAttribute("aria-expanded", "true");
  const fill = taker.getByRole("form", { name: "Fill the order" });
  await expect(fill).toHaveAttribute("id", (await disclose.getAttribute("aria-controls"))!);
  await expect(fill.getByLabel(/to take \(credits\)/)).toBeFocused();
  await fill.getByLabel(/to take \(credits\)/).fill("40");
  // 40 credits at 0.0005: 0.02 TAI; the 0.5% fee (0.0001 TAI) comes out of what Grace receives.
  await expect(fill.getByTestId("fill-terms")).toHaveText(
    "You pay 0.02 TAI and receive 40 credits. The maker receives 0.0199 TAI; the fee is 0.0001 TAI.",
  );
  const treasury = await chainClient.readContract({ address: demo.exchange, abi: exchangeAbi, functionName: "treasury" });
  const [graceBefore, buyerBefore, treasuryBefore] = await Promise.all([balances(grace), balances(buyer.address), balances(treasury)]);
  // A double click fills once: one approval and one fill, not two of each.
  await fill.getByRole("button", { name: "Fill" }).dblclick();
  await expect(fill.getByText(/^The exchange may now take your payment: mined in block/)).toBeVisible();
  await expect(fill.getByText(/^Filled: mined in block/)).toBeVisible();
  // The wallet was asked twice in all (a second submit would have asked for its approval by now).
  expect(takerLog.requests.filter((method) => method === "eth_sendTransaction")).toHaveLength(2);
  await expect(fill.getByTestId("fill-done")).toHaveText("You paid 0.02 TAI and received 40 credits.");
  await expect(offer).toContainText("60 credits left of 100 credits");
  await expect(taker.getByTestId("pair-balances")).toContainText("You hold 40 credits and 0.98 TAI");
  await checkA11y(taker, "market after a fill");
  await shot(taker, "market");

  const [graceAfter, buyerAfter, treasuryAfter] = await Promise.all([balances(grace), balances(buyer.address), balances(treasury)]);
  const pay = parseEther("0.02");
  const fee = parseEther("0.0001");
  expect(buyerAfter.gift - buyerBefore.gift).toBe(40n);
  expect(buyerBefore.tai - buyerAfter.tai).toBe(pay);
  expect(graceBefore.gift - graceAfter.gift).toBe(40n);
  expect(graceAfter.tai - graceBefore.tai).toBe(pay - fee);
  expect(treasuryAfter.tai - treasuryBefore.tai).toBe(fee);
  await context.close();
});
