// A browser wallet for the tests: an EIP-1193 provider injected into the
// page and announced through EIP-6963 as "Test Wallet", as MetaMask or
// Rabby announce themselves. The page side only forwards each request to
// this file (Playwright's exposeBinding); here a viem local account signs
// transactions and typed data with a dev key, and everything else goes to
// the devnode. It approves every request, as a user clicking "Confirm"
// would, unless a test tells it the user rejects some (declineNext), and
// starts on Ethereum mainnet (chain 1) without the devnode's chain, so the
// app has to switch, and add the network, as with a real wallet.
import type { Page } from "@playwright/test";
import {
  type Hex,
  type TransactionRequest,
  createWalletClient,
  defineChain,
  hexToBigInt,
  http,
  numberToHex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

export interface WalletOptions {
  key: Hex;
  rpcUrl: string;
  chainId: number;
  /** The chain the wallet is on when the page opens (default 1: the wrong one). */
  startChainId?: number;
}

/** What the wallet did, for assertions (every method the page asked, in order). */
export interface WalletLog {
  requests: string[];
  signedTypedData: unknown[];
  sentTransactions: Hex[];
  /** The user picks another network in the wallet's own menu. */
  userSwitchesTo(chainId: number): Promise<void>;
  /**
   * The user clicks "Reject" on the next `count` requests of `method`, after
   * approving `after` more of them first (a batch's second transaction, say:
   * the page sends them without pausing, so the test cannot step in between).
   * A declined request throws EIP-1193's 4001, as MetaMask does, signs
   * nothing and is still logged in `requests`.
   */
  declineNext(method: DeclinableMethod, count?: number, options?: { after?: number }): void;
}

/** What a wallet asks the user to confirm, so what the user may decline. */
export type DeclinableMethod = "eth_sendTransaction" | "eth_signTypedData_v4";

class ProviderError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export async function installWallet(page: Page, options: WalletOptions): Promise<WalletLog> {
  const account = privateKeyToAccount(options.key);
  const devnode = defineChain({
    id: options.chainId,
    name: "devnode",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const client = createWalletClient({ account, chain: devnode, transport: http(options.rpcUrl) });
  const known = new Set<number>([1]);
  let chainId = options.startChainId ?? 1;
  let connected = false;
  // The user's coming answers per method, in order (true: "Reject"); past them, "Confirm".
  const answers = new Map<string, boolean[]>();
  const log: WalletLog = {
    requests: [],
    signedTypedData: [],
    sentTransactions: [],
    async userSwitchesTo(id: number) {
      known.add(id);
      chainId = id;
      await emit("chainChanged", numberToHex(id));
    },
    declineNext(method: DeclinableMethod, count = 1, { after = 0 } = {}) {
      const planned = answers.get(method) ?? [];
      answers.set(method, [...planned, ...Array<boolean>(after).fill(false), ...Array<boolean>(count).fill(true)]);
    },
  };

  const emit = (event: string, value: unknown) =>
    page.evaluate(([e, v]) => (window as unknown as { __testWalletEmit(e: string, v: unknown): void }).__testWalletEmit(e, v), [event, value] as const).catch(() => {});

  const forward = async (method: string, params: unknown[]) => {
    if (chainId !== options.chainId) throw new ProviderError(4900, `Test Wallet has no RPC for chain ${chainId}`);
    const response = await fetch(options.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
    if (body.error) throw Object.assign(new ProviderError(body.error.code, body.error.message), { data: body.error.data });
    return body.result;
  };

  const handle = async (method: string, params: unknown[]): Promise<unknown> => {
    log.requests.push(method);
    // MetaMask's code and words for "Reject": what viem turns into UserRejectedRequestError.
    if (answers.get(method)?.shift()) throw new ProviderError(4001, "User rejected the request.");
    switch (method) {
      case "eth_requestAccounts":
        connected = true;
        return [account.address];
      case "eth_accounts":
        return connected ? [account.address] : [];
      case "eth_chainId":
        return numberToHex(chainId);
      case "net_version":
        return String(chainId);
      case "wallet_requestPermissions":
        connected = true;
        return [{ parentCapability: "eth_accounts" }];
      case "wallet_getPermissions":
        return connected ? [{ parentCapability: "eth_accounts" }] : [];
      case "wallet_revokePermissions":
        connected = false;
        return null;
      case "wallet_switchEthereumChain": {
        const wanted = Number((params[0] as { chainId: Hex }).chainId);
        if (!known.has(wanted)) throw new ProviderError(4902, `Unrecognized chain ID ${wanted}. Try adding the chain first.`);
        if (wanted !== chainId) {
          chainId = wanted;
          await emit("chainChanged", numberToHex(wanted));
        }
        return null;
      }
      case "wallet_addEthereumChain": {
        const added = params[0] as { chainId: Hex; rpcUrls: string[] };
        const id = Number(added.chainId);
        if (id !== options.chainId || !added.rpcUrls?.length)
          throw new ProviderError(-32602, `Test Wallet only knows the devnode (${options.chainId})`);
        known.add(id);
        if (chainId !== id) {
          chainId = id;
          await emit("chainChanged", numberToHex(id));
        }
        return null;
      }
      case "eth_sendTransaction": {
        if (chainId !== options.chainId) throw new ProviderError(4900, "Test Wallet is on another chain");
        const tx = params[0] as Record<string, Hex | undefined>;
        if (tx.from?.toLowerCase() !== account.address.toLowerCase())
          throw new ProviderError(4100, `Test Wallet holds ${account.address}, not ${tx.from}`);
        const request: TransactionRequest = {
          to: tx.to,
          data: tx.data ?? tx.input,
          value: tx.value ? hexToBigInt(tx.value) : undefined,
          gas: tx.gas ? hexToBigInt(tx.gas) : undefined,
        };
        const hash = await client.sendTransaction({ ...request, account, chain: devnode } as Parameters<typeof client.sendTransaction>[0]);
        log.sentTransactions.push(hash);
        return hash;
      }
      case "eth_signTypedData_v4": {
        const [from, json] = params as [Hex, string];
        if (from.toLowerCase() !== account.address.toLowerCase())
          throw new ProviderError(4100, `Test Wallet holds ${account.address}, not ${from}`);
        const typed = typeof json === "string" ? JSON.parse(json) : json;
        const { EIP712Domain: _domainType, ...types } = typed.types;
        void _domainType;
        log.signedTypedData.push(typed);
        return account.signTypedData({ domain: typed.domain, types, primaryType: typed.primaryType, message: typed.message });
      }
      case "personal_sign":
        return account.signMessage({ message: { raw: params[0] as Hex } });
      default:
        return forward(method, params);
    }
  };

  await page.exposeBinding("__testWalletRequest", async (_source, method: string, params: unknown[]) => {
    try {
      return { result: await handle(method, params ?? []) };
    } catch (error) {
      const e = error as { code?: number; message?: string; data?: unknown };
      return { error: { code: e.code ?? -32603, message: e.message ?? String(error), data: e.data } };
    }
  });
  await page.addInitScript(() => {
    type Listener = (value: unknown) => void;
    const listeners = new Map<string, Set<Listener>>();
    const w = window as unknown as {
      __testWalletRequest(method: string, params: unknown): Promise<{ result?: unknown; error?: { code: number; message: string; data?: unknown } }>;
      __testWalletEmit(event: string, value: unknown): void;
    };
    const provider = {
      isTestWallet: true,
      async request({ method, params }: { method: string; params?: unknown }) {
        const answer = await w.__testWalletRequest(method, params ?? []);
        if (answer.error) throw Object.assign(new Error(answer.error.message), answer.error);
        return answer.result;
      },
      on(event: string, listener: Listener) {
        if (!listeners.has(event)) listeners.set(event, new Set());
        listeners.get(event)!.add(listener);
        return provider;
      },
      removeListener(event: string, listener: Listener) {
        listeners.get(event)?.delete(listener);
        return provider;
      },
    };
    w.__testWalletEmit = (event, value) => listeners.get(event)?.forEach((l) => l(value));
    const icon =
      "data:image/svg+xml;base64," +
      btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1d4ed8"/><text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff">T</text></svg>');
    const detail = Object.freeze({
      info: Object.freeze({ uuid: "6f1c2b0e-7d1a-4c55-9d3e-2a6b1f0c9e11", name: "Test Wallet", icon, rdns: "dev.aat.testwallet" }),
      provider,
    });
    const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail }));
    window.addEventListener("eip6963:requestProvider", announce);
    announce();
  });
  return log;
}
