import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { WagmiProvider } from "wagmi";
import { App } from "./App";
import { ConfigError, loadConfig } from "./config";
import { ConfigContext } from "./context";
import "./styles.css";
import { wagmiConfig } from "./wagmi";

const root = createRoot(document.getElementById("root")!);
const queryClient = new QueryClient({ defaultOptions: { queries: { refetchOnWindowFocus: false, retry: 1 } } });

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <ConfigContext.Provider value={config}>
          <WagmiProvider config={wagmiConfig(config)}>
            <QueryClientProvider client={queryClient}>
              <App />
            </QueryClientProvider>
          </WagmiProvider>
        </ConfigContext.Provider>
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <main>
        <h1>This app is not set up</h1>
        <p role="alert">
          {error instanceof ConfigError ? error.message : `config.json could not be loaded: ${String(error)}`}
        </p>
        <p>
          Put a <code>config.json</code> beside <code>index.html</code> with rpcUrl, chainId, tokenAI, aat, exchange,
          gateway and market (the file <code>aat-demo --keep --write-env</code> writes).
        </p>
      </main>,
    ),
);
