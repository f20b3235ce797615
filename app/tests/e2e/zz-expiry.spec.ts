// After the course: the University's credits expire and it takes back what
// its students did not use. Runs last (zz-): it moves the shared chain's clock.
import { type Address, createWalletClient, http, stringToHex, zeroAddress } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { aatAbi } from "../../src/generated/abi";
import { accountKey, chain, chainClient, checkA11y, demo, expect, freshAccount, openApp, rpc, shot, test } from "./fixtures";

test("after expiry the University reclaims every holder's unused credits", async ({ page }) => {
  const account = privateKeyToAccount(accountKey("University"));
  const university = createWalletClient({ account, chain, transport: http(demo.rpcUrl) });
  // The first holder locks part of its credits in a channel with the provider (as a student chatting would).
  const student = await freshAccount();
  const holders: Address[] = [student.address, privateKeyToAccount(generatePrivateKey()).address];
  const scope = stringToHex(`EXP-${Math.random().toString(36).slice(2, 10)}`, { size: 16 });
  const model = stringToHex("gpt-4o-mini", { size: 16 });
  const expiration = BigInt((await chainClient.getBlock()).timestamp) + 120n;
  const id = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "computeTokenId",
    args: [account.address, model, scope, expiration, true, false],
  });
  // Issued straight from the test (the UI's issuing is institution.spec's).
  for (const [index, holder] of holders.entries()) {
    const hash = await university.writeContract({
      address: demo.aat,
      abi: aatAbi,
      functionName: "mint",
      args: [holder, account.address, model, scope, expiration, true, false, BigInt(40 + index * 20)],
    });
    expect((await chainClient.waitForTransactionReceipt({ hash })).status).toBe("success");
  }
  const studentWallet = createWalletClient({ account: privateKeyToAccount(student.key), chain, transport: http(demo.rpcUrl) });
  const opened = await studentWallet.writeContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "openChannel",
    args: [demo.provider, id, 15n, expiration, zeroAddress],
  });
  expect((await chainClient.waitForTransactionReceipt({ hash: opened })).status).toBe("success");
  const poolBefore = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "balanceOf", args: [account.address, id] });

  // The course ends: the chain's clock moves past the expiry.
  await rpc("evm_increaseTime", [600]);
  await rpc("evm_mine", []);
  expect(await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "isExpired", args: [id] })).toBe(true);

  await openApp(page, accountKey("University"), "institution");
  const card = page.locator(`article[data-id="0x${id.toString(16).padStart(64, "0")}"]`);
  await expect(card).toBeVisible({ timeout: 30_000 });
  await expect(card).toContainText(/expired \d+ minutes? ago · not transferable · you can reclaim it/);
  await expect(card).toContainText("100 credits in circulation · 85 credits unused with 2 holders · 15 credits locked in channels");
  await card.getByRole("button", { name: "Show holders (2)" }).click();
  await expect(card.locator("tbody tr")).toHaveCount(2);
  // Holder, balance, locked in channels, used, reclaim.
  const cells = (holder: Address) => card.locator(`tr[data-holder="${holder}"]`).getByRole("cell");
  await expect(cells(holders[0])).toHaveText([holders[0], "25 credits", "15 credits", "0 credits", "can be reclaimed"]);
  await expect(cells(holders[1])).toHaveText([holders[1], "60 credits", "0 credits", "0 credits", "can be reclaimed"]);
  await expect(card).toContainText("15 credits locked in channels cannot be reclaimed until each channel closes");
  await checkA11y(page, "institution");
  await card.scrollIntoViewIfNeeded();
  await shot(page, "institution");

  await card.getByRole("button", { name: "Reclaim all unused (85 credits from 2)" }).click();
  await expect(card.getByRole("progressbar", { name: "Reclaiming" })).toBeVisible();
  await expect(card.getByRole("status").filter({ hasText: "2 of 2 holders reclaimed" })).toBeVisible({ timeout: 60_000 });
  await expect(card.getByRole("cell", { name: /^reclaimed/ })).toHaveCount(2);
  // The view reads the chain afresh: both holders now hold nothing; the channel's units stay locked.
  await expect(cells(holders[0])).toHaveText([holders[0], "0 credits", "15 credits", "0 credits", /^reclaimed \(0x/]);
  await expect(cells(holders[1])).toHaveText([holders[1], "0 credits", "0 credits", "0 credits", /^reclaimed \(0x/]);
  await expect(card.getByRole("button", { name: "Reclaim all unused" })).toBeDisabled();

  const balances = await chainClient.readContract({
    address: demo.aat,
    abi: aatAbi,
    functionName: "balanceOfBatch",
    args: [holders, [id, id]],
  });
  expect(balances).toEqual([0n, 0n]);
  const poolAfter = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "balanceOf", args: [account.address, id] });
  expect(poolAfter - poolBefore).toBe(85n);
  const [locked] = await chainClient.readContract({ address: demo.aat, abi: aatAbi, functionName: "channelOf", args: [holders[0], demo.provider, id] });
  expect(locked).toBe(15n);
  await checkA11y(page, "reclaimed");
  await shot(page, "reclaimed");
});
