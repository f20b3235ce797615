//! The JSON-RPC methods: what cargo-stylus, foundry's cast, alloy, viem and
//! wallets call, and the dev methods test suites use.
//! The methods are registered in [`module`]; what they do beyond a read of
//! the chain is in [`eth`] (calls, estimates, sending, logs, fee history).

mod eth;

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, Bytes, B256, U256, U64},
    rpc::types::{state::StateOverride, Filter, TransactionRequest},
};
use jsonrpsee::{
    types::{ErrorObjectOwned, Params},
    RpcModule,
};
use serde::Deserialize;

pub use eth::get_logs;
use eth::{
    block_number, check_percentiles, estimate_gas, eth_call, fee_history, require_latest,
    send_transaction,
};

use crate::{anvil, arbos, chain::Chain, error::RpcError, filters, node::Handle, views};

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
        .send_raw(&a.0)
        .map_err(RpcError::from));
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
        .increase_time(a.0.get())
        .map_err(RpcError::from));
    method!(m, "evm_setNextBlockTimestamp", |c, a: (Quantity,)| c
        .set_next_timestamp(a.0.get())
        .map_err(RpcError::from));
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
        method!(m, name, |c, a: (bool,)| c
            .set_automine(a.0)
            .map_err(RpcError::from));
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
