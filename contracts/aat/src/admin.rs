//! Administration: the model prices, the fee, the treasury, and the words
//! they live in. The treasury and the fee share fixed slot 0, so a
//! fee-paying call reads one slot for both; TokenAI's address is slot 1.

use abi_core::{cmp, codec::Word, slot};
use alloy_primitives::{Address, FixedBytes, U256};

use crate::{policy, Error, ExcessiveFee, ZeroAddress, AAT};

/// Fixed slot: the treasury (low 20 bytes) and the fee in basis points
/// (the two bytes above).
const TREASURY_AND_FEE: u8 = 0;
/// Fixed slot: the TokenAI contract.
pub(crate) const TOKEN_AI: u8 = 1;
/// Where the fee's two bytes start in its word.
const FEE_AT: usize = 10;

/// Writes the construction's TokenAI and treasury (the fee starts at zero).
pub(crate) fn init(token_ai: Address, treasury: Address) {
    slot::store_fixed(TOKEN_AI, &token_ai.word());
    slot::store_fixed(TREASURY_AND_FEE, &treasury.word());
}

impl AAT {
    /// Owner only. A price of 0 unsets it (conversion then reverts
    /// `PriceNotSet`, and fees of that model mint nothing).
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount` unless the caller is the owner.
    pub fn set_model_price(
        &mut self,
        model: FixedBytes<16>,
        token_ai_per_unit: U256,
    ) -> Result<(), Error> {
        self.access().only_owner()?;
        self.set_price(&model, &token_ai_per_unit);
        self.emit_model_price_set(model, token_ai_per_unit);
        Ok(())
    }

    /// Owner only: sets the fee consumption and swaps burn, in basis points of the amount.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount` unless the caller is the owner; `ExcessiveFee` above
    /// `MAX_FEE_BPS`.
    pub fn set_fee_bps(&mut self, fee_bps: u16) -> Result<(), Error> {
        self.access().only_owner()?;
        if fee_bps > policy::MAX_FEE_BPS {
            return Err(ExcessiveFee {
                feeBps: fee_bps,
                maxFeeBps: policy::MAX_FEE_BPS,
            }
            .into());
        }
        slot::store_fixed_bytes(TREASURY_AND_FEE, FEE_AT, &fee_bps.to_be_bytes());
        self.emit_fee_bps_set(fee_bps);
        Ok(())
    }

    /// The fee in basis points (1/10,000) of each consumed or swapped amount.
    #[must_use]
    pub fn fee_bps(&self) -> u16 {
        slot::u16_at(&slot::load_fixed(TREASURY_AND_FEE), FEE_AT)
    }

    /// `MAX_FEE_BPS()`: the highest fee the owner may set, 1000 (10%).
    #[must_use]
    pub fn max_fee_bps() -> u16 {
        policy::MAX_FEE_BPS
    }

    /// Owner only: sets the account the fees' TokenAI value is minted to.
    ///
    /// # Errors
    ///
    /// `OwnableUnauthorizedAccount` unless the caller is the owner; `ZeroAddress`.
    pub fn set_treasury(&mut self, treasury: Address) -> Result<(), Error> {
        self.access().only_owner()?;
        if cmp::is_null(&treasury) {
            return Err(ZeroAddress {}.into());
        }
        slot::store_fixed_bytes(TREASURY_AND_FEE, 12, treasury.as_slice());
        self.emit_treasury_set(treasury);
        Ok(())
    }

    /// The account the fees' TokenAI value is minted to.
    #[must_use]
    pub fn treasury(&self) -> Address {
        slot::address_in(&slot::load_fixed(TREASURY_AND_FEE))
    }

    /// The TokenAI contract: burned for `mintWithTokenAI`, minted by the fee hook.
    #[must_use]
    pub fn token_ai(&self) -> Address {
        slot::address_in(&slot::load_fixed(TOKEN_AI))
    }
}
