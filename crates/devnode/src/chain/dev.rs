//! The dev-time controls: impersonation, balances, the clock and
//! snapshots.

use alloy::primitives::{Address, U256};

use crate::{
    chain::{clock, now, Chain, MAX_TIMESTAMP},
    error::ChainError,
};

impl Chain {
    /// Whose transactions `eth_sendTransaction` sends without a key.
    pub fn impersonation(&mut self) -> &mut crate::anvil::Impersonation {
        &mut self.impersonation
    }

    /// Sets `address`'s balance, in wei, keeping its nonce, code and storage
    /// (`anvil_setBalance`).
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        let mut info = self.account(address);
        info.balance = balance;
        self.state.db.insert_account_info(address, info);
        self.version += 1;
    }

    /// Moves the clock forward; returns the total offset.
    ///
    /// # Errors
    ///
    /// The clock would pass [`MAX_TIMESTAMP`].
    pub fn increase_time(&mut self, seconds: u64) -> Result<i64, ChainError> {
        let offset = i64::try_from(seconds)
            .ok()
            .and_then(|s| self.state.time_offset.checked_add(s))
            .filter(|offset| clock(*offset).is_some())
            .ok_or_else(|| {
                ChainError::Clock(format!(
                    "increasing the time by {seconds} s would take the clock past {MAX_TIMESTAMP}"
                ))
            })?;
        self.state.time_offset = offset;
        self.version += 1;
        Ok(offset)
    }

    /// Fixes the next block's timestamp.
    ///
    /// # Errors
    ///
    /// A timestamp before the latest block's.
    pub fn set_next_timestamp(&mut self, timestamp: u64) -> Result<(), ChainError> {
        let parent = self.latest().header.timestamp;
        if timestamp < parent {
            return Err(ChainError::Clock(format!(
                "timestamp {timestamp} is before the latest block's ({parent})"
            )));
        }
        if timestamp > MAX_TIMESTAMP {
            return Err(ChainError::Clock(format!(
                "timestamp {timestamp} is past the latest this chain keeps ({MAX_TIMESTAMP})"
            )));
        }
        self.state.next_timestamp = Some(timestamp);
        // Later blocks continue from there (both below 2^62: no overflow).
        self.state.time_offset = timestamp.cast_signed() - now().cast_signed();
        self.version += 1;
        Ok(())
    }

    /// Saves the whole state for `evm_revert`; returns its id.
    pub fn snapshot(&mut self) -> u64 {
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        self.snapshots.push((id, self.state.clone()));
        id
    }

    /// Restores snapshot `id`, dropping it and every later one.
    pub fn revert(&mut self, id: u64) -> bool {
        let Some(position) = self.snapshots.iter().position(|(i, _)| *i == id) else {
            return false;
        };
        let (_, state) = self.snapshots.swap_remove(position);
        self.snapshots.retain(|(i, _)| *i < id);
        self.state = state;
        self.version += 1;
        self.tx_index = self
            .state
            .txs
            .iter()
            .enumerate()
            .map(|(i, tx)| (*tx.envelope.tx_hash(), i))
            .collect();
        true
    }
}
