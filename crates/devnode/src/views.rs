//! The chain's records as the Ethereum JSON-RPC types alloy defines, so
//! every client reads them as from geth or anvil.

use alloy::{
    consensus::{
        Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction as _, TxEnvelope,
        TxType,
    },
    primitives::{Bloom, B256, U256},
    rpc::types::{Block, BlockTransactions, Header, Log, Transaction, TransactionReceipt},
};

use crate::chain::{BlockRecord, Chain, TxRecord};

/// A mined transaction.
pub fn transaction(record: &TxRecord) -> Transaction {
    Transaction {
        inner: alloy::consensus::transaction::Recovered::new_unchecked(
            record.envelope.clone(),
            record.from,
        ),
        block_hash: Some(record.block_hash),
        block_number: Some(record.block_number),
        transaction_index: Some(record.index),
        effective_gas_price: Some(record.effective_gas_price),
    }
}

/// The logs of a mined transaction, positioned in its block.
pub fn logs(record: &TxRecord, timestamp: u64) -> Vec<Log> {
    record
        .logs
        .iter()
        .enumerate()
        .map(|(i, log)| Log {
            inner: log.clone(),
            block_hash: Some(record.block_hash),
            block_number: Some(record.block_number),
            block_timestamp: Some(timestamp),
            transaction_hash: Some(*record.envelope.tx_hash()),
            transaction_index: Some(record.index),
            log_index: Some(record.first_log_index + i as u64),
            removed: false,
        })
        .collect()
}

/// A mined transaction's receipt.
pub fn receipt(record: &TxRecord, timestamp: u64) -> TransactionReceipt {
    let logs = logs(record, timestamp);
    let bloom = record.logs.iter().fold(Bloom::default(), |mut bloom, log| {
        bloom.accrue_log(log);
        bloom
    });
    let receipt = ReceiptWithBloom {
        receipt: Receipt {
            status: Eip658Value::Eip658(record.success),
            cumulative_gas_used: record.cumulative_gas_used,
            logs,
        },
        logs_bloom: bloom,
    };
    let inner = match record.envelope.tx_type() {
        TxType::Legacy => ReceiptEnvelope::Legacy(receipt),
        TxType::Eip2930 => ReceiptEnvelope::Eip2930(receipt),
        TxType::Eip1559 => ReceiptEnvelope::Eip1559(receipt),
        TxType::Eip4844 => ReceiptEnvelope::Eip4844(receipt),
        TxType::Eip7702 => ReceiptEnvelope::Eip7702(receipt),
    };
    TransactionReceipt {
        inner,
        transaction_hash: *record.envelope.tx_hash(),
        transaction_index: Some(record.index),
        block_hash: Some(record.block_hash),
        block_number: Some(record.block_number),
        gas_used: record.gas_used,
        effective_gas_price: record.effective_gas_price,
        blob_gas_used: None,
        blob_gas_price: None,
        from: record.from,
        to: record.envelope.to(),
        contract_address: record.contract_address,
    }
}

/// A block, with its transactions' hashes or the transactions themselves.
pub fn block(chain: &Chain, record: &BlockRecord, full: bool) -> Block {
    let transactions = if full {
        BlockTransactions::Full(
            record
                .transactions
                .iter()
                .filter_map(|hash| chain.tx(*hash).map(transaction))
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(record.transactions.clone())
    };
    Block {
        header: Header {
            hash: record.hash,
            inner: record.header.clone(),
            total_difficulty: Some(U256::from(record.header.number)),
            size: Some(U256::from(alloy::rlp::Encodable::length(&record.header))),
        },
        uncles: Vec::<B256>::new(),
        transactions,
        withdrawals: None,
    }
}

/// Whether the devnode executes this kind of transaction (blob
/// transactions carry sidecars an L2 does not take).
pub fn is_supported(envelope: &TxEnvelope) -> bool {
    !envelope.is_eip4844()
}
