//! The `eth_` methods that do more than read the chain: calls and gas
//! estimates on a copy of the state (with overrides), transactions signed
//! with a dev key or sent as an impersonated account, logs by filter, and
//! the fee history.

use alloy::{
    consensus::{SignableTransaction, TxEnvelope},
    eips::{BlockId, BlockNumberOrTag},
    network::TxSignerSync,
    primitives::{Bytes, TxKind, B256, U256},
    rpc::types::{
        state::StateOverride, FeeHistory, Filter, FilterBlockOption, Log, TransactionRequest,
    },
};
use revm::{
    context::TxEnv,
    state::{AccountInfo, Bytecode},
};

use super::RpcResult;
use crate::{
    arbos,
    chain::{Chain, BLOCK_GAS_LIMIT},
    error::RpcError,
    stylus::Db,
    views,
};

/// The state-bearing block a request names must be the latest: the devnode
/// keeps the current state only.
pub(super) fn require_latest(chain: &Chain, block: Option<BlockId>) -> RpcResult<()> {
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

pub(super) fn block_number(chain: &Chain, tag: BlockNumberOrTag) -> u64 {
    let latest = chain.latest().header.number;
    match tag {
        BlockNumberOrTag::Number(n) => n,
        BlockNumberOrTag::Earliest => 0,
        _ => latest,
    }
}

/// A call request as revm's transaction environment.
pub(super) fn call_env(chain: &Chain, request: &TransactionRequest) -> TxEnv {
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
pub(super) fn call_db(chain: &Chain, overrides: Option<StateOverride>) -> RpcResult<Db> {
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

pub(super) fn eth_call(
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
pub(super) fn estimate_gas(
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
        Ok(chain.simulate(db.clone(), env.clone())?)
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
pub(super) fn send_transaction(chain: &mut Chain, request: TransactionRequest) -> RpcResult<B256> {
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
        return Ok(chain.send_as(envelope, from)?);
    };
    let signature = key
        .sign_transaction_sync(&mut tx)
        .map_err(|e| RpcError::internal(format!("signing: {e}")))?;
    let envelope: TxEnvelope = tx.into_signed(signature).into();
    Ok(chain.send(envelope)?)
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
pub(super) fn check_percentiles(percentiles: &[f64]) -> RpcResult<()> {
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

pub(super) fn fee_history(
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
                // A ratio: the mantissa's 52 bits are precision to spare.
                #[allow(clippy::cast_precision_loss)]
                let ratio = b.header.gas_used as f64 / b.header.gas_limit as f64;
                ratio
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
