// What every spec shares: the demo's chain (AAT_DEMO_ENV), its parties'
// keys, fresh funded accounts, the test wallet in a page, the axe-core
// check, and screenshots under test-results/screens.
import { readFileSync } from "node:fs";
import { type Page, expect, test } from "@playwright/test";
import { type Address, type Hex, createPublicClient, defineChain, http, numberToHex, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { type WalletLog, installWallet } from "./wallet";

export { expect, test };

export interface DemoEnv {
  rpcUrl: string;
  chainId: number;
  tokenAI: Address;
  aat: Address;
  exchange: Address;
  gateway: string;
  market: string;
  provider: Address;
  /** The web app's URL (served by `aat-demo --keep`). */
  app: string;
  ids: Record<string, Hex>;
  accounts: { name: string; role: string; address: Address; key: Hex }[];
}

function loadDemo(): DemoEnv {
  const path = process.env.AAT_DEMO_ENV;
  if (!path) throw new Error("set AAT_DEMO_ENV to the file `aat-demo --keep --write-env FILE` wrote");
  const env = JSON.parse(readFileSync(path, "utf8")) as DemoEnv;
  if (process.env.APP_URL) env.app = process.env.APP_URL;
  if (!env.app) throw new Error(`${path} names no app URL: was app/dist built before the demo started?`);
  return env;
}

export const demo = loadDemo();

export const chain = defineChain({
  id: demo.chainId,
  name: "devnode",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [demo.rpcUrl] } },
});

/** Reads for assertions (viem, straight to the devnode). */
export const chainClient = createPublicClient({ chain, transport: http(demo.rpcUrl) });

/** A party of the story by name ("University", "Ada", "Donor", …). */
export function accountKey(name: string): Hex {
  const found = demo.accounts.find((a) => a.name === name);
  if (!found) throw new Error(`no party named ${name} in AAT_DEMO_ENV`);
  return found.key;
}

export async function rpc<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
  const response = await fetch(demo.rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** A new key with 10 ETH for gas, and nothing else. */
export async function freshAccount(): Promise<{ address: Address; key: Hex }> {
  const key = generatePrivateKey();
  const { address } = privateKeyToAccount(key);
  await rpc("anvil_setBalance", [address, numberToHex(parseEther("10"))]);
  return { address, key };
}

/**
 * Opens the app at `route` (e.g. "credits") in `page` with the test wallet
 * holding `key`, connects it and switches it to the devnode's chain through
 * the app's own buttons, as a person would (connecting asks the wallet for
 * the app's chain, adding it). Returns what the wallet did.
 */
export async function openApp(page: Page, key: Hex, route: string): Promise<WalletLog> {
  const log = await installWallet(page, { key, rpcUrl: demo.rpcUrl, chainId: demo.chainId });
  await page.goto(`${demo.app}/#/${route}`);
  await page.getByRole("button", { name: "Test Wallet" }).click();
  const address = privateKeyToAccount(key).address;
  await expect(page.getByLabel("Connected account")).toHaveAttribute("title", address);
  await expect(page.getByRole("heading", { name: "Wrong network" })).toHaveCount(0);
  return log;
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function checkA11y(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ path: require_axe() });
  const results = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    return axe.run(document, { resultTypes: ["violations"] });
  });
  const grave = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const described = grave.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  expect(described, `accessibility of ${name}`).toEqual([]);
}

function require_axe(): string {
  return new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname;
}

/** A screenshot kept as test-results/screens/<name>.png (the README shows some). */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}
