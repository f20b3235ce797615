// The wallet's side of the app: EIP-6963 discovery, the network added and
// switched when connecting, the wrong-network state when the user moves
// the wallet elsewhere, and no key ever asked for.
import { accountKey, checkA11y, demo, expect, openApp, shot, test } from "./fixtures";
import { installWallet } from "./wallet";

test("a wallet announced by EIP-6963 connects on the app's chain, adding it", async ({ page }) => {
  const wallet = await installWallet(page, { key: accountKey("Ada"), rpcUrl: demo.rpcUrl, chainId: demo.chainId });
  await page.goto(`${demo.app}/#/credits`);
  await expect(page.getByRole("heading", { name: "Connect a wallet" })).toBeVisible();
  await checkA11y(page, "connect");
  await shot(page, "connect");
  await page.getByRole("button", { name: "Test Wallet" }).click();
  await expect(page.getByLabel("Connected account")).toBeVisible();
  // The wallet was on mainnet without the devnode: the switch failed with
  // 4902 (unknown chain) and the chain was added with the config's RPC URL.
  expect(wallet.requests).toContain("wallet_switchEthereumChain");
  expect(wallet.requests).toContain("wallet_addEthereumChain");
  expect(wallet.requests).not.toContain("eth_sendTransaction");

  // The user moves the wallet to mainnet: the app says so and switches back.
  await wallet.userSwitchesTo(1);
  await expect(page.getByRole("heading", { name: "Wrong network" })).toBeVisible();
  await expect(page.getByText("Your wallet is on network 1.")).toBeVisible();
  await checkA11y(page, "wrong network");
  await shot(page, "wrong-network");
  await page.getByRole("button", { name: /^Switch to / }).click();
  await expect(page.getByRole("heading", { name: "Wrong network" })).toHaveCount(0);
  await expect(page.getByRole("heading", { level: 1, name: "My credits" })).toBeVisible();
});

test("no view asks for a private key", async ({ page }) => {
  await openApp(page, accountKey("Ada"), "credits");
  for (const view of ["My credits", "Buy", "Chat", "Market", "Issue credits", "My institution"]) {
    await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: view }).click();
    await expect(page.getByRole("heading", { level: 1, name: view })).toBeVisible();
    await expect(page.getByText(/private key|seed phrase|mnemonic/i)).toHaveCount(0);
    await expect(page.locator("input[type=password]")).toHaveCount(0);
  }
});
