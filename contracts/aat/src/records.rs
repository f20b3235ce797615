//! AAT's per-id and per-account records, in raw storage slots
//! (`abi_core::slot`) rather than stylus-sdk `StorageMap`s: each record is
//! one keccak of its key away, without the SDK's byte-by-byte key and slot
//! conversions, and the program carries none of the SDK's generic map code
//! (both gas on every call and kilobytes of wasm). The layout:
//!
//! | mapping | key | record |
//! | --- | --- | --- |
//! | `AAT.balances` | id ‖ holder | a balance record (below) |
//! | `AAT.supply` | id | total supply |
//! | `AAT.approvals` | holder ‖ operator | 1 when approved |
//! | `AAT.types` | id | model ‖ scope; then the terms: pool ‖ expiration ‖ reclaimable ‖ tradable |
//! | `AAT.prices` | model | TokenAI per unit |
//! | `AAT.pay` | holder ‖ provider ‖ id | `vouchers::PayAccount` |
//!
//! A balance record holds the balance in its low 23 bytes and, while the
//! balance is not zero, the id's tradable flag (top byte) and expiration
//! (the next 8 bytes): a copy of the id's terms (`Terms::tag`), so that a
//! move of a tradable id reads its sender's record and not the policy's
//! terms slot (a cold slot, 2,100 gas). Ids are immutable (an id is the hash
//! of its policy), so the copy cannot go stale. A zero balance is an empty
//! slot, as in any ERC-1155, and clearing it earns the storage refund.
//! Balances, and so supplies, stop at 2^184 - 1 (`fits`): a mint past
//! it reverts `Panic(0x11)`, as an overflow does.

use abi_core::cmp;
use abi_core::{
    codec::Word,
    slot::{self, Map},
};
use alloy_primitives::{Address, FixedBytes, B256, U256};

use crate::{Terms, TokenType, AAT};

const BALANCES: Map = Map::named(b"AAT.balances");
const SUPPLY: Map = Map::named(b"AAT.supply");
const APPROVALS: Map = Map::named(b"AAT.approvals");
const TYPES: Map = Map::named(b"AAT.types");
const PRICES: Map = Map::named(b"AAT.prices");
/// The pay accounts' mapping (`vouchers`).
pub(crate) const PAY: Map = Map::named(b"AAT.pay");

/// The part of a record's third limb that is balance; the rest is tag.
const LOW_56: u64 = (1 << 56) - 1;

/// Whether `value` fits a record's balance: at most 2^184 - 1.
pub(crate) fn fits(value: &U256) -> bool {
    let limbs = value.as_limbs();
    limbs[3] == 0 && limbs[2] <= LOW_56
}

/// The record of `balance` (which `fits`), tagged as `source` is (a record
/// or a tag): empty for a zero balance.
// This and the three record accessors below stay functions of their own:
// inlined at their dozen uses, AAT came out 84 bytes larger.
#[inline(never)]
pub(crate) fn record(balance: U256, source: U256) -> U256 {
    if cmp::is_zero(&balance) {
        return U256::ZERO;
    }
    let [b0, b1, b2, _] = *balance.as_limbs();
    let [_, _, s2, s3] = *source.as_limbs();
    U256::from_limbs([b0, b1, b2 | (s2 & !LOW_56), s3])
}

/// The balance in a record.
#[inline(never)]
pub(crate) fn balance_in(record: U256) -> U256 {
    let [r0, r1, r2, _] = *record.as_limbs();
    U256::from_limbs([r0, r1, r2 & LOW_56, 0])
}

/// The expiration a record's tag copies.
pub(crate) fn expiration_in(record: U256) -> u64 {
    // The left shift drops the flag byte.
    (record.as_limbs()[3] << 8) | (record.as_limbs()[2] >> 56)
}

/// Whether a record's tag says its id is tradable (an empty record: no).
pub(crate) fn is_tradable_in(record: U256) -> bool {
    record.as_limbs()[3] >> 56 == 1
}

fn balance_slot(id: &U256, holder: &Address) -> B256 {
    BALANCES.at_parts(&[id.word().as_slice(), holder.as_slice()])
}

fn approval_slot(holder: &Address, operator: &Address) -> B256 {
    APPROVALS.at_parts(&[holder.as_slice(), operator.as_slice()])
}

/// The first of an id's two policy slots: model ‖ scope; the terms are in
/// the next.
fn type_slot(id: &U256) -> B256 {
    TYPES.at(id.word().as_slice())
}

/// The terms stored after the policy slot `first`, if the id exists: an
/// existing id's pool is never zero.
fn terms_at(first: &B256) -> Option<Terms> {
    let terms = slot::load(&slot::next(first));
    let origin_pool = Address::from_slice(&terms[..20]);
    if abi_core::cmp::is_null(&origin_pool) {
        return None;
    }
    let mut expiration = [0u8; 8];
    expiration.copy_from_slice(&terms[20..28]);
    Some(Terms {
        expiration: u64::from_be_bytes(expiration),
        origin_pool,
        reclaimable: terms[28] == 1,
        tradable: terms[29] == 1,
    })
}

impl AAT {
    /// `balanceOf(account, id)`: the units of `id` `account` holds.
    #[must_use]
    pub fn balance_of(&self, account: Address, id: U256) -> U256 {
        balance_in(self.balance_record(&id, &account))
    }

    /// `account`'s balance record of `id` (the module doc).
    #[inline(never)]
    pub(crate) fn balance_record(&self, id: &U256, account: &Address) -> U256 {
        slot::load_u256(&balance_slot(id, account))
    }

    #[inline(never)]
    pub(crate) fn set_balance_record(&mut self, id: &U256, account: &Address, record: &U256) {
        slot::store_u256(&balance_slot(id, account), record);
    }

    /// `totalSupply(id)`: the units of `id` in existence, channel escrow included.
    #[must_use]
    pub fn total_supply(&self, id: U256) -> U256 {
        slot::load_u256(&SUPPLY.at(id.word().as_slice()))
    }

    pub(crate) fn set_total_supply(&mut self, id: &U256, value: &U256) {
        slot::store_u256(&SUPPLY.at(id.word().as_slice()), value);
    }

    /// `isApprovedForAll(account, operator)`: `operator` may move all of `account`'s ids.
    #[must_use]
    pub fn is_approved_for_all(&self, account: Address, operator: Address) -> bool {
        slot::load(&approval_slot(&account, &operator))[31] == 1
    }

    pub(crate) fn set_approval(&mut self, account: &Address, operator: &Address, approved: bool) {
        slot::store(&approval_slot(account, operator), &approved.word());
    }

    /// `modelPrice(model)`: TokenAI base units per AAT unit of `model`; zero when unset.
    #[must_use]
    pub fn model_price(&self, model: FixedBytes<16>) -> U256 {
        slot::load_u256(&PRICES.at(model.as_slice()))
    }

    pub(crate) fn set_price(&mut self, model: &FixedBytes<16>, price: &U256) {
        slot::store_u256(&PRICES.at(model.as_slice()), price);
    }

    /// The stored policy of `id`, if the id exists.
    pub(crate) fn stored_type(&self, id: &U256) -> Option<TokenType> {
        let first = type_slot(id);
        let terms = terms_at(&first)?;
        let names = slot::load(&first);
        Some(TokenType {
            model: FixedBytes::from_slice(&names[..16]),
            scope: FixedBytes::from_slice(&names[16..]),
            terms,
        })
    }

    /// The terms of `id` alone, if the id exists: one slot.
    pub(crate) fn stored_terms(&self, id: &U256) -> Option<Terms> {
        terms_at(&type_slot(id))
    }

    /// The model of an id (zero for an unknown one): the policy's first slot.
    pub(crate) fn stored_model(&self, id: &U256) -> FixedBytes<16> {
        FixedBytes::from_slice(&slot::load(&type_slot(id))[..16])
    }

    pub(crate) fn store_type(&mut self, id: &U256, token: &TokenType) {
        let first = type_slot(id);
        let mut names = B256::ZERO;
        names[..16].copy_from_slice(token.model.as_slice());
        names[16..].copy_from_slice(token.scope.as_slice());
        let terms = &token.terms;
        let mut policy = B256::ZERO;
        policy[..20].copy_from_slice(terms.origin_pool.as_slice());
        policy[20..28].copy_from_slice(&terms.expiration.to_be_bytes());
        policy[28] = u8::from(terms.reclaimable);
        policy[29] = u8::from(terms.tradable);
        slot::store(&first, &names);
        slot::store(&slot::next(&first), &policy);
    }
}

#[cfg(test)]
mod tests;
