//! The JSON-RPC methods, declared as two jsonrpsee traits in `api`:
//! [`EthApiServer`], what cargo-stylus, foundry's cast, alloy, viem and
//! wallets call, and [`DevApiServer`], the dev controls test suites use
//! (anvil's and hardhat's names). [`Rpc`] implements both over the chain's [`Handle`];
//! what a method does beyond a read of the chain is in `eth` (calls,
//! estimates, sending, logs, fee history). Parameters are positional, and
//! absent trailing optional ones read as null, as clients omit them.

mod api;
mod eth;

use std::time::Duration;

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, Bytes, B256, U256, U64},
    rpc::types::{
        state::StateOverride, Block, FeeHistory, Filter, Log, Transaction, TransactionReceipt,
        TransactionRequest,
    },
};
use jsonrpsee::RpcModule;

pub use api::{DevApiServer, EthApiServer, MineOptions, Quantity};
pub use eth::get_logs;
use eth::{
    block_number, check_percentiles, estimate_gas, eth_call, fee_history, require_latest,
    send_transaction,
};

use crate::{
    anvil, arbos,
    chain::Chain,
    error::RpcError,
    filters::{self, Changes},
    node::Handle,
    views,
};

/// `web3_clientVersion`.
pub const CLIENT_VERSION: &str = concat!("aat-devnode/", env!("CARGO_PKG_VERSION"));

type RpcResult<T> = Result<T, RpcError>;

/// The most blocks one `evm_mine` or `anvil_mine` mines.
const MAX_BLOCKS_PER_CALL: u64 = 10_000;

/// Both traits over the chain behind a [`Handle`]: each method runs on the
/// chain's thread.
#[derive(Clone)]
pub struct Rpc {
    handle: Handle,
}

impl Rpc {
    /// Runs `f` on the chain's thread.
    async fn on<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Chain) -> RpcResult<R> + Send + 'static,
    ) -> RpcResult<R> {
        self.handle.with(f).await.and_then(|r| r)
    }

    /// Mines a block every `every` `unit`s from now on (0: only on demand).
    fn interval_mining(&self, every: Quantity, unit: Duration) -> RpcResult<()> {
        let every = u32::try_from(every.get())
            .map_err(|_| RpcError::invalid_params("interval too long"))?;
        self.handle
            .set_interval_mining((every > 0).then(|| unit * every));
        Ok(())
    }
}

#[jsonrpsee::core::async_trait]
impl EthApiServer for Rpc {
    async fn client_version(&self) -> RpcResult<String> {
        Ok(CLIENT_VERSION.to_string())
    }

    async fn chain_id(&self) -> RpcResult<U64> {
        self.on(|c| Ok(U64::from(c.chain_id()))).await
    }

    async fn net_version(&self) -> RpcResult<String> {
        self.on(|c| Ok(c.chain_id().to_string())).await
    }

    async fn net_listening(&self) -> RpcResult<bool> {
        Ok(true)
    }

    async fn syncing(&self) -> RpcResult<bool> {
        Ok(false)
    }

    async fn mining(&self) -> RpcResult<bool> {
        Ok(true)
    }

    async fn block_number(&self) -> RpcResult<U64> {
        self.on(|c| Ok(U64::from(c.latest().header.number))).await
    }

    async fn accounts(&self) -> RpcResult<Vec<Address>> {
        self.on(|c| Ok(c.dev_keys().iter().map(|k| k.address()).collect()))
            .await
    }

    async fn gas_price(&self) -> RpcResult<U256> {
        Ok(U256::from(arbos::MIN_GAS_PRICE))
    }

    async fn max_priority_fee_per_gas(&self) -> RpcResult<U256> {
        Ok(U256::ZERO)
    }

    async fn fee_history(
        &self,
        block_count: U64,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        let percentiles = percentiles.unwrap_or_default();
        check_percentiles(&percentiles)?;
        self.on(move |c| Ok(fee_history(c, block_count.to(), newest, &percentiles)))
            .await
    }

    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
        self.on(move |c| {
            require_latest(c, block)?;
            Ok(c.account(address).balance)
        })
        .await
    }

    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64> {
        self.on(move |c| {
            require_latest(c, block)?;
            let pending = if block == Some(BlockId::Number(BlockNumberOrTag::Pending)) {
                c.pending_from(address)
            } else {
                0
            };
            Ok(U64::from(c.account(address).nonce + pending))
        })
        .await
    }

    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
        self.on(move |c| {
            require_latest(c, block)?;
            Ok(c.code(address))
        })
        .await
    }

    async fn storage_at(
        &self,
        address: Address,
        slot: U256,
        block: Option<BlockId>,
    ) -> RpcResult<B256> {
        self.on(move |c| {
            require_latest(c, block)?;
            Ok(B256::from(c.storage(address, slot)))
        })
        .await
    }

    async fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<Bytes> {
        self.on(move |c| eth_call(c, &request, block, overrides))
            .await
    }

    async fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<U64> {
        self.on(move |c| estimate_gas(c, &request, block, overrides).map(U64::from))
            .await
    }

    async fn send_raw_transaction(&self, transaction: Bytes) -> RpcResult<B256> {
        self.on(move |c| c.send_raw(&transaction).map_err(RpcError::from))
            .await
    }

    async fn send_transaction(&self, request: TransactionRequest) -> RpcResult<B256> {
        self.on(move |c| send_transaction(c, request)).await
    }

    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>> {
        self.on(move |c| Ok(c.tx(hash).map(views::transaction)))
            .await
    }

    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>> {
        self.on(move |c| {
            Ok(c.tx(hash).map(|tx| {
                let timestamp = c.block(tx.block_number).map_or(0, |b| b.header.timestamp);
                views::receipt(tx, timestamp)
            }))
        })
        .await
    }

    async fn block_by_number(
        &self,
        number: BlockNumberOrTag,
        full: Option<bool>,
    ) -> RpcResult<Option<Block>> {
        self.on(move |c| {
            let number = block_number(c, number);
            Ok(c.block(number)
                .map(|b| views::block(c, b, full.unwrap_or(false))))
        })
        .await
    }

    async fn block_by_hash(&self, hash: B256, full: Option<bool>) -> RpcResult<Option<Block>> {
        self.on(move |c| {
            Ok(c.block_by_hash(hash)
                .map(|b| views::block(c, b, full.unwrap_or(false))))
        })
        .await
    }

    async fn block_transaction_count(&self, number: BlockNumberOrTag) -> RpcResult<Option<U64>> {
        self.on(move |c| {
            let number = block_number(c, number);
            Ok(c.block(number).map(|b| U64::from(b.transactions.len())))
        })
        .await
    }

    async fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>> {
        self.on(move |c| get_logs(c, &filter)).await
    }

    async fn new_filter(&self, filter: Filter) -> RpcResult<U256> {
        self.on(move |c| Ok(filters::new_log_filter(c, filter)))
            .await
    }

    async fn new_block_filter(&self) -> RpcResult<U256> {
        self.on(|c| Ok(filters::new_block_filter(c))).await
    }

    async fn new_pending_transaction_filter(&self) -> RpcResult<U256> {
        self.on(|c| Ok(filters::new_pending_transaction_filter(c)))
            .await
    }

    async fn filter_changes(&self, id: U256) -> RpcResult<Changes> {
        self.on(move |c| filters::changes(c, id)).await
    }

    async fn filter_logs(&self, id: U256) -> RpcResult<Vec<Log>> {
        self.on(move |c| filters::logs(c, id)).await
    }

    async fn uninstall_filter(&self, id: U256) -> RpcResult<bool> {
        self.on(move |c| Ok(c.filters().uninstall(id))).await
    }
}

#[jsonrpsee::core::async_trait]
impl DevApiServer for Rpc {
    async fn increase_time(&self, seconds: Quantity) -> RpcResult<i64> {
        self.on(move |c| c.increase_time(seconds.get()).map_err(RpcError::from))
            .await
    }

    async fn set_next_block_timestamp(&self, timestamp: Quantity) -> RpcResult<()> {
        self.on(move |c| {
            c.set_next_timestamp(timestamp.get())
                .map_err(RpcError::from)
        })
        .await
    }

    async fn evm_mine(&self, options: Option<MineOptions>) -> RpcResult<String> {
        let (timestamp, blocks) = match options {
            Some(MineOptions::Options { timestamp, blocks }) => (
                timestamp.map(Quantity::get),
                blocks.map_or(1, Quantity::get),
            ),
            Some(MineOptions::Timestamp(timestamp)) => (Some(timestamp.get()), 1),
            None => (None, 1),
        };
        self.on(move |c| {
            if let Some(timestamp) = timestamp {
                c.set_next_timestamp(timestamp)?;
            }
            for _ in 0..blocks.clamp(1, MAX_BLOCKS_PER_CALL) {
                c.mine(None)?;
            }
            Ok("0x0".to_string())
        })
        .await
    }

    async fn anvil_mine(
        &self,
        blocks: Option<Quantity>,
        interval: Option<Quantity>,
    ) -> RpcResult<()> {
        let blocks = blocks.map_or(1, Quantity::get);
        let interval = interval.map(Quantity::get);
        self.on(move |c| {
            for _ in 0..blocks.min(MAX_BLOCKS_PER_CALL) {
                if let Some(interval) = interval {
                    let next = c.latest().header.timestamp.saturating_add(interval);
                    c.set_next_timestamp(next)?;
                }
                c.mine(None)?;
            }
            Ok(())
        })
        .await
    }

    async fn snapshot(&self) -> RpcResult<U64> {
        self.on(|c| Ok(U64::from(c.snapshot()))).await
    }

    async fn revert(&self, id: Quantity) -> RpcResult<bool> {
        self.on(move |c| Ok(c.revert(id.get()))).await
    }

    async fn set_balance(&self, address: Address, balance: U256) -> RpcResult<()> {
        self.on(move |c| {
            c.set_balance(address, balance);
            Ok(())
        })
        .await
    }

    async fn set_code(&self, address: Address, code: Bytes) -> RpcResult<()> {
        self.on(move |c| {
            anvil::set_code(c, address, code);
            Ok(())
        })
        .await
    }

    async fn set_nonce(&self, address: Address, nonce: Quantity) -> RpcResult<()> {
        self.on(move |c| {
            anvil::set_nonce(c, address, nonce.get());
            Ok(())
        })
        .await
    }

    async fn set_storage_at(&self, address: Address, slot: U256, value: B256) -> RpcResult<bool> {
        self.on(move |c| anvil::set_storage_at(c, address, slot, value).map(|()| true))
            .await
    }

    async fn impersonate(&self, address: Address) -> RpcResult<()> {
        self.on(move |c| {
            c.impersonation().start(address);
            Ok(())
        })
        .await
    }

    async fn stop_impersonating(&self, address: Address) -> RpcResult<()> {
        self.on(move |c| {
            c.impersonation().stop(address);
            Ok(())
        })
        .await
    }

    async fn auto_impersonate(&self, everyone: bool) -> RpcResult<()> {
        self.on(move |c| {
            c.impersonation().set_everyone(everyone);
            Ok(())
        })
        .await
    }

    async fn set_automine(&self, on: bool) -> RpcResult<()> {
        self.on(move |c| c.set_automine(on).map_err(RpcError::from))
            .await
    }

    async fn automine(&self) -> RpcResult<bool> {
        self.on(|c| Ok(c.automine())).await
    }

    async fn set_interval_mining_ms(&self, milliseconds: Quantity) -> RpcResult<()> {
        self.interval_mining(milliseconds, Duration::from_millis(1))
    }

    async fn set_interval_mining(&self, seconds: Quantity) -> RpcResult<()> {
        self.interval_mining(seconds, Duration::from_secs(1))
    }
}

/// Every method, over the chain behind `handle` (the subscriptions are
/// added to it by `subscriptions::register`).
///
/// # Panics
///
/// Never: the two traits declare no name twice.
#[must_use]
pub fn module(handle: Handle) -> RpcModule<Handle> {
    let rpc = Rpc {
        handle: handle.clone(),
    };
    let mut module = RpcModule::new(handle);
    module
        .merge(EthApiServer::into_rpc(rpc.clone()))
        .expect("each method is declared once");
    module
        .merge(DevApiServer::into_rpc(rpc))
        .expect("each method is declared once");
    module
}
