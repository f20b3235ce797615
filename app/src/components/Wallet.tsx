// Connecting a wallet: every wallet the browser announces (EIP-6963) by
// name and icon; the wrong network named, and switched (or added) for the
// user in one click. Nothing here ever asks for a private key.
import { useConnect, useConnection, useConnectors, useDisconnect, useSwitchChain } from "wagmi";
import { useAppConfig } from "../context";
import { explain } from "../lib/errors";
import { shortAddress } from "../lib/units";
import { chainOf } from "../wagmi";

export function WalletButton() {
  const { address, status } = useConnection();
  const { disconnect } = useDisconnect();
  if (status === "connected" && address)
    return (
      <div className="wallet">
        <span aria-label="Connected account" title={address}>
          {shortAddress(address)}
        </span>
        <button type="button" className="secondary" onClick={() => disconnect()}>
          Disconnect
        </button>
      </div>
    );
  return null;
}

/** Shown instead of a view until a wallet is connected on the app's chain. */
export function WalletGate({ children }: { children: React.ReactNode }) {
  const config = useAppConfig();
  const { status, chainId } = useConnection();
  const connectors = useConnectors();
  const connect = useConnect();
  const switchChain = useSwitchChain();
  const chain = chainOf(config);
  if (status === "reconnecting" || status === "connecting")
    return (
      <p role="status" className="notice">
        Connecting to your wallet…
      </p>
    );
  if (status !== "connected") {
    // The page's own injected provider only when no wallet announced itself.
    const announced = connectors.filter((c) => c.type === "injected" && c.id !== "injected");
    const shown = announced.length > 0 ? announced : connectors;
    return (
      <section className="card" aria-labelledby="connect-title">
        <h2 id="connect-title">Connect a wallet</h2>
        <p>Use the wallet you already have. The app asks it to sign; it never sees your keys.</p>
        {shown.length === 0 && <p className="notice">No browser wallet was found. Install one (MetaMask, Rabby, Coinbase Wallet, Frame) and reload.</p>}
        <ul className="wallets">
          {shown.map((connector) => (
            <li key={connector.uid}>
              <button type="button" onClick={() => connect.connect({ connector, chainId: chain.id })} disabled={connect.isPending}>
                {connector.icon && <img src={connector.icon} alt="" width={20} height={20} />}
                {connector.id === "injected" ? "Browser wallet" : connector.name}
              </button>
            </li>
          ))}
        </ul>
        {connect.isPending && <p role="status">Approve the connection in your wallet…</p>}
        {connect.error && <p role="alert" className="tx failed">{explain(connect.error)}</p>}
      </section>
    );
  }
  if (chainId !== chain.id)
    return (
      <section className="card" aria-labelledby="network-title">
        <h2 id="network-title">Wrong network</h2>
        <p>
          Your wallet is on network {chainId}. This app uses {chain.name} (chain id {chain.id}) at {config.rpcUrl}.
        </p>
        <button
          type="button"
          disabled={switchChain.isPending}
          onClick={() =>
            switchChain.switchChain({
              chainId: chain.id,
              addEthereumChainParameter: {
                chainName: chain.name,
                nativeCurrency: chain.nativeCurrency,
                rpcUrls: [config.rpcUrl],
              },
            })
          }
        >
          Switch to {chain.name}
        </button>
        {switchChain.isPending && <p role="status">Confirm the network in your wallet…</p>}
        {switchChain.error && <p role="alert" className="tx failed">{explain(switchChain.error)}</p>}
      </section>
    );
  return <>{children}</>;
}
