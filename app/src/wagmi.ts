// wagmi for the configured chain: every wallet that announces itself
// through EIP-6963 (wagmi's discovery), and the page's injected provider for
// older wallets; reads go to the configured RPC URL.
import { defineChain } from "viem";
import { createConfig, http, injected } from "wagmi";
import type { AppConfig } from "./config";

export function chainOf(config: AppConfig) {
  return defineChain({
    id: config.chainId,
    name: config.chainName ?? "AI Access Rails devnode",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [config.rpcUrl] } },
  });
}

export function wagmiConfig(config: AppConfig) {
  const chain = chainOf(config);
  return createConfig({
    chains: [chain],
    connectors: [injected()],
    multiInjectedProviderDiscovery: true,
    // The devnode mines on demand: poll often so a receipt shows at once.
    pollingInterval: 500,
    transports: { [chain.id]: http(config.rpcUrl, { batch: true }) },
  });
}
