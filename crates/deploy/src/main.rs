//! `aat-deploy`: deploys the suite from the wasm `scripts/build` wrote, as
//! `cargo stylus deploy` deploys a contract with a constructor: one
//! StylusDeployer transaction that creates, activates and constructs each
//! program, paying the activation fee the chain quotes plus cargo-stylus's
//! 20% margin (`aat_client::deploy`, with `stylus-program`'s encoding).
//! cargo-stylus 0.10.10 cannot send that transaction for a built wasm (with
//! `--wasm-file` it drops the constructor's arguments), so `scripts/deploy`
//! runs `cargo stylus check` on each program, then this.
//!
//! The addresses go to standard output (`TokenAI: 0x...`), what was sent to
//! standard error.

use std::{path::PathBuf, process::ExitCode};

use aat_client::{
    deploy::{deploy_aat, deploy_exchange, deploy_token_ai, make_aat_a_minter, Deployed},
    ClientError, Rails,
};
use alloy::{
    primitives::Address,
    providers::{DynProvider, Provider},
    signers::local::PrivateKeySigner,
};
use clap::{Parser, ValueEnum};

/// What to deploy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Target {
    /// TokenAI (constructor: name, symbol, owner).
    TokenAi,
    /// AAT (constructor: TokenAI, treasury, URI, owner), then made a
    /// TokenAI minter unless --no-wire.
    Aat,
    /// AATExchange (constructor: AAT, TokenAI, treasury, owner).
    Exchange,
    /// TokenAI, AAT and AATExchange, in that order.
    All,
}

/// Deploys TokenAI, AAT and AATExchange as cargo-stylus deploys a contract
/// with a constructor (StylusDeployer: create, activate, construct).
///
/// The deployer's key is read from the file `PRIVATE_KEY_PATH`, the variable
/// `PRIVATE_KEY`, or the encrypted keystore `ETH_KEYSTORE` (with `ETH_PASSWORD`),
/// never from the command line.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// What to deploy.
    #[arg(value_enum)]
    target: Target,
    /// A network named in Stylus.toml (devnode, arbitrum-sepolia,
    /// arbitrum-one).
    #[arg(
        long,
        required_unless_present = "endpoint",
        conflicts_with = "endpoint"
    )]
    network: Option<String>,
    /// Any JSON-RPC endpoint.
    #[arg(long)]
    endpoint: Option<String>,
    /// The contracts' owner (default: the deployer).
    #[arg(long)]
    owner: Option<Address>,
    /// TokenAI's name.
    #[arg(long, default_value = "TokenAI")]
    name: String,
    /// TokenAI's symbol.
    #[arg(long, default_value = "TAI")]
    symbol: String,
    /// TokenAI, when deploying AAT or the exchange without it.
    #[arg(long)]
    token_ai: Option<Address>,
    /// AAT, when deploying the exchange without it.
    #[arg(long)]
    aat: Option<Address>,
    /// Where AAT's and the exchange's fees go.
    #[arg(long)]
    treasury: Option<Address>,
    /// AAT's metadata URI.
    #[arg(long, default_value = "")]
    uri: String,
    /// Do not make AAT a TokenAI minter (TokenAI's owner does it later).
    #[arg(long)]
    no_wire: bool,
    /// Where the built wasm is.
    #[arg(long, default_value = "artifacts")]
    artifacts: PathBuf,
    /// The cargo-stylus manifest naming the networks.
    #[arg(long, default_value = "Stylus.toml")]
    stylus_toml: PathBuf,
    /// Do not run `cargo stylus check` on each program before deploying it
    /// (the chain's activation quote still checks it).
    #[arg(long)]
    skip_check: bool,
}

/// Why a deployment stopped.
#[derive(Debug, thiserror::Error)]
enum DeployError {
    #[error("{0}")]
    Usage(String),
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the deployer's key: {0}")]
    Key(String),
    #[error("the endpoint {endpoint} does not answer: {source}")]
    Endpoint {
        endpoint: String,
        source: ClientError,
    },
    #[error("deploying {what}: {source}")]
    Deploy {
        what: &'static str,
        source: ClientError,
    },
    #[error("cargo stylus check {program}: {reason}")]
    Check { program: String, reason: String },
    #[error("TokenAI.setMinter(AAT) failed: is the key TokenAI's owner? (or pass --no-wire): {0}")]
    Wire(ClientError),
}

/// The endpoint `network` names in the cargo-stylus manifest at `manifest`.
fn network_endpoint(manifest: &std::path::Path, network: &str) -> Result<String, DeployError> {
    let text = std::fs::read_to_string(manifest).map_err(|source| DeployError::Read {
        path: manifest.to_owned(),
        source,
    })?;
    let parsed: toml::Table = text
        .parse()
        .map_err(|e| DeployError::Usage(format!("{}: {e}", manifest.display())))?;
    parsed
        .get("workspace")
        .and_then(|w| w.get("networks"))
        .and_then(|n| n.get(network))
        .and_then(|n| n.get("endpoint"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            DeployError::Usage(format!(
                "unknown network '{network}' (see {})",
                manifest.display()
            ))
        })
}

/// The deployer's key, from the environment only.
fn deployer_key() -> Result<PrivateKeySigner, DeployError> {
    let key = |text: &str| {
        text.trim()
            .parse::<PrivateKeySigner>()
            .map_err(|e| DeployError::Key(e.to_string()))
    };
    let set = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    if let Some(path) = set("PRIVATE_KEY_PATH") {
        let text = std::fs::read_to_string(&path).map_err(|source| DeployError::Read {
            path: path.into(),
            source,
        })?;
        return key(&text);
    }
    if let Some(text) = set("PRIVATE_KEY") {
        return key(&text);
    }
    if let Ok(keystore) = std::env::var("ETH_KEYSTORE") {
        let password = std::env::var("ETH_PASSWORD")
            .map_err(|_| DeployError::Key("ETH_KEYSTORE is set but not ETH_PASSWORD".to_owned()))?;
        return PrivateKeySigner::decrypt_keystore(&keystore, password)
            .map_err(|e| DeployError::Key(format!("{keystore}: {e}")));
    }
    Err(DeployError::Key(
        "set PRIVATE_KEY_PATH (a file holding the key), PRIVATE_KEY, or ETH_KEYSTORE and ETH_PASSWORD".to_owned(),
    ))
}

/// `cargo stylus check` of the built `wasm` against `endpoint`, its report
/// passed on to standard error. It runs in an empty project of its own:
/// with `--wasm-file` cargo-stylus still builds every contract of the
/// project it runs in, with the host toolchain, which cannot build them
/// small enough.
fn cargo_stylus_check(endpoint: &str, wasm: &std::path::Path) -> Result<(), DeployError> {
    let program = wasm.display().to_string();
    let failed = |reason: String| DeployError::Check {
        program: program.clone(),
        reason,
    };
    let project = std::env::temp_dir().join(format!("aat-deploy-check-{}", std::process::id()));
    std::fs::create_dir_all(&project).map_err(|e| failed(e.to_string()))?;
    let written = std::fs::write(
        project.join("Cargo.toml"),
        "[workspace]\nmembers = []\nresolver = \"2\"\n",
    )
    .and_then(|()| {
        std::fs::write(
            project.join("Stylus.toml"),
            "[workspace]\n\n[workspace.networks]\n",
        )
    });
    if let Err(err) = written {
        return Err(failed(err.to_string()));
    }
    let wasm = std::fs::canonicalize(wasm).map_err(|e| failed(e.to_string()))?;
    let output = std::process::Command::new("cargo")
        .args(["stylus", "check", "--endpoint", endpoint, "--wasm-file"])
        .arg(&wasm)
        .current_dir(&project)
        .output();
    let _ = std::fs::remove_dir_all(&project);
    let output = output.map_err(|e| failed(format!("cannot run cargo: {e}")))?;
    eprint!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if output.status.success() {
        Ok(())
    } else {
        Err(failed(
            "it failed (above); is cargo-stylus installed? cargo install cargo-stylus --locked, or pass --skip-check".to_owned(),
        ))
    }
}

/// What the run has deployed so far, and what it was given.
struct Deployer {
    provider: DynProvider,
    endpoint: String,
    args: Args,
    owner: Address,
}

impl Deployer {
    /// `crate_name`'s built wasm, checked by cargo-stylus first unless
    /// `--skip-check`.
    fn wasm(&self, crate_name: &str) -> Result<Vec<u8>, DeployError> {
        let path = self.args.artifacts.join(format!("{crate_name}.wasm"));
        let wasm = std::fs::read(&path).map_err(|source| DeployError::Read {
            path: path.clone(),
            source,
        })?;
        if !self.args.skip_check {
            cargo_stylus_check(&self.endpoint, &path)?;
        }
        Ok(wasm)
    }

    fn required(value: Option<Address>, what: &str) -> Result<Address, DeployError> {
        value.ok_or_else(|| DeployError::Usage(format!("{what} is required")))
    }

    async fn run(&self) -> Result<(), DeployError> {
        let target = self.args.target;
        let everything = target == Target::All;
        let (provider, owner) = (&self.provider, self.owner);
        let mut token_ai = self.args.token_ai;
        let mut aat = self.args.aat;
        if target == Target::TokenAi || everything {
            let (wasm, a) = (self.wasm("token-ai")?, &self.args);
            let deployed =
                deploy_token_ai(provider, &wasm, a.name.clone(), a.symbol.clone(), owner).await;
            token_ai = Some(reported("TokenAI", deployed)?);
        }
        if target == Target::Aat || everything {
            let token = Self::required(token_ai, "--token-ai ADDR (to deploy AAT alone)")?;
            let treasury = Self::required(self.args.treasury, "--treasury ADDR")?;
            let wasm = self.wasm("aat")?;
            let uri = self.args.uri.clone();
            let deployed = deploy_aat(provider, &wasm, token, treasury, uri, owner).await;
            let deployed = reported("AAT", deployed)?;
            aat = Some(deployed);
            if !self.args.no_wire {
                let receipt = make_aat_a_minter(&Rails::new(provider.clone(), token, deployed))
                    .await
                    .map_err(DeployError::Wire)?;
                eprintln!("TokenAI.setMinter(AAT) (tx {})", receipt.transaction_hash);
            }
        }
        if target == Target::Exchange || everything {
            let token = Self::required(token_ai, "--token-ai ADDR (to deploy the exchange alone)")?;
            let aat = Self::required(aat, "--aat ADDR (to deploy the exchange alone)")?;
            let treasury = Self::required(self.args.treasury, "--treasury ADDR")?;
            let wasm = self.wasm("exchange")?;
            let rails = Rails::new(provider.clone(), token, aat);
            let deployed =
                deploy_exchange(&rails, &wasm, treasury, owner)
                    .await
                    .map(|(exchange, receipt)| Deployed {
                        address: exchange.address,
                        receipt,
                    });
            reported("AATExchange", deployed)?;
        }
        Ok(())
    }
}

/// Says where `what` was deployed (its address on standard output, its
/// transaction on standard error); its address.
fn reported(
    what: &'static str,
    deployed: Result<Deployed, ClientError>,
) -> Result<Address, DeployError> {
    let deployed = deployed.map_err(|source| DeployError::Deploy { what, source })?;
    eprintln!(
        "{what} deployed at {} (tx {}, gas {})",
        deployed.address, deployed.receipt.transaction_hash, deployed.receipt.gas_used
    );
    println!("{what}: {}", deployed.address);
    Ok(deployed.address)
}

async fn run(args: Args) -> Result<(), DeployError> {
    let endpoint = match (&args.endpoint, &args.network) {
        (Some(endpoint), _) => endpoint.clone(),
        (None, Some(network)) => network_endpoint(&args.stylus_toml, network)?,
        (None, None) => {
            return Err(DeployError::Usage(
                "name a --network or an --endpoint".into(),
            ))
        }
    };
    let key = deployer_key()?;
    let owner = args.owner.unwrap_or(key.address());
    let provider = aat_client::connect(&endpoint, key).map_err(|source| DeployError::Endpoint {
        endpoint: endpoint.clone(),
        source,
    })?;
    // Fail early and clearly when nothing answers there.
    provider
        .get_chain_id()
        .await
        .map_err(|e| DeployError::Endpoint {
            endpoint: endpoint.clone(),
            source: e.into(),
        })?;
    Deployer {
        provider,
        endpoint,
        args,
        owner,
    }
    .run()
    .await
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Args::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
