//! Deployment exactly as cargo-stylus deploys a program with a constructor,
//! and as `scripts/deploy` sends it: the wasm brotli-compressed behind the
//! `0xEFF00000` prefix, wrapped in cargo-stylus's init code, and sent to
//! StylusDeployer, which creates, activates (paying ArbOS's data fee) and
//! constructs it in one transaction. The data fee is quoted the way
//! cargo-stylus quotes it: `activateProgram` in an `eth_call` with the code
//! placed at an address by a state override.

use alloy::{
    network::TransactionBuilder,
    primitives::{address, Address, Bytes, B256, U256},
    providers::Provider,
    rpc::types::{
        state::{AccountOverride, StateOverridesBuilder},
        TransactionReceipt, TransactionRequest,
    },
    sol_types::{SolCall, SolValue},
};

use crate::{
    bindings::{stylus_constructorCall, ArbWasm, ArbWasmCache, StylusDeployer, TokenAI},
    error::{ClientError, Contract},
    orders::Exchange,
    rails::{send_call, Rails},
};

/// StylusDeployer's canonical address (the same on every Arbitrum chain).
pub const STYLUS_DEPLOYER: Address = address!("0xcEcba2F1DC234f70Dd89F2041029807F8D03A990");
/// ArbWasm, the activation precompile.
pub const ARB_WASM: Address = address!("0x0000000000000000000000000000000000000071");
/// ArbWasmCache, the program cache.
pub const ARB_WASM_CACHE: Address = address!("0x0000000000000000000000000000000000000072");
/// A program's code prefix: `0xEFF000` and dictionary 0 (none).
pub use stylus_program::PREFIX;

/// A program's deployed code: the prefix and the wasm compressed with
/// brotli at quality 11 with a 4 MiB window, as cargo-stylus compresses it
/// (`stylus-program`, the format's one owner).
#[must_use]
pub fn deployed_code(wasm: &[u8]) -> Vec<u8> {
    stylus_program::code(wasm)
}

/// Init code returning `code`: cargo-stylus's prelude, then the code.
#[must_use]
pub fn init_code(code: &[u8]) -> Bytes {
    stylus_program::init_code(code).into()
}

/// The data fee ArbOS charges to activate `code`, quoted as cargo-stylus
/// quotes it.
///
/// # Errors
///
/// The chain refuses to activate the program (its error), or the node fails.
pub async fn activation_fee<P: Provider>(provider: &P, code: &[u8]) -> Result<U256, ClientError> {
    let (sender, at) = (Address::random(), Address::random());
    let overrides = StateOverridesBuilder::default()
        .append(sender, AccountOverride::default().with_balance(U256::MAX))
        .append(at, AccountOverride::default().with_code(code.to_vec()))
        .build();
    let quote = ArbWasm::new(ARB_WASM, provider)
        .activateProgram(at)
        .from(sender)
        .value(U256::from(10u64).pow(U256::from(18u64)))
        .state(overrides)
        .call()
        .await
        .map_err(|e| {
            ClientError::Input(format!("the chain will not activate this program: {e}"))
        })?;
    Ok(quote.dataFee)
}

/// Puts `program` in Nitro's program cache (`ArbWasmCache.cacheProgram`):
/// its calls then pay only their cached init gas (for TokenAI about 14,000
/// gas less a call). Only the chain owner or a cache manager may; on
/// Arbitrum One and Sepolia anyone caches a program by bidding through the
/// CacheManager contract (`cargo stylus cache bid`), and on the devnode the
/// chain owner is its first dev account.
///
/// # Errors
///
/// The sender may not cache, the program is not activated, or the node
/// fails.
pub async fn cache_program<P: Provider>(
    provider: &P,
    program: Address,
) -> Result<TransactionReceipt, ClientError> {
    let refused =
        |e: &dyn std::fmt::Display| ClientError::Input(format!("{program} was not cached: {e}"));
    let receipt = ArbWasmCache::new(ARB_WASM_CACHE, provider)
        .cacheProgram(program)
        .send()
        .await
        .map_err(|e| refused(&e))?
        .get_receipt()
        .await
        .map_err(|e| refused(&e))?;
    if receipt.status() {
        Ok(receipt)
    } else {
        Err(ClientError::Failed(receipt.transaction_hash))
    }
}

/// A deployed program.
#[derive(Clone, Debug)]
pub struct Deployed {
    /// Where the program lives, as StylusDeployer's `ContractDeployed` log
    /// reports it.
    pub address: Address,
    /// The receipt of the StylusDeployer transaction that created, activated
    /// and constructed it.
    pub receipt: TransactionReceipt,
}

/// Deploys `wasm` through StylusDeployer with ABI-encoded
/// `constructor_args`, paying the data fee plus cargo-stylus's 20% margin
/// (StylusDeployer refunds what activation leaves).
///
/// # Errors
///
/// The chain will not activate the program, the constructor reverts (its
/// error, decoded as `contract`'s), or the node fails.
pub async fn deploy<P: Provider>(
    provider: &P,
    contract: Contract,
    wasm: &[u8],
    constructor_args: Vec<u8>,
) -> Result<Deployed, ClientError> {
    let code = deployed_code(wasm);
    let fee = activation_fee(provider, &code).await?;
    let mut init = stylus_constructorCall::SELECTOR.to_vec();
    init.extend(constructor_args);
    let call = StylusDeployer::deployCall {
        bytecode: init_code(&code),
        initData: init.into(),
        initValue: U256::ZERO,
        salt: B256::ZERO,
    };
    let request = TransactionRequest::default()
        .with_to(STYLUS_DEPLOYER)
        .with_input(Bytes::from(call.abi_encode()))
        .with_value(fee * U256::from(6) / U256::from(5));
    let receipt = send_call(provider, contract, request).await?;
    let address = receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| log.log_decode::<StylusDeployer::ContractDeployed>().ok())
        .map(|log| log.inner.data.deployedContract)
        .ok_or_else(|| ClientError::Decode("no ContractDeployed log".into()))?;
    Ok(Deployed { address, receipt })
}

/// What [`deploy_suite`] deploys.
#[derive(Clone, Debug)]
pub struct SuiteConfig<'a> {
    /// TokenAI's wasm as the build emits it; [`deploy`] compresses and prefixes
    /// it.
    pub token_wasm: &'a [u8],
    /// AAT's wasm as the build emits it.
    pub aat_wasm: &'a [u8],
    /// TokenAI's ERC-20 name (its constructor's `name`).
    pub name: String,
    /// TokenAI's ERC-20 symbol (its constructor's `symbol`).
    pub symbol: String,
    /// The initial owner of TokenAI and AAT (and of AATExchange with
    /// [`deploy_suite_with_exchange`]): the account the provider sends from,
    /// since it then sends `TokenAI.setMinter`.
    pub owner: Address,
    /// AAT's treasury, to which its fees' TokenAI value is minted (and
    /// AATExchange's, which receives its fees, with
    /// [`deploy_suite_with_exchange`]).
    pub treasury: Address,
    /// AAT's ERC-1155 metadata URI template (clients substitute `{id}`).
    pub uri: String,
}

/// TokenAI deployed with its constructor `(name, symbol, initialOwner)`.
///
/// # Errors
///
/// The chain will not activate it, or the constructor refuses.
pub async fn deploy_token_ai<P: Provider>(
    provider: &P,
    wasm: &[u8],
    name: String,
    symbol: String,
    owner: Address,
) -> Result<Deployed, ClientError> {
    let args = (name, symbol, owner).abi_encode_params();
    deploy(provider, Contract::TokenAI, wasm, args).await
}

/// AAT deployed with its constructor `(tokenAI, treasury, uri,
/// initialOwner)`.
///
/// # Errors
///
/// The chain will not activate it, or the constructor refuses
/// (`ZeroAddress`, `NotAContract`).
pub async fn deploy_aat<P: Provider>(
    provider: &P,
    wasm: &[u8],
    token_ai: Address,
    treasury: Address,
    uri: String,
    owner: Address,
) -> Result<Deployed, ClientError> {
    let args = (token_ai, treasury, uri, owner).abi_encode_params();
    deploy(provider, Contract::Aat, wasm, args).await
}

/// Lets `rails`' AAT mint TokenAI (its fee hook): `TokenAI.setMinter(aat,
/// true)`, sent by TokenAI's owner.
///
/// # Errors
///
/// The sender is not TokenAI's owner, or the node fails.
pub async fn make_aat_a_minter<P: Provider>(
    rails: &Rails<P>,
) -> Result<TransactionReceipt, ClientError> {
    rails
        .send_token(TokenAI::setMinterCall {
            minter: rails.aat,
            enabled: true,
        })
        .await
}

/// TokenAI and AAT deployed and wired as `scripts/deploy all` does it:
/// TokenAI, then AAT pointing at it, then AAT made a TokenAI minter (sent
/// by `provider`'s account, which must be `owner`).
///
/// # Errors
///
/// Any of the three transactions fails.
pub async fn deploy_suite<P: Provider + Clone>(
    provider: &P,
    config: SuiteConfig<'_>,
) -> Result<(Rails<P>, [TransactionReceipt; 3]), ClientError> {
    let token = deploy_token_ai(
        provider,
        config.token_wasm,
        config.name,
        config.symbol,
        config.owner,
    )
    .await?;
    let aat = deploy_aat(
        provider,
        config.aat_wasm,
        token.address,
        config.treasury,
        config.uri,
        config.owner,
    )
    .await?;
    let rails = Rails::new(provider.clone(), token.address, aat.address);
    let wired = make_aat_a_minter(&rails).await?;
    Ok((rails, [token.receipt, aat.receipt, wired]))
}

/// AATExchange deployed over `rails`' AAT and TokenAI (constructor `aat,
/// tokenAI, treasury, initialOwner`), its fee starting at zero.
///
/// # Errors
///
/// The chain will not activate it, or the constructor refuses
/// (`ZeroAddress`, `NotAContract`).
pub async fn deploy_exchange<P: Provider + Clone>(
    rails: &Rails<P>,
    exchange_wasm: &[u8],
    treasury: Address,
    owner: Address,
) -> Result<(Exchange<P>, TransactionReceipt), ClientError> {
    let deployed = deploy(
        &rails.provider,
        Contract::Exchange,
        exchange_wasm,
        (rails.aat, rails.token, treasury, owner).abi_encode_params(),
    )
    .await?;
    Ok((
        Exchange::new(rails.provider.clone(), deployed.address),
        deployed.receipt,
    ))
}

/// [`deploy_suite`], then AATExchange over it with the suite's treasury and
/// owner. The suite is deployed exactly as [`deploy_suite`] deploys it.
///
/// # Errors
///
/// Any of the four transactions fails.
pub async fn deploy_suite_with_exchange<P: Provider + Clone>(
    provider: &P,
    config: SuiteConfig<'_>,
    exchange_wasm: &[u8],
) -> Result<(Rails<P>, Exchange<P>, [TransactionReceipt; 4]), ClientError> {
    let (treasury, owner) = (config.treasury, config.owner);
    let (rails, [token, aat, wired]) = deploy_suite(provider, config).await?;
    let (exchange, deployed) = deploy_exchange(&rails, exchange_wasm, treasury, owner).await?;
    Ok((rails, exchange, [token, aat, wired, deployed]))
}
