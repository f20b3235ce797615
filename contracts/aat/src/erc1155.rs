//! The lean ERC-1155 core: one balance-update path that every mint, burn,
//! transfer, reclaim and swap leg goes through, operator authorization, the
//! receiver acceptance checks the standard requires of safe transfers, and
//! the two calls AAT makes to TokenAI. Calldata is laid out by hand
//! (`abi_core::codec`) for the same size reason as the router.

use abi_core::cmp;
use abi_core::{
    call::call,
    codec::{push_bytes, push_u256_array, selector_and_words, words, Word},
    signature::has_code,
    OrOverflow,
};
use alloy_primitives::{Address, U256};

use crate::{
    error::Error,
    records::{balance_in, fits, record},
    AAT,
    IAAT::{
        ERC1155InsufficientBalance, ERC1155InvalidReceiver, ERC1155InvalidSender,
        ERC1155MissingApprovalForAll, NotAContract,
    },
};

/// `mint(address,uint256)` on TokenAI.
pub(crate) const TOKEN_AI_MINT: [u8; 4] = [0x40, 0xc1, 0x0f, 0x19];
/// `burnFrom(address,uint256)` on TokenAI.
pub(crate) const TOKEN_AI_BURN_FROM: [u8; 4] = [0x79, 0xcc, 0x67, 0x90];

/// `onERC1155Received(address,address,uint256,uint256,bytes)`'s selector: the
/// answer of a receiver that accepts.
const ACCEPT_SINGLE: [u8; 4] = [0xf2, 0x3a, 0x6e, 0x61];
/// `onERC1155BatchReceived(address,address,uint256[],uint256[],bytes)`'s selector.
const ACCEPT_BATCH: [u8; 4] = [0xbc, 0x19, 0x7c, 0x81];

impl AAT {
    /// `operator` may move `owner`'s tokens: it is the owner or approved.
    pub(crate) fn check_authorized(&self, owner: Address, operator: Address) -> Result<(), Error> {
        if !cmp::same(&owner, &operator) && !self.is_approved_for_all(owner, operator) {
            return Err(ERC1155MissingApprovalForAll { operator, owner }.into());
        }
        Ok(())
    }

    /// Units leave only a real account: the zero address sends nothing (it
    /// cannot sign or call, and authorization alone would let an
    /// `eth_call` from address zero "consume" or "swap" its empty balance).
    pub(crate) fn check_sender(sender: Address) -> Result<(), Error> {
        if cmp::is_null(&sender) {
            return Err(ERC1155InvalidSender { sender }.into());
        }
        Ok(())
    }

    /// The checks every safe transfer makes before its ids: not paused, the
    /// caller authorized, neither end the zero address.
    pub(crate) fn check_transfer(
        &self,
        operator: Address,
        from: Address,
        to: Address,
    ) -> Result<(), Error> {
        self.access().when_not_paused()?;
        self.check_authorized(from, operator)?;
        if cmp::is_null(&to) {
            return Err(ERC1155InvalidReceiver { receiver: to }.into());
        }
        Self::check_sender(from)
    }

    /// Units leave `from` (not zero): to `to`, or burned when `to` is zero.
    /// With `mint_tokens`, the only balance updates: they keep
    /// `totalSupply(id)` equal to the sum of the id's balances and at most
    /// 2^184 - 1 (`records::fits`), so no balance overflows its record. A record filled
    /// here carries the sender's tag.
    pub(crate) fn move_tokens(
        &mut self,
        id: U256,
        from: Address,
        to: Address,
        value: U256,
    ) -> Result<(), Error> {
        let held = self.balance_record(&id, &from);
        let balance = balance_in(held);
        let Some(rest) = balance.checked_sub(value) else {
            return Err(ERC1155InsufficientBalance {
                sender: from,
                balance,
                needed: value,
                tokenId: id,
            }
            .into());
        };
        self.set_balance_record(&id, &from, &record(rest, held));
        if cmp::is_null(&to) {
            let total = self.total_supply(id).checked_sub(value).or_overflow()?;
            self.set_total_supply(&id, &total);
            return Ok(());
        }
        self.credit(id, to, value, held)
    }

    /// Issues `value` new units of `id` to `to` (not zero); `tag` is the
    /// id's (`Terms::tag`).
    pub(crate) fn mint_tokens(
        &mut self,
        id: U256,
        to: Address,
        value: U256,
        tag: U256,
    ) -> Result<(), Error> {
        let total = self
            .total_supply(id)
            .checked_add(value)
            .filter(fits)
            .or_overflow()?;
        self.set_total_supply(&id, &total);
        self.credit(id, to, value, tag)
    }

    /// Adds `value` to `to`'s balance. Its record keeps its tag, or takes
    /// `source`'s: every record's tag is the id's or, at worst, empty (a
    /// sender with no record moving nothing), and an empty tag only sends
    /// the next move to the policy's terms slot.
    fn credit(&mut self, id: U256, to: Address, value: U256, source: U256) -> Result<(), Error> {
        let held = self.balance_record(&id, &to);
        // Cannot pass 2^184 - 1: the supply holds this balance and `value`
        // apart. Checked all the same: a balance past it would spill into
        // the tag, and with it into the transfer policy.
        let balance = balance_in(held)
            .checked_add(value)
            .filter(fits)
            .or_overflow()?;
        self.set_balance_record(&id, &to, &record(balance, held | source));
        Ok(())
    }

    /// Asks a contract recipient to accept a single transfer: an answer
    /// whose first word is not the acceptance selector reverts
    /// `ERC1155InvalidReceiver(to)` (longer return data is accepted, as
    /// OpenZeppelin's Solidity decodes it); a receiver's own revert reason is
    /// passed up.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn accept_single(
        &mut self,
        operator: Address,
        from: Address,
        to: Address,
        id: U256,
        value: U256,
        data: &[u8],
    ) -> Result<(), Error> {
        if !has_code(to) {
            return Ok(());
        }
        let accept = abi_core::codec::in_code(ACCEPT_SINGLE);
        let mut calldata = accept.to_vec();
        calldata.extend(words(&[
            operator.word(),
            from.word(),
            id.word(),
            value.word(),
            U256::from(160).word(),
        ]));
        push_bytes(&mut calldata, data);
        self.ask_receiver(to, &calldata, accept)
    }

    /// Asks a contract recipient to accept a batch transfer.
    pub(crate) fn accept_batch(
        &mut self,
        operator: Address,
        from: Address,
        to: Address,
        ids: &[U256],
        values: &[U256],
        data: &[u8],
    ) -> Result<(), Error> {
        if !has_code(to) {
            return Ok(());
        }
        let values_at = 160 + 32 * (1 + ids.len());
        let data_at = values_at + 32 * (1 + values.len());
        let accept = abi_core::codec::in_code(ACCEPT_BATCH);
        let mut calldata = accept.to_vec();
        calldata.extend(words(&[
            operator.word(),
            from.word(),
            U256::from(160).word(),
            U256::from(values_at).word(),
            U256::from(data_at).word(),
        ]));
        push_u256_array(&mut calldata, ids);
        push_u256_array(&mut calldata, values);
        push_bytes(&mut calldata, data);
        self.ask_receiver(to, &calldata, accept)
    }

    fn ask_receiver(&mut self, to: Address, calldata: &[u8], accept: [u8; 4]) -> Result<(), Error> {
        match call(to, calldata) {
            Ok(answer)
                if answer.len() >= 32
                    && answer[..4] == accept
                    && answer[4..32].iter().all(|b| *b == 0) =>
            {
                Ok(())
            }
            Err(reason) if !reason.is_empty() => Err(Error::external(reason)),
            _ => Err(ERC1155InvalidReceiver { receiver: to }.into()),
        }
    }

    /// Calls `selector(account, value)` on TokenAI (`mint` or `burnFrom`),
    /// passing up its revert data unchanged. A TokenAI without code is a
    /// failure, `NotAContract(tokenAI)`, as for a Solidity high-level call
    /// (the constructor checks it too; this is defence in depth).
    pub(crate) fn call_token_ai(
        &mut self,
        selector: [u8; 4],
        account: Address,
        value: U256,
    ) -> Result<(), Error> {
        let token_ai = self.token_ai();
        if !has_code(token_ai) {
            return Err(NotAContract { account: token_ai }.into());
        }
        let calldata = selector_and_words(selector, &[account.word(), value.word()]);
        call(token_ai, &calldata).map_err(Error::external)?;
        Ok(())
    }
}
