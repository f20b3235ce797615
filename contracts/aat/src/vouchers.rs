//! Pay per use without a transaction per request: the holder signs, after
//! each request, an EIP-712 `Voucher` for the total it owes a provider in
//! one id; the provider settles the latest one when it likes, alone
//! (`settle`) or with many holders' in one transaction (`settleBatch`).
//! Settling consumes the difference from what was settled before exactly as
//! `consume` does (policy checks, fee in kind, fee value minted in TokenAI),
//! drawing first on the holder's open channel with the provider
//! (`channels`), then on its balance. Replays settle nothing, so there are
//! no nonces.
//!
//! A voucher is checked in full before anything is written (`plan`), so that
//! a batch can skip one that cannot settle and leave no trace of it.

use alloc::vec::Vec;

use abi_core::{cmp, codec::Word, eip712, math, signature, slot, OrOverflow};
use alloy_primitives::{Address, FixedBytes, B256, U256};
use stylus_sdk::{keccak_const::Keccak256, prelude::*};

use crate::{
    policy, records, Error, AAT,
    IAAT::{
        ERC1155InsufficientBalance, ERC1155InvalidArrayLength, InvalidVoucherSignature,
        NotVoucherProvider, VoucherExpired,
    },
};

/// The EIP-712 domain's name.
pub const DOMAIN_NAME: &[u8] = b"AAT";

/// `keccak256("AAT")`.
pub const DOMAIN_NAME_HASH: B256 = B256::new(Keccak256::new().update(DOMAIN_NAME).finalize());

/// `keccak256("Voucher(address holder,address provider,uint256 id,uint256 cumulativeAmount,uint64 deadline)")`.
pub const VOUCHER_TYPEHASH: B256 = B256::new(
    Keccak256::new()
        .update(b"Voucher(address holder,address provider,uint256 id,uint256 cumulativeAmount,uint64 deadline)")
        .finalize(),
);

/// What a holder has settled with a provider in an id, and their channel.
///
/// Stored in one slot (`encode`): the settled amount in 96 bits (7.9 *
/// 10^28 units, far beyond any use), the channel's locked units in 95 and
/// whether it names a signer in one, its expiry in 64, so that a
/// settlement reads and writes one slot. The signer itself, when there is
/// one, is in the next slot (`signer_slot`), read only for channels that
/// name one. An amount past its bits overflows (`Panic(0x11)`), as
/// Solidity's checked arithmetic on a `uint96` would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PayAccount {
    /// The cumulative amount settled so far.
    pub settled: U256,
    /// Units locked in the channel, held by this contract.
    pub locked: U256,
    /// The channel names a signer (a session key) for its vouchers.
    pub delegated: bool,
    /// The channel's expiry; zero when there is no channel.
    pub expires_at: u64,
}

/// The top bit of the locked field: the channel names a signer.
const DELEGATED: u64 = 1 << 31;

impl PayAccount {
    /// `settled ‖ delegated ‖ locked ‖ expires_at`, 96, 1, 95 and 64 bits,
    /// each as 64-bit big-endian pieces (cheaper in wasm than through byte
    /// arrays).
    fn decode(word: B256) -> Self {
        let piece = |at| abi_core::codec::read_u64(&word.0, at);
        let (a, b, c) = (piece(0), piece(8), piece(16));
        PayAccount {
            settled: U256::from_limbs([a << 32 | b >> 32, a >> 32, 0, 0]),
            locked: U256::from_limbs([c, b & (DELEGATED - 1), 0, 0]),
            delegated: b & DELEGATED != 0,
            expires_at: piece(24),
        }
    }

    fn encode(&self) -> Result<B256, Error> {
        let [s0, s1, s2, s3] = self.settled.into_limbs();
        let [l0, l1, l2, l3] = self.locked.into_limbs();
        if s1 >> 32 != 0 || l1 >= DELEGATED || (s2 | s3 | l2 | l3) != 0 {
            return Err(Error::overflow());
        }
        let flag = if self.delegated { DELEGATED } else { 0 };
        let pieces = [
            (s1 << 32 | s0 >> 32).to_be(),
            (s0 << 32 | flag | l1).to_be(),
            l0.to_be(),
            self.expires_at.to_be(),
        ];
        // Safe: [u64; 4] and [u8; 32] have one size and every bit pattern.
        Ok(B256::new(unsafe {
            core::mem::transmute::<[u64; 4], [u8; 32]>(pieces)
        }))
    }
}

/// The slot of the signer a channel names: its pay account's neighbour
/// (`slot::next`; a keccak-derived slot, so no other record's).
#[must_use]
pub fn signer_slot(key: B256) -> B256 {
    slot::next(&key)
}

/// A voucher: `holder` owes `provider` `cumulative_amount` of `id` in all,
/// valid until `deadline`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Voucher {
    /// The account that owes and signs (or whose channel's signer signs).
    pub holder: Address,
    /// The account that served the requests; only it may settle the voucher.
    pub provider: Address,
    /// The token id the holder pays in.
    pub id: U256,
    /// Everything owed in `id` so far, in units, the fee excluded.
    pub cumulative_amount: U256,
    /// The last block timestamp, in unix seconds, at which it settles.
    pub deadline: u64,
}

/// The storage slot of a holder's account with a provider in an id
/// (`records`).
#[must_use]
pub fn pay_key(holder: Address, provider: Address, id: U256) -> B256 {
    crate::records::PAY.at_parts(&[holder.as_slice(), provider.as_slice(), id.word().as_slice()])
}

/// The EIP-712 digest of `voucher` in the domain `separator`.
fn voucher_digest(separator: B256, voucher: &Voucher) -> B256 {
    let struct_hash = eip712::hash_words(&[
        abi_core::code_word!(VOUCHER_TYPEHASH),
        voucher.holder.word(),
        voucher.provider.word(),
        voucher.id.word(),
        voucher.cumulative_amount.word(),
        voucher.deadline.word(),
    ]);
    eip712::digest(separator, struct_hash)
}

/// A settlement, checked and ready to write.
struct Plan {
    key: B256,
    /// The account after the settlement, encoded (so in range).
    account: B256,
    voucher: Voucher,
    consumed: U256,
    fee: U256,
    /// `consumed + fee`.
    burned: U256,
    from_channel: U256,
    from_balance: U256,
    /// The holder's balance record after the settlement, when it burns
    /// from it (read once, by the plan).
    record_after: U256,
}

/// What one id's settlements in a run add up to.
struct IdTotals {
    id: U256,
    /// The fee burned, for its `FeeCollected`.
    fee: U256,
    /// Units burned out of channels: this contract's balance of the id.
    from_channels: U256,
    /// Units burned in all: the id's total supply.
    burned: U256,
}

/// What the vouchers of one `settle` or `settleBatch` share, looked up
/// once, and what their settlements add up to per id (this contract's
/// balance and each id's supply are written once per run, not per voucher).
struct Run {
    now: u64,
    separator: B256,
    fee_bps: u16,
    /// The last id whose policy passed, so that vouchers of one id check
    /// it once.
    checked: Option<U256>,
    ids: Vec<IdTotals>,
}

impl AAT {
    /// Settles one voucher, signed by its holder, on behalf of its
    /// provider (the caller). Returns the units consumed and the fee.
    ///
    /// # Errors
    ///
    /// `EnforcedPause()`, `NotVoucherProvider(caller, provider)`, and the
    /// voucher's own error (`plan`), or TokenAI's when the fee mint fails.
    pub fn settle(
        &mut self,
        voucher: Voucher,
        signature: &[u8],
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
    ) -> Result<(U256, U256), Error> {
        self.settle_all(&[voucher], &[signature], model, scope, true)
    }

    /// Settles each voucher on its own: one that cannot settle is skipped
    /// and reported (`VoucherRejected` with its revert data), the others
    /// settle; the fee value of the whole batch is minted to the treasury in
    /// one TokenAI call. Returns the totals consumed and burned as fees.
    ///
    /// # Errors
    ///
    /// `EnforcedPause()`, `ERC1155InvalidArrayLength(vouchers, signatures)`,
    /// `NotVoucherProvider(caller, provider)` for any voucher, or TokenAI's
    /// revert when the fee mint fails: all of it the caller's to fix.
    pub fn settle_batch(
        &mut self,
        vouchers: &[Voucher],
        signatures: &[&[u8]],
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
    ) -> Result<(U256, U256), Error> {
        self.settle_all(vouchers, signatures, model, scope, false)
    }

    /// `settle` (`strict`: a voucher that cannot settle reverts the call)
    /// and `settleBatch` (it is reported and skipped): the caller's checks,
    /// each voucher's plan and writes, then what the run adds up to: this
    /// contract's balance and each id's supply, one TokenAI mint for all the
    /// fees and a `FeeCollected` per id.
    pub(crate) fn settle_all(
        &mut self,
        vouchers: &[Voucher],
        signatures: &[&[u8]],
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
        strict: bool,
    ) -> Result<(U256, U256), Error> {
        self.access().when_not_paused()?;
        if vouchers.len() != signatures.len() {
            return Err(ERC1155InvalidArrayLength {
                idsLength: U256::from(vouchers.len()),
                valuesLength: U256::from(signatures.len()),
            }
            .into());
        }
        let caller = self.vm().msg_sender();
        for voucher in vouchers {
            if !cmp::same(&caller, &voucher.provider) {
                return Err(NotVoucherProvider {
                    caller,
                    provider: voucher.provider,
                }
                .into());
            }
        }
        let mut run = Run {
            now: self.vm().block_timestamp(),
            separator: self.domain_separator(),
            fee_bps: self.fee_bps(),
            checked: None,
            ids: Vec::new(),
        };
        for (voucher, signature) in vouchers.iter().zip(signatures) {
            match self.plan(&mut run, voucher, signature, model, scope) {
                Ok(None) => {}
                Ok(Some(plan)) => self.apply(&mut run, &plan)?,
                Err(reason) if strict => return Err(reason),
                Err(reason) => self.emit_voucher_rejected(voucher, reason.data()),
            }
        }
        let (mut consumed, mut fee) = (U256::ZERO, U256::ZERO);
        for totals in &run.ids {
            fee = fee.checked_add(totals.fee).or_overflow()?;
            let id_consumed = totals.burned.checked_sub(totals.fee).or_overflow()?;
            consumed = consumed.checked_add(id_consumed).or_overflow()?;
        }
        let contract = self.vm().contract_address();
        let price = self.model_price(model);
        let treasury = self.treasury();
        let value = fee.checked_mul(price).or_overflow()?;
        for totals in &run.ids {
            // Channels hold what they lock and a supply what its balances
            // hold, so neither can fall short (`move_tokens` checks anyway).
            if !cmp::is_zero(&totals.from_channels) {
                self.move_tokens(totals.id, contract, Address::ZERO, totals.from_channels)?;
            }
            let rest = self
                .total_supply(totals.id)
                .checked_sub(totals.burned - totals.from_channels)
                .or_overflow()?;
            self.set_total_supply(&totals.id, &rest);
        }
        if !cmp::is_zero(&value) {
            self.call_token_ai(crate::erc1155::TOKEN_AI_MINT, treasury, value)?;
        }
        for totals in run.ids {
            if !cmp::is_zero(&totals.fee) {
                // fee * price <= the run's value, which did not overflow.
                self.emit_fee_collected(totals.id, totals.fee, totals.fee * price, treasury);
            }
        }
        Ok((consumed, fee))
    }

    /// `settledAmount(holder, provider, id)`: the cumulative units settled so far, the fee
    /// excluded; a voucher settles only what it is above this.
    #[must_use]
    pub fn settled_amount(&self, holder: Address, provider: Address, id: U256) -> U256 {
        self.pay_account(pay_key(holder, provider, id)).settled
    }

    pub(crate) fn pay_account(&self, key: B256) -> PayAccount {
        PayAccount::decode(slot::load(&key))
    }

    /// # Errors
    ///
    /// `Panic(0x11)` for an amount past 96 bits.
    pub(crate) fn set_pay_account(&mut self, key: B256, account: &PayAccount) -> Result<(), Error> {
        slot::store(&key, &account.encode()?);
        Ok(())
    }

    /// The EIP-712 digest a holder signs for `voucher`.
    #[must_use]
    pub fn hash_voucher(&self, voucher: &Voucher) -> B256 {
        voucher_digest(self.domain_separator(), voucher)
    }

    /// `DOMAIN_SEPARATOR()`: the EIP-712 domain (name "AAT", version "1") of this chain and
    /// contract, computed on each call so it follows the chain id.
    #[must_use]
    pub fn domain_separator(&self) -> B256 {
        let vm = self.vm();
        eip712::domain_separator(
            abi_core::code_word!(DOMAIN_NAME_HASH),
            vm.chain_id(),
            vm.contract_address(),
        )
    }

    /// ERC-5267's `eip712Domain()`, ABI-encoded.
    #[must_use]
    pub fn eip712_domain(&self) -> Vec<u8> {
        let vm = self.vm();
        // The name made in the code: a constant string would sit in
        // the data segments.
        let name = abi_core::code_word!(abi_core::codec::left_aligned(DOMAIN_NAME));
        eip712::domain_answer(
            &name[..DOMAIN_NAME.len()],
            vm.chain_id(),
            vm.contract_address(),
        )
    }

    /// Everything settling `voucher` checks, in order, before it writes:
    /// the deadline, the signature (by the signer its open channel names,
    /// else by the holder), that it is above what was settled (else `None`:
    /// nothing to settle), the id's policy (as `consume`), the 96-bit range
    /// and the units to burn (a channel signer's voucher from the channel
    /// only).
    // Not inlined into `settle_all`: measured smaller.
    #[inline(never)]
    fn plan(
        &self,
        run: &mut Run,
        voucher: &Voucher,
        signature: &[u8],
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
    ) -> Result<Option<Plan>, Error> {
        if run.now > voucher.deadline {
            return Err(VoucherExpired {
                deadline: voucher.deadline,
            }
            .into());
        }
        let holder = voucher.holder;
        let digest = voucher_digest(run.separator, voucher);
        let key = pay_key(holder, voucher.provider, voucher.id);
        let account = self.pay_account(key);
        let open = run.now < account.expires_at;
        // While its channel is open and names a signer, that key alone signs
        // (ECDSA, no ERC-1271 call: what the provider was guaranteed cannot
        // depend on what a wallet answers later).
        let delegated = open && account.delegated;
        let signed = if delegated {
            let signer = self.channel_signer(key, &account);
            signature::is_signed_by_key(signer, digest, signature)
        } else {
            signature::is_valid(holder, digest, signature)
        };
        if !signed {
            return Err(InvalidVoucherSignature { holder }.into());
        }
        let Some(consumed) = math::checked_sub(&voucher.cumulative_amount, &account.settled)
            .filter(|delta| !cmp::is_zero(delta))
        else {
            return Ok(None);
        };
        let id = voucher.id;
        if !run.checked.is_some_and(|checked| cmp::eq(&checked, &id)) {
            self.usable_token_type(id, model, scope)?;
            run.checked = Some(id);
        }
        let fee = policy::fee(consumed, run.fee_bps);
        let burned = math::add(&consumed, &fee)?;
        let from_channel = if open {
            math::min(burned, account.locked)
        } else {
            U256::ZERO
        };
        // Cannot borrow: from_channel <= burned.
        let (from_balance, _) = math::overflowing_sub(&burned, &from_channel);
        let mut record_after = U256::ZERO;
        if delegated && !cmp::is_zero(&from_balance) {
            // A session key spends the channel, never the holder's balance.
            return Err(ERC1155InsufficientBalance {
                sender: holder,
                balance: account.locked,
                needed: burned,
                tokenId: id,
            }
            .into());
        }
        if !cmp::is_zero(&from_balance) {
            let held = self.balance_record(&id, &holder);
            let balance = records::balance_in(held);
            if math::lt(&balance, &from_balance) {
                return Err(ERC1155InsufficientBalance {
                    sender: holder,
                    balance,
                    needed: from_balance,
                    tokenId: id,
                }
                .into());
            }
            // Cannot borrow: checked just above.
            record_after = records::record(math::overflowing_sub(&balance, &from_balance).0, held);
        }
        let after = PayAccount {
            settled: voucher.cumulative_amount,
            // Cannot borrow: from_channel <= locked.
            locked: math::overflowing_sub(&account.locked, &from_channel).0,
            ..account
        };
        Ok(Some(Plan {
            key,
            account: after.encode()?,
            voucher: *voucher,
            consumed,
            fee,
            burned,
            from_channel,
            from_balance,
            record_after,
        }))
    }

    /// Writes a checked settlement: the settled amount and the channel,
    /// the units burned from the holder's balance, its events, and what it
    /// adds to the run's totals (written at the run's end).
    #[inline(never)]
    fn apply(&mut self, run: &mut Run, plan: &Plan) -> Result<(), Error> {
        let v = &plan.voucher;
        slot::store(&plan.key, &plan.account);
        if !cmp::is_zero(&plan.from_balance) {
            self.set_balance_record(&v.id, &v.holder, &plan.record_after);
        }
        let contract = self.vm().contract_address();
        for (source, units) in [(contract, plan.from_channel), (v.holder, plan.from_balance)] {
            if !cmp::is_zero(&units) {
                self.emit_transfer_single(v.provider, source, Address::ZERO, v.id, units);
            }
        }
        self.emit_consumed(v.holder, v.id, v.provider, plan.consumed, plan.fee);
        self.emit_voucher_settled(v, plan.consumed, plan.fee);
        // A match, not `if let`: the `if let` form compiled 92 bytes larger
        // (compressed).
        #[allow(clippy::single_match_else)]
        let totals = match run.ids.iter_mut().position(|t| cmp::eq(&t.id, &v.id)) {
            Some(at) => &mut run.ids[at],
            None => {
                run.ids.push(IdTotals {
                    id: v.id,
                    fee: U256::ZERO,
                    from_channels: U256::ZERO,
                    burned: U256::ZERO,
                });
                let last = run.ids.len() - 1;
                &mut run.ids[last]
            }
        };
        // Each sum is at most the id's supply: none can overflow.
        totals.fee = math::add(&totals.fee, &plan.fee)?;
        totals.from_channels = math::add(&totals.from_channels, &plan.from_channel)?;
        totals.burned = math::add(&totals.burned, &plan.burned)?;
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests;
