//! AAT's selectors and its routing (`abi_core::router`): each selector
//! is the spec's (`IAAT.sol`, through `sol!`); ownership, pause and
//! minters route through `abi_core::access`.

use alloc::vec::Vec;

use abi_core::{
    codec::{self, words, Args, Word},
    router::{data, done, word, Contract, Failure, Routed},
};

use crate::{vouchers::Voucher, AAT, IAAT};

/// A `Voucher`: five static words.
fn voucher(a: &mut Args<'_>) -> Result<Voucher, abi_core::codec::Malformed> {
    Ok(Voucher {
        holder: a.address()?,
        provider: a.address()?,
        id: a.u256()?,
        cumulative_amount: a.u256()?,
        deadline: a.u64()?,
    })
}

abi_core::selectors! {
    BALANCE_OF = IAAT::balanceOfCall;
    BALANCE_OF_BATCH = IAAT::balanceOfBatchCall;
    SET_APPROVAL_FOR_ALL = IAAT::setApprovalForAllCall;
    IS_APPROVED_FOR_ALL = IAAT::isApprovedForAllCall;
    SAFE_TRANSFER_FROM = IAAT::safeTransferFromCall;
    SAFE_BATCH_TRANSFER_FROM = IAAT::safeBatchTransferFromCall;
    SUPPORTS_INTERFACE = IAAT::supportsInterfaceCall;
    URI = IAAT::uriCall;
    SET_URI = IAAT::setURICall;
    TOTAL_SUPPLY = IAAT::totalSupplyCall;
    IS_SOULBOUND = IAAT::isSoulboundCall;
    COMPUTE_TOKEN_ID = IAAT::computeTokenIdCall;
    EXISTS = IAAT::existsCall;
    TOKEN_CONFIG = IAAT::tokenConfigCall;
    IS_EXPIRED = IAAT::isExpiredCall;
    MINT = IAAT::mintCall;
    MINT_WITH_TOKEN_AI = IAAT::mintWithTokenAICall;
    QUOTE_TOKEN_AI = IAAT::quoteTokenAICall;
    CONSUME = IAAT::consumeCall;
    RECLAIM = IAAT::reclaimCall;
    SWAP = IAAT::swapCall;
    SETTLE = IAAT::settleCall;
    SETTLE_BATCH = IAAT::settleBatchCall;
    SETTLED_AMOUNT = IAAT::settledAmountCall;
    HASH_VOUCHER = IAAT::hashVoucherCall;
    DOMAIN_SEPARATOR = IAAT::DOMAIN_SEPARATORCall;
    EIP712_DOMAIN = IAAT::eip712DomainCall;
    OPEN_CHANNEL = IAAT::openChannelCall;
    CLOSE_CHANNEL = IAAT::closeChannelCall;
    CHANNEL_OF = IAAT::channelOfCall;
    SET_MODEL_PRICE = IAAT::setModelPriceCall;
    MODEL_PRICE = IAAT::modelPriceCall;
    SET_FEE_BPS = IAAT::setFeeBpsCall;
    FEE_BPS = IAAT::feeBpsCall;
    MAX_FEE_BPS = IAAT::MAX_FEE_BPSCall;
    SET_TREASURY = IAAT::setTreasuryCall;
    TREASURY = IAAT::treasuryCall;
    TOKEN_AI = IAAT::tokenAICall;
}

/// The constructor, which the spec file states in a comment (an interface
/// declares none), for the ABI export.
pub const CONSTRUCTOR: &str =
    "constructor(address tokenAI, address treasury, string memory uri, address initialOwner)";

impl Contract for AAT {
    #[allow(clippy::too_many_lines)] // a dispatch table: one arm per function
    fn call(&mut self, selector: u32, a: &mut Args<'_>) -> Routed {
        match selector {
            BALANCE_OF => word(self.balance_of(a.address()?, a.u256()?)),
            BALANCE_OF_BATCH => {
                let accounts = a.address_array()?;
                data(codec::encode_array(
                    &self.balance_of_batch(accounts, a.u256_array()?)?,
                ))
            }
            SET_APPROVAL_FOR_ALL => done(self.set_approval_for_all(a.address()?, a.bool()?)),
            IS_APPROVED_FOR_ALL => word(self.is_approved_for_all(a.address()?, a.address()?)),
            SAFE_TRANSFER_FROM => {
                let (from, to, id, value) = (a.address()?, a.address()?, a.u256()?, a.u256()?);
                done(self.safe_transfer_from(from, to, id, value, a.bytes()?))
            }
            SAFE_BATCH_TRANSFER_FROM => {
                let (from, to) = (a.address()?, a.address()?);
                let (ids, values) = (a.u256_array()?, a.u256_array()?);
                done(self.safe_batch_transfer_from(from, to, ids, values, a.bytes()?))
            }
            SUPPORTS_INTERFACE => word(self.supports_interface(a.fixed::<4>()?)),
            URI => data(codec::encode_bytes(&self.uri(a.u256()?))),
            SET_URI => done(self.set_uri(a.bytes()?)),
            TOTAL_SUPPLY => word(self.total_supply(a.u256()?)),
            IS_SOULBOUND => word(self.is_soulbound(a.u256()?)),
            COMPUTE_TOKEN_ID => word(AAT::compute_token_id(
                a.address()?,
                a.fixed()?,
                a.fixed()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
            )),
            EXISTS => word(self.exists(a.u256()?)),
            TOKEN_CONFIG => {
                let (model, scope, expiration, pool, reclaimable, tradable) =
                    self.token_config(a.u256()?)?;
                data(words(&[
                    model.word(),
                    scope.word(),
                    expiration.word(),
                    pool.word(),
                    reclaimable.word(),
                    tradable.word(),
                ]))
            }
            IS_EXPIRED => word(self.is_expired(a.u256()?)),
            MINT => word(self.mint(
                a.address()?,
                a.address()?,
                a.fixed()?,
                a.fixed()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
                a.u256()?,
            )?),
            MINT_WITH_TOKEN_AI => word(self.mint_with_token_ai(
                a.address()?,
                a.fixed()?,
                a.fixed()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
                a.u256()?,
            )?),
            QUOTE_TOKEN_AI => word(self.quote_token_ai(a.fixed()?, a.u256()?)?),
            CONSUME => {
                word(self.consume(a.address()?, a.u256()?, a.u256()?, a.fixed()?, a.fixed()?)?)
            }
            RECLAIM => word(self.reclaim(a.address()?, a.u256()?, a.u256()?)?),
            SWAP => {
                let (party_a, id_a, amount_a) = (a.address()?, a.u256()?, a.u256()?);
                let (party_b, id_b, amount_b) = (a.address()?, a.u256()?, a.u256()?);
                done(self.swap(party_a, id_a, amount_a, party_b, id_b, amount_b))
            }
            SETTLE | SETTLE_BATCH => {
                // One voucher inline, or arrays of them and their signatures.
                let single = selector == SETTLE;
                let (vouchers, signatures) = if single {
                    (vec![voucher(a)?], vec![a.bytes()?])
                } else {
                    let (count, mut items) = a.array(5)?;
                    let mut vouchers = Vec::with_capacity(count);
                    for _ in 0..count {
                        vouchers.push(voucher(&mut items)?);
                    }
                    (vouchers, a.bytes_array()?)
                };
                let (model, scope) = (a.fixed()?, a.fixed()?);
                let (consumed, fee) =
                    self.settle_all(&vouchers, &signatures, model, scope, single)?;
                data(words(&[consumed.word(), fee.word()]))
            }
            SETTLED_AMOUNT => word(self.settled_amount(a.address()?, a.address()?, a.u256()?)),
            HASH_VOUCHER => word(self.hash_voucher(&voucher(a)?)),
            DOMAIN_SEPARATOR => word(self.domain_separator()),
            EIP712_DOMAIN => data(self.eip712_domain()),
            OPEN_CHANNEL => {
                let (provider, id, amount) = (a.address()?, a.u256()?, a.u256()?);
                done(self.open_channel(provider, id, amount, a.u64()?, a.address()?))
            }
            CLOSE_CHANNEL => word(self.close_channel(a.address()?, a.address()?, a.u256()?)?),
            CHANNEL_OF => {
                let (locked, expires_at, signer) =
                    self.channel_of(a.address()?, a.address()?, a.u256()?);
                data(words(&[locked.word(), expires_at.word(), signer.word()]))
            }
            SET_MODEL_PRICE => done(self.set_model_price(a.fixed()?, a.u256()?)),
            MODEL_PRICE => word(self.model_price(a.fixed()?)),
            SET_FEE_BPS => done(self.set_fee_bps(a.u16()?)),
            FEE_BPS => word(self.fee_bps()),
            MAX_FEE_BPS => word(AAT::max_fee_bps()),
            SET_TREASURY => done(self.set_treasury(a.address()?)),
            TREASURY => word(self.treasury()),
            TOKEN_AI => word(self.token_ai()),
            _ => self.access().route(selector, a),
        }
    }

    /// `constructor(tokenAI, treasury, uri, initialOwner)`.
    fn construct(&mut self, a: &mut Args<'_>) -> Result<(), Failure> {
        let (token_ai, treasury, uri, owner) =
            (a.address()?, a.address()?, a.bytes()?, a.address()?);
        Ok(self.constructor(token_ai, treasury, uri, owner)?)
    }
}

abi_core::entrypoint!(AAT);
