//! The JSON-RPC methods: what cargo-stylus, foundry's cast, alloy, viem and
//! wallets call, and the dev methods test suites use.

use alloy::{
    consensus::{SignableTransaction, TxEnvelope},
    eips::{BlockId, BlockNumberOrTag},
    network::TxSignerSync,
    primitives::{Address, Bytes, TxKind, B256, U256, U64},
    rpc::types::{
        state::StateOverride, FeeHistory, Filter, FilterBlockOption, Log, TransactionRequest,
    },
};
use jsonrpsee::{
    types::{ErrorObjectOwned, Params},
    RpcModule,
};
use revm::{
    context::TxEnv,
    state::{AccountInfo, Bytecode},
};
use serde::Deserialize;

use crate::{
    anvil, arbos,
    chain::{Chain, BLOCK_GAS_LIMIT},
    error::RpcError,
    filters,
    node::Handle,
    stylus::Db,
    views,
};

/// `web3_clientVersion`.
pub const CLIENT_VERSION: &str = concat!("aat-devnode/", env!("CARGO_PKG_VERSION"));

type RpcResult<T> = Result<T, RpcError>;

/// A quantity given as a number or a hex string (dev methods accept both).
#[derive(Deserialize)]
#[serde(untagged)]
enum Quantity {
    Number(u64),
    Hex(U64),
}

impl Quantity {
    fn get(self) -> u64 {
        match self {
            Quantity::Number(n) => n,
            Quantity::Hex(n) => n.to(),
        }
    }
}

/// The positional parameters as `T` (a tuple): absent trailing optional
/// parameters are read as null, as clients omit them.
/// `evm_mine`'s one parameter, as anvil takes it: a timestamp, or
/// `{"timestamp": t, "blocks": n}`; anything else is invalid params.
#[derive(Deserialize)]
#[serde(untagged)]
enum MineOptions {
    Options {
        timestamp: Option<Quantity>,
        blocks: Option<Quantity>,
    },
    Timestamp(Quantity),
}

fn parse<T: for<'de> Deserialize<'de>>(params: &Params<'_>) -> RpcResult<T> {
    let raw = params.as_str().unwrap_or("[]");
    let mut value: serde_json::Value = serde_json::from_str(raw)
        .map_err(|e| RpcError::invalid_params(format!("invalid parameters: {e}")))?;
    loop {
        match serde_json::from_value::<T>(value.clone()) {
            Ok(parsed) => return Ok(parsed),
            Err(err) => match &mut value {
                serde_json::Value::Array(items)
                    if err.to_string().contains("invalid length") && items.len() < 8 =>
                {
                    items.push(serde_json::Value::Null);
                }
                _ => {
                    return Err(RpcError::invalid_params(format!(
                        "invalid parameters: {err}"
                    )))
                }
            },
        }
    }
}

/// The state-bearing block a request names must be the latest: the devnode
/// keeps the current state only.
fn require_latest(chain: &Chain, block: Option<BlockId>) -> RpcResult<()> {
    let latest = chain.latest().header.number;
    match block {
        None
        | Some(BlockId::Number(
            BlockNumberOrTag::Latest
            | BlockNumberOrTag::Pending
            | BlockNumberOrTag::Safe
            | BlockNumberOrTag::Finalized,
        )) => Ok(()),
        Some(BlockId::Number(BlockNumberOrTag::Number(n))) if n == latest => Ok(()),
        Some(BlockId::Hash(hash)) if hash.block_hash == chain.latest().hash => Ok(()),
        Some(other) => Err(RpcError::invalid_input(format!(
            "state at block {other} is not kept: this devnode answers for the latest block ({latest})"
        ))),
    }
}

fn block_number(chain: &Chain, tag: BlockNumberOrTag) -> u64 {
    let latest = chain.latest().header.number;
    match tag {
        BlockNumberOrTag::Number(n) => n,
        BlockNumberOrTag::Earliest => 0,
        _ => latest,
    }
}

/// A call request as revm's transaction environment.
fn call_env(chain: &Chain, request: &TransactionRequest) -> TxEnv {
    let from = request.from.unwrap_or_default();
    TxEnv {
        caller: from,
        gas_limit: request.gas.unwrap_or(BLOCK_GAS_LIMIT).min(BLOCK_GAS_LIMIT),
        // Fees do not change what a call computes; a call pays none.
        gas_price: 0,
        kind: request.to.unwrap_or(TxKind::Create),
        value: request.value.unwrap_or_default(),
        data: request.input.input().cloned().unwrap_or_default(),
        nonce: request.nonce.unwrap_or_else(|| chain.account(from).nonce),
        chain_id: Some(chain.chain_id()),
        access_list: request.access_list.clone().unwrap_or_default(),
        ..TxEnv::default()
    }
}

/// The state a call runs on: the latest, with `overrides` applied.
fn call_db(chain: &Chain, overrides: Option<StateOverride>) -> RpcResult<Db> {
    let mut db = chain.db().clone();
    for (address, account) in overrides.unwrap_or_default() {
        let mut info: AccountInfo = chain.account(address);
        if let Some(balance) = account.balance {
            info.balance = balance;
        }
        if let Some(nonce) = account.nonce {
            info.nonce = nonce;
        }
        if let Some(code) = account.code {
            let code = Bytecode::new_raw(code);
            info.code_hash = code.hash_slow();
            info.code = Some(code);
        }
        db.insert_account_info(address, info);
        if let Some(state) = account.state {
            let storage = state
                .into_iter()
                .map(|(k, v)| (U256::from_be_bytes(k.0), U256::from_be_bytes(v.0)))
                .collect();
            db.replace_account_storage(address, storage)
                .map_err(|e| RpcError::internal(format!("{e:?}")))?;
        }
        if let Some(diff) = account.state_diff {
            for (k, v) in diff {
                db.insert_account_storage(
                    address,
                    U256::from_be_bytes(k.0),
                    U256::from_be_bytes(v.0),
                )
                .map_err(|e| RpcError::internal(format!("{e:?}")))?;
            }
        }
    }
    Ok(db)
}

fn eth_call(
    chain: &Chain,
    request: &TransactionRequest,
    block: Option<BlockId>,
    overrides: Option<StateOverride>,
) -> RpcResult<Bytes> {
    require_latest(chain, block)?;
    let db = call_db(chain, overrides)?;
    let outcome = chain.simulate(db, call_env(chain, request))?;
    if outcome.success {
        Ok(outcome.output)
    } else if outcome.halted {
        Err(RpcError::halted("out of gas or invalid operation"))
    } else {
        Err(RpcError::reverted(&outcome.output))
    }
}

/// The least gas limit with which the request succeeds (binary search), or
/// the revert it meets with the whole block's gas.
fn estimate_gas(
    chain: &Chain,
    request: &TransactionRequest,
    block: Option<BlockId>,
    overrides: Option<StateOverride>,
) -> RpcResult<u64> {
    require_latest(chain, block)?;
    let db = call_db(chain, overrides)?;
    let mut env = call_env(chain, request);
    let cap = env.gas_limit;
    let run = |gas: u64, env: &mut TxEnv| -> RpcResult<crate::chain::CallOutcome> {
        env.gas_limit = gas;
        chain.simulate(db.clone(), env.clone())
    };
    let full = run(cap, &mut env)?;
    if !full.success {
        return Err(if full.halted {
            RpcError::halted(format!("gas required exceeds allowance ({cap})"))
        } else {
            RpcError::reverted(&full.output)
        });
    }
    // Gas used is a lower bound; forwarded calls (63/64) may need more.
    let mut low = full.gas_used.saturating_sub(1);
    let mut high = cap;
    if run(full.gas_used, &mut env)?.success {
        return Ok(full.gas_used);
    }
    low = low.max(full.gas_used);
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if run(middle, &mut env)?.success {
            high = middle;
        } else {
            low = middle;
        }
    }
    Ok(high)
}

/// Signs a request with a dev account's key and submits it.
fn send_transaction(chain: &mut Chain, request: TransactionRequest) -> RpcResult<B256> {
    let from = request
        .from
        .ok_or_else(|| RpcError::invalid_params("`from` is required"))?;
    let key = chain
        .dev_keys()
        .iter()
        .find(|k| k.address() == from)
        .cloned();
    let impersonated = key.is_none() && chain.impersonation().covers(from);
    if key.is_none() && !impersonated {
        return Err(RpcError::invalid_input(format!(
            "{from} is not an unlocked dev account (anvil_impersonateAccount sends as any account)"
        )));
    }
    let mut request = request;
    request.chain_id = Some(chain.chain_id());
    if request.nonce.is_none() {
        request.nonce = Some(chain.account(from).nonce);
    }
    if request.gas.is_none() {
        let estimate = estimate_gas(chain, &request, None, None)?;
        request.gas = Some(estimate);
    }
    if request.gas_price.is_none() && request.max_fee_per_gas.is_none() {
        request.max_fee_per_gas = Some(u128::from(arbos::MIN_GAS_PRICE) * 2);
        request.max_priority_fee_per_gas = Some(0);
    }
    if request.to.is_none() {
        request.to = Some(TxKind::Create);
    }
    let mut tx = request
        .build_typed_tx()
        .map_err(|_| RpcError::invalid_params("incomplete transaction request"))?;
    let Some(key) = key else {
        let envelope = crate::anvil::impersonated_envelope(from, tx)?;
        return chain.send_as(envelope, from);
    };
    let signature = key
        .sign_transaction_sync(&mut tx)
        .map_err(|e| RpcError::internal(format!("signing: {e}")))?;
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    chain.send(envelope)
}

/// The logs `filter` matches (`eth_getLogs`).
///
/// # Errors
///
/// An unknown block hash, or a range that ends before it starts.
pub fn get_logs(chain: &Chain, filter: &Filter) -> RpcResult<Vec<Log>> {
    let latest = chain.latest().header.number;
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let block = chain
                .block_by_hash(hash)
                .ok_or_else(|| RpcError::invalid_params(format!("unknown block {hash}")))?;
            (block.header.number, block.header.number)
        }
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => (
            from_block.map_or(latest, |b| block_number(chain, b)),
            to_block.map_or(latest, |b| block_number(chain, b)),
        ),
    };
    if from > to {
        return Err(RpcError::invalid_params(format!(
            "fromBlock {from} is after toBlock {to}"
        )));
    }
    let mut logs = Vec::new();
    for number in from..=to.min(latest) {
        let Some(block) = chain.block(number) else {
            continue;
        };
        for hash in &block.transactions {
            let Some(record) = chain.tx(*hash) else {
                continue;
            };
            logs.extend(
                views::logs(record, block.header.timestamp)
                    .into_iter()
                    .filter(|log| filter.matches(&log.inner)),
            );
        }
    }
    Ok(logs)
}

/// The most reward percentiles `eth_feeHistory` takes (geth's limit).
const MAX_PERCENTILES: usize = 100;

/// geth's checks of `eth_feeHistory`'s percentiles: at most 100, each in
/// 0..=100, ascending.
fn check_percentiles(percentiles: &[f64]) -> RpcResult<()> {
    if percentiles.len() > MAX_PERCENTILES {
        return Err(RpcError::invalid_params(format!(
            "invalid reward percentile: over the query limit {MAX_PERCENTILES}"
        )));
    }
    for (i, p) in percentiles.iter().enumerate() {
        if !(0.0..=100.0).contains(p) {
            return Err(RpcError::invalid_params(format!(
                "invalid reward percentile: {p} is not in [0, 100]"
            )));
        }
        if i > 0 && *p < percentiles[i - 1] {
            return Err(RpcError::invalid_params(format!(
                "invalid reward percentile: #{} {} < #{i} {}",
                i - 1,
                percentiles[i - 1],
                p
            )));
        }
    }
    Ok(())
}

fn fee_history(
    chain: &Chain,
    count: u64,
    newest: BlockNumberOrTag,
    percentiles: &[f64],
) -> FeeHistory {
    let newest = block_number(chain, newest).min(chain.latest().header.number);
    let count = count.clamp(1, 1024).min(newest + 1);
    let oldest = newest + 1 - count;
    let base_fee = u128::from(arbos::MIN_GAS_PRICE);
    let gas_used_ratio = (oldest..=newest)
        .map(|n| {
            chain.block(n).map_or(0.0, |b| {
                b.header.gas_used as f64 / b.header.gas_limit as f64
            })
        })
        .collect();
    FeeHistory {
        base_fee_per_gas: vec![base_fee; count as usize + 1],
        gas_used_ratio,
        base_fee_per_blob_gas: Vec::new(),
        blob_gas_used_ratio: Vec::new(),
        oldest_block: oldest,
        reward: (!percentiles.is_empty()).then(|| vec![vec![0; percentiles.len()]; count as usize]),
    }
}

/// Registers `$name`: the body runs on the chain's thread with `$chain`,
/// after `$params` are parsed into `$args`.
macro_rules! method {
    ($module:ident, $name:expr, |$chain:ident, $args:ident : $ty:ty| $body:expr) => {
        $module
            .register_async_method($name, |params, node, _| async move {
                let $args: $ty = match parse(&params) {
                    Ok(args) => args,
                    Err(err) => return Err(ErrorObjectOwned::from(err)),
                };
                let result: RpcResult<_> = node
                    .with(move |$chain: &mut Chain| $body)
                    .await
                    .and_then(|r| r);
                result.map_err(ErrorObjectOwned::from)
            })
            .expect("each method is registered once");
    };
}

/// Every method, over the chain behind `handle`.
#[allow(clippy::too_many_lines)]
pub fn module(handle: Handle) -> RpcModule<Handle> {
    let mut m = RpcModule::new(handle);
    method!(m, "web3_clientVersion", |_c, _a: Vec<()>| Ok(
        CLIENT_VERSION.to_string()
    ));
    method!(m, "eth_chainId", |c, _a: Vec<()>| Ok(U64::from(
        c.chain_id()
    )));
    method!(m, "net_version", |c, _a: Vec<()>| Ok(c
        .chain_id()
        .to_string()));
    method!(m, "net_listening", |_c, _a: Vec<()>| Ok(true));
    method!(m, "eth_syncing", |_c, _a: Vec<()>| Ok(false));
    method!(m, "eth_mining", |_c, _a: Vec<()>| Ok(true));
    method!(m, "eth_blockNumber", |c, _a: Vec<()>| Ok(U64::from(
        c.latest().header.number
    )));
    method!(m, "eth_accounts", |c, _a: Vec<()>| Ok(c
        .dev_keys()
        .iter()
        .map(|k| k.address())
        .collect::<Vec<Address>>()));
    method!(m, "eth_gasPrice", |_c, _a: Vec<()>| Ok(U256::from(
        arbos::MIN_GAS_PRICE
    )));
    method!(m, "eth_maxPriorityFeePerGas", |_c, _a: Vec<()>| Ok(
        U256::ZERO
    ));
    method!(m, "eth_feeHistory", |c,
                                  a: (
        U64,
        BlockNumberOrTag,
        Option<Vec<f64>>
    )| {
        let percentiles = a.2.unwrap_or_default();
        check_percentiles(&percentiles)?;
        Ok(fee_history(c, a.0.to(), a.1, &percentiles))
    });
    method!(m, "eth_getBalance", |c, a: (Address, Option<BlockId>)| {
        require_latest(c, a.1)?;
        Ok(c.account(a.0).balance)
    });
    method!(m, "eth_getTransactionCount", |c,
                                           a: (
        Address,
        Option<BlockId>
    )| {
        require_latest(c, a.1)?;
        // "pending" counts the transactions waiting for the next block.
        let pending = if a.1 == Some(BlockId::Number(BlockNumberOrTag::Pending)) {
            c.pending_from(a.0)
        } else {
            0
        };
        Ok(U64::from(c.account(a.0).nonce + pending))
    });
    method!(m, "eth_getCode", |c, a: (Address, Option<BlockId>)| {
        require_latest(c, a.1)?;
        Ok(c.code(a.0))
    });
    method!(m, "eth_getStorageAt", |c,
                                    a: (
        Address,
        U256,
        Option<BlockId>
    )| {
        require_latest(c, a.2)?;
        Ok(B256::from(c.storage(a.0, a.1)))
    });
    method!(m, "eth_call", |c,
                            a: (
        TransactionRequest,
        Option<BlockId>,
        Option<StateOverride>
    )| { eth_call(c, &a.0, a.1, a.2) });
    method!(m, "eth_estimateGas", |c,
                                   a: (
        TransactionRequest,
        Option<BlockId>,
        Option<StateOverride>
    )| {
        estimate_gas(c, &a.0, a.1, a.2).map(U64::from)
    });
    method!(m, "eth_sendRawTransaction", |c, a: (Bytes,)| c
        .send_raw(&a.0));
    method!(m, "eth_sendTransaction", |c, a: (TransactionRequest,)| {
        send_transaction(c, a.0)
    });
    method!(m, "eth_getTransactionByHash", |c, a: (B256,)| Ok(c
        .tx(a.0)
        .map(views::transaction)));
    method!(m, "eth_getTransactionReceipt", |c, a: (B256,)| {
        Ok(c.tx(a.0).map(|tx| {
            let timestamp = c.block(tx.block_number).map_or(0, |b| b.header.timestamp);
            views::receipt(tx, timestamp)
        }))
    });
    method!(m, "eth_getBlockByNumber", |c,
                                        a: (
        BlockNumberOrTag,
        Option<bool>
    )| {
        let number = block_number(c, a.0);
        Ok(c.block(number)
            .map(|b| views::block(c, b, a.1.unwrap_or(false))))
    });
    method!(m, "eth_getBlockByHash", |c, a: (B256, Option<bool>)| {
        Ok(c.block_by_hash(a.0)
            .map(|b| views::block(c, b, a.1.unwrap_or(false))))
    });
    method!(m, "eth_getBlockTransactionCountByNumber", |c,
                                                        a: (
        BlockNumberOrTag,
    )| {
        let number = block_number(c, a.0);
        Ok(c.block(number).map(|b| U64::from(b.transactions.len())))
    });
    method!(m, "eth_getLogs", |c, a: (Filter,)| get_logs(c, &a.0));
    method!(m, "eth_newFilter", |c, a: (Filter,)| Ok(
        filters::new_log_filter(c, a.0)
    ));
    method!(m, "eth_newBlockFilter", |c, _a: Vec<()>| Ok(
        filters::new_block_filter(c)
    ));
    method!(m, "eth_newPendingTransactionFilter", |c, _a: Vec<()>| Ok(
        filters::new_pending_transaction_filter(c)
    ));
    method!(m, "eth_getFilterChanges", |c, a: (U256,)| filters::changes(
        c, a.0
    ));
    method!(m, "eth_getFilterLogs", |c, a: (U256,)| filters::logs(
        c, a.0
    ));
    method!(m, "eth_uninstallFilter", |c, a: (U256,)| Ok(c
        .filters()
        .uninstall(a.0)));
    method!(m, "evm_increaseTime", |c, a: (Quantity,)| c
        .increase_time(a.0.get()));
    method!(m, "evm_setNextBlockTimestamp", |c, a: (Quantity,)| c
        .set_next_timestamp(a.0.get()));
    // `[]`, `[null]`, `[timestamp]` or `[{"timestamp": t, "blocks": n}]`.
    method!(m, "evm_mine", |c, a: (Option<MineOptions>,)| {
        let (timestamp, blocks) = match a.0 {
            Some(MineOptions::Options { timestamp, blocks }) => (
                timestamp.map(Quantity::get),
                blocks.map_or(1, Quantity::get),
            ),
            Some(MineOptions::Timestamp(timestamp)) => (Some(timestamp.get()), 1),
            None => (None, 1),
        };
        if let Some(timestamp) = timestamp {
            c.set_next_timestamp(timestamp)?;
        }
        for _ in 0..blocks.clamp(1, 10_000) {
            c.mine(None)?;
        }
        Ok("0x0".to_string())
    });
    // `[blocks?, interval?]`, either null, as anvil takes them (alloy and
    // viem send both).
    method!(m, "anvil_mine", |c,
                              a: (
        Option<Quantity>,
        Option<Quantity>
    )| {
        let blocks = a.0.map_or(1, Quantity::get);
        let interval = a.1.map(Quantity::get);
        for _ in 0..blocks.min(10_000) {
            if let Some(interval) = interval {
                let next = c.latest().header.timestamp.saturating_add(interval);
                c.set_next_timestamp(next)?;
            }
            c.mine(None)?;
        }
        Ok(())
    });
    method!(m, "evm_snapshot", |c, _a: Vec<()>| Ok(U64::from(
        c.snapshot()
    )));
    method!(m, "evm_revert", |c, a: (Quantity,)| Ok(c.revert(a.0.get())));
    method!(m, "anvil_setBalance", |c, a: (Address, U256)| {
        c.set_balance(a.0, a.1);
        Ok(())
    });
    method!(m, "hardhat_setBalance", |c, a: (Address, U256)| {
        c.set_balance(a.0, a.1);
        Ok(())
    });
    for name in ["anvil_setCode", "hardhat_setCode"] {
        method!(m, name, |c, a: (Address, Bytes)| {
            anvil::set_code(c, a.0, a.1);
            Ok(())
        });
    }
    for name in ["anvil_setNonce", "hardhat_setNonce"] {
        method!(m, name, |c, a: (Address, Quantity)| {
            anvil::set_nonce(c, a.0, a.1.get());
            Ok(())
        });
    }
    for name in ["anvil_setStorageAt", "hardhat_setStorageAt"] {
        method!(m, name, |c, a: (Address, U256, B256)| {
            anvil::set_storage_at(c, a.0, a.1, a.2).map(|()| true)
        });
    }
    for name in ["anvil_impersonateAccount", "hardhat_impersonateAccount"] {
        method!(m, name, |c, a: (Address,)| {
            c.impersonation().start(a.0);
            Ok(())
        });
    }
    for name in [
        "anvil_stopImpersonatingAccount",
        "hardhat_stopImpersonatingAccount",
    ] {
        method!(m, name, |c, a: (Address,)| {
            c.impersonation().stop(a.0);
            Ok(())
        });
    }
    for name in ["evm_setAutomine", "anvil_setAutomine"] {
        method!(m, name, |c, a: (bool,)| c.set_automine(a.0));
    }
    method!(m, "anvil_getAutomine", |c, _a: Vec<()>| Ok(c.automine()));
    // Milliseconds (hardhat's `evm_setIntervalMining`) or seconds
    // (`anvil_setIntervalMining`); 0 stops the timer.
    for (name, unit) in [
        ("evm_setIntervalMining", std::time::Duration::from_millis(1)),
        ("anvil_setIntervalMining", std::time::Duration::from_secs(1)),
    ] {
        m.register_async_method(name, move |params, node, _| async move {
            let (every,): (Quantity,) = parse(&params).map_err(ErrorObjectOwned::from)?;
            let every = u32::try_from(every.get()).map_err(|_| {
                ErrorObjectOwned::from(RpcError::invalid_params("interval too long"))
            })?;
            node.set_interval_mining((every > 0).then(|| unit * every));
            Ok::<_, ErrorObjectOwned>(())
        })
        .expect("each method is registered once");
    }
    method!(m, "anvil_autoImpersonateAccount", |c, a: (bool,)| {
        c.impersonation().set_everyone(a.0);
        Ok(())
    });
    m
}
