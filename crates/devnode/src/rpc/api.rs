//! The JSON-RPC interface as declared: [`EthApi`], the standard methods,
//! and [`DevApi`], the dev controls, one documented item per method, with
//! the lenient parameter types dev methods take. `rpc::Rpc` implements
//! both.

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, Bytes, B256, U256, U64},
    rpc::types::{
        state::StateOverride, Block, FeeHistory, Filter, Log, Transaction, TransactionReceipt,
        TransactionRequest,
    },
};
use jsonrpsee::proc_macros::rpc;
use serde::Deserialize;

use super::RpcResult;
use crate::filters::Changes;

/// A quantity given as a number or a hex string (dev methods accept both).
#[derive(Clone, Copy, Deserialize)]
#[serde(untagged)]
pub enum Quantity {
    /// A JSON number.
    Number(u64),
    /// A hex string, `0x...`.
    Hex(U64),
}

impl Quantity {
    /// The number.
    #[must_use]
    pub fn get(self) -> u64 {
        match self {
            Quantity::Number(n) => n,
            Quantity::Hex(n) => n.to(),
        }
    }
}

/// `evm_mine`'s one parameter, as anvil takes it: a timestamp, or
/// `{"timestamp": t, "blocks": n}`; anything else is invalid params.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum MineOptions {
    /// `{"timestamp": t, "blocks": n}`, either optional.
    Options {
        /// The first mined block's timestamp.
        timestamp: Option<Quantity>,
        /// How many blocks (1 when absent).
        blocks: Option<Quantity>,
    },
    /// The mined block's timestamp.
    Timestamp(Quantity),
}

/// The standard methods: chain, accounts, state, calls, transactions,
/// blocks, logs and filters.
#[rpc(server)]
pub trait EthApi {
    /// This node's name and version.
    #[method(name = "web3_clientVersion")]
    async fn client_version(&self) -> RpcResult<String>;

    /// The chain id (EIP-155), as a quantity.
    #[method(name = "eth_chainId")]
    async fn chain_id(&self) -> RpcResult<U64>;

    /// The chain id, as a decimal string.
    #[method(name = "net_version")]
    async fn net_version(&self) -> RpcResult<String>;

    /// Always true: the node serves.
    #[method(name = "net_listening")]
    async fn net_listening(&self) -> RpcResult<bool>;

    /// Always false: a one-node chain has nothing to sync.
    #[method(name = "eth_syncing")]
    async fn syncing(&self) -> RpcResult<bool>;

    /// Always true: the node mines.
    #[method(name = "eth_mining")]
    async fn mining(&self) -> RpcResult<bool>;

    /// The latest block's number.
    #[method(name = "eth_blockNumber")]
    async fn block_number(&self) -> RpcResult<U64>;

    /// The dev accounts, whose keys the node holds (`eth_sendTransaction`).
    #[method(name = "eth_accounts")]
    async fn accounts(&self) -> RpcResult<Vec<Address>>;

    /// The gas price: ArbOS's minimum base fee.
    #[method(name = "eth_gasPrice")]
    async fn gas_price(&self) -> RpcResult<U256>;

    /// Zero: Arbitrum orders by arrival and ignores tips.
    #[method(name = "eth_maxPriorityFeePerGas")]
    async fn max_priority_fee_per_gas(&self) -> RpcResult<U256>;

    /// Base fees and gas used of the `block_count` blocks up to `newest`,
    /// with the rewards at each percentile (geth's limits: at most 100,
    /// ascending, within 0..=100).
    #[method(name = "eth_feeHistory")]
    async fn fee_history(
        &self,
        block_count: U64,
        newest: BlockNumberOrTag,
        percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory>;

    /// An account's balance (latest state only).
    #[method(name = "eth_getBalance")]
    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256>;

    /// An account's nonce; at `pending`, plus its transactions waiting for
    /// the next block.
    #[method(name = "eth_getTransactionCount")]
    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64>;

    /// An account's code (latest state only).
    #[method(name = "eth_getCode")]
    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes>;

    /// One storage slot of an account (latest state only).
    #[method(name = "eth_getStorageAt")]
    async fn storage_at(
        &self,
        address: Address,
        slot: U256,
        block: Option<BlockId>,
    ) -> RpcResult<B256>;

    /// Runs a call without a transaction, on the latest or pending state
    /// with any state overrides.
    #[method(name = "eth_call")]
    async fn call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<Bytes>;

    /// The gas a transaction needs, by binary search over its execution.
    #[method(name = "eth_estimateGas")]
    async fn estimate_gas(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        overrides: Option<StateOverride>,
    ) -> RpcResult<U64>;

    /// Admits a signed transaction (mined at once under automine).
    #[method(name = "eth_sendRawTransaction")]
    async fn send_raw_transaction(&self, transaction: Bytes) -> RpcResult<B256>;

    /// Signs with a dev account (or sends as an impersonated one) and
    /// admits the transaction.
    #[method(name = "eth_sendTransaction")]
    async fn send_transaction(&self, request: TransactionRequest) -> RpcResult<B256>;

    /// A mined transaction, or null.
    #[method(name = "eth_getTransactionByHash")]
    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<Transaction>>;

    /// A mined transaction's receipt, or null.
    #[method(name = "eth_getTransactionReceipt")]
    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<TransactionReceipt>>;

    /// A block by number or tag, with its transactions' hashes or, when
    /// `full`, the transactions; null past the latest.
    #[method(name = "eth_getBlockByNumber")]
    async fn block_by_number(
        &self,
        number: BlockNumberOrTag,
        full: Option<bool>,
    ) -> RpcResult<Option<Block>>;

    /// A block by hash, as `eth_getBlockByNumber` answers it.
    #[method(name = "eth_getBlockByHash")]
    async fn block_by_hash(&self, hash: B256, full: Option<bool>) -> RpcResult<Option<Block>>;

    /// How many transactions a block holds.
    #[method(name = "eth_getBlockTransactionCountByNumber")]
    async fn block_transaction_count(&self, number: BlockNumberOrTag) -> RpcResult<Option<U64>>;

    /// The logs a filter matches (within the node's range limit).
    #[method(name = "eth_getLogs")]
    async fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>>;

    /// Installs a log filter; its id.
    #[method(name = "eth_newFilter")]
    async fn new_filter(&self, filter: Filter) -> RpcResult<U256>;

    /// Installs a filter of new blocks' hashes; its id.
    #[method(name = "eth_newBlockFilter")]
    async fn new_block_filter(&self) -> RpcResult<U256>;

    /// Installs a filter of new transactions' hashes; its id.
    #[method(name = "eth_newPendingTransactionFilter")]
    async fn new_pending_transaction_filter(&self) -> RpcResult<U256>;

    /// What happened since a filter was installed or last polled.
    #[method(name = "eth_getFilterChanges")]
    async fn filter_changes(&self, id: U256) -> RpcResult<Changes>;

    /// Every log a log filter matches.
    #[method(name = "eth_getFilterLogs")]
    async fn filter_logs(&self, id: U256) -> RpcResult<Vec<Log>>;

    /// Removes a filter; whether it existed.
    #[method(name = "eth_uninstallFilter")]
    async fn uninstall_filter(&self, id: U256) -> RpcResult<bool>;
}

/// The dev controls: time, mining, snapshots, and setting state, under
/// anvil's names and hardhat's where they have one.
#[rpc(server)]
pub trait DevApi {
    /// Moves the clock forward by `seconds` (refused past the end of
    /// time); the clock's whole offset, in seconds.
    #[method(name = "evm_increaseTime")]
    async fn increase_time(&self, seconds: Quantity) -> RpcResult<i64>;

    /// The next block's timestamp.
    #[method(name = "evm_setNextBlockTimestamp")]
    async fn set_next_block_timestamp(&self, timestamp: Quantity) -> RpcResult<()>;

    /// Mines one block, or as `options` say: `[]`, `[null]`,
    /// `[timestamp]` or `[{"timestamp": t, "blocks": n}]`.
    #[method(name = "evm_mine")]
    async fn evm_mine(&self, options: Option<MineOptions>) -> RpcResult<String>;

    /// Mines `blocks` blocks (1 when absent), `interval` seconds apart when
    /// given, as alloy and viem send it.
    #[method(name = "anvil_mine")]
    async fn anvil_mine(
        &self,
        blocks: Option<Quantity>,
        interval: Option<Quantity>,
    ) -> RpcResult<()>;

    /// Saves the chain's state; the snapshot's id.
    #[method(name = "evm_snapshot")]
    async fn snapshot(&self) -> RpcResult<U64>;

    /// Returns to a snapshot (and drops the later ones); whether it
    /// existed.
    #[method(name = "evm_revert")]
    async fn revert(&self, id: Quantity) -> RpcResult<bool>;

    /// Sets an account's balance.
    #[method(name = "anvil_setBalance", aliases = ["hardhat_setBalance"])]
    async fn set_balance(&self, address: Address, balance: U256) -> RpcResult<()>;

    /// Sets an account's code (a Stylus program is checked as deployed).
    #[method(name = "anvil_setCode", aliases = ["hardhat_setCode"])]
    async fn set_code(&self, address: Address, code: Bytes) -> RpcResult<()>;

    /// Sets an account's nonce.
    #[method(name = "anvil_setNonce", aliases = ["hardhat_setNonce"])]
    async fn set_nonce(&self, address: Address, nonce: Quantity) -> RpcResult<()>;

    /// Sets one storage slot of an account; true.
    #[method(name = "anvil_setStorageAt", aliases = ["hardhat_setStorageAt"])]
    async fn set_storage_at(&self, address: Address, slot: U256, value: B256) -> RpcResult<bool>;

    /// Lets `eth_sendTransaction` send as `address` without its key.
    #[method(name = "anvil_impersonateAccount", aliases = ["hardhat_impersonateAccount"])]
    async fn impersonate(&self, address: Address) -> RpcResult<()>;

    /// Ends an impersonation.
    #[method(
        name = "anvil_stopImpersonatingAccount",
        aliases = ["hardhat_stopImpersonatingAccount"]
    )]
    async fn stop_impersonating(&self, address: Address) -> RpcResult<()>;

    /// Lets `eth_sendTransaction` send as anyone (or no longer).
    #[method(name = "anvil_autoImpersonateAccount")]
    async fn auto_impersonate(&self, everyone: bool) -> RpcResult<()>;

    /// Mines each transaction as it arrives (true) or only on demand.
    #[method(name = "evm_setAutomine", aliases = ["anvil_setAutomine"])]
    async fn set_automine(&self, on: bool) -> RpcResult<()>;

    /// Whether each transaction is mined as it arrives.
    #[method(name = "anvil_getAutomine")]
    async fn automine(&self) -> RpcResult<bool>;

    /// Mines a block every `milliseconds` (0 stops the timer), hardhat's.
    #[method(name = "evm_setIntervalMining")]
    async fn set_interval_mining_ms(&self, milliseconds: Quantity) -> RpcResult<()>;

    /// Mines a block every `seconds` (0 stops the timer), anvil's.
    #[method(name = "anvil_setIntervalMining")]
    async fn set_interval_mining(&self, seconds: Quantity) -> RpcResult<()>;
}
