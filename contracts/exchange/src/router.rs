//! The exchange's selectors and its routing (`abi_core::router`): each
//! selector is the spec's (`IAATExchange.sol`, through `sol!`); ownership
//! routes through `abi_core::access`, without its minter functions, which
//! the exchange does not declare; pause is the exchange's own flag, with
//! `access`'s rules.

use alloc::vec::Vec;

use abi_core::{
    access::{self, OwnPause},
    codec::{self, Args, Malformed},
    router::{data, done, word, Contract, Failure, Routed},
};

use crate::{AATExchange, IAATExchange, Order};

/// An `Order`: eight static words.
const ORDER_WORDS: usize = 8;

fn order(a: &mut Args<'_>) -> Result<Order, Malformed> {
    Ok(Order {
        maker: a.address()?,
        taker: a.address()?,
        give_id: a.u256()?,
        give_amount: a.u256()?,
        want_id: a.u256()?,
        want_amount: a.u256()?,
        expiry: a.u64()?,
        nonce: a.u64()?,
    })
}

/// `Order[]`.
fn orders(a: &mut Args<'_>) -> Result<Vec<Order>, Malformed> {
    let (count, mut items) = a.array(ORDER_WORDS)?;
    (0..count).map(|_| order(&mut items)).collect()
}

abi_core::selectors! {
    FILL = IAATExchange::fillCall;
    FILL_BATCH = IAATExchange::fillBatchCall;
    CANCEL = IAATExchange::cancelCall;
    CANCEL_UP_TO = IAATExchange::cancelUpToCall;
    FILLED = IAATExchange::filledCall;
    CANCELLED = IAATExchange::cancelledCall;
    MIN_NONCE = IAATExchange::minNonceCall;
    REMAINING = IAATExchange::remainingCall;
    HASH_ORDER = IAATExchange::hashOrderCall;
    DOMAIN_SEPARATOR = IAATExchange::DOMAIN_SEPARATORCall;
    EIP712_DOMAIN = IAATExchange::eip712DomainCall;
    AAT = IAATExchange::aatCall;
    TOKEN_AI = IAATExchange::tokenAICall;
    SET_FEE_BPS = IAATExchange::setFeeBpsCall;
    FEE_BPS = IAATExchange::feeBpsCall;
    MAX_FEE_BPS = IAATExchange::MAX_FEE_BPSCall;
    SET_TREASURY = IAATExchange::setTreasuryCall;
    TREASURY = IAATExchange::treasuryCall;
}

/// The constructor, which the spec file states in a comment (an interface
/// declares none), for the ABI export.
pub const CONSTRUCTOR: &str =
    "constructor(address aat, address tokenAI, address treasury, address initialOwner)";

impl Contract for AATExchange {
    fn call(&mut self, selector: u32, a: &mut Args<'_>) -> Routed {
        match selector {
            FILL => {
                let order = order(a)?;
                let signature = a.bytes()?;
                word(self.fill(&order, signature, a.u256()?)?)
            }
            FILL_BATCH => {
                let (orders, signatures) = (orders(a)?, a.bytes_array()?);
                data(codec::encode_array(&self.fill_batch(
                    &orders,
                    &signatures,
                    &a.u256_array()?,
                )?))
            }
            CANCEL => done(self.cancel(&orders(a)?)),
            CANCEL_UP_TO => done(self.cancel_up_to(a.u64()?)),
            FILLED => word(self.filled(a.b256()?)),
            CANCELLED => word(self.cancelled(a.b256()?)),
            MIN_NONCE => word(self.min_nonce(a.address()?)),
            REMAINING => word(self.remaining(&order(a)?)),
            HASH_ORDER => word(self.hash_order(&order(a)?)),
            DOMAIN_SEPARATOR => word(self.domain_separator()),
            EIP712_DOMAIN => data(self.eip712_domain()),
            AAT => word(self.aat()),
            TOKEN_AI => word(self.token_ai()),
            SET_FEE_BPS => done(self.set_fee_bps(a.u16()?)),
            FEE_BPS => word(self.fee_bps()),
            MAX_FEE_BPS => word(AATExchange::max_fee_bps()),
            SET_TREASURY => done(self.set_treasury(a.address()?)),
            TREASURY => word(self.treasury()),
            // The pause flag is the exchange's own (beside AAT's address).
            access::PAUSE => done(self.pause()),
            access::UNPAUSE => done(self.unpause()),
            access::PAUSED => word(self.paused()),
            _ => self.access().route_owner_and_pause(selector, a),
        }
    }

    /// `constructor(aat, tokenAI, treasury, initialOwner)`.
    fn construct(&mut self, a: &mut Args<'_>) -> Result<(), Failure> {
        let (aat, token_ai, treasury, owner) =
            (a.address()?, a.address()?, a.address()?, a.address()?);
        Ok(self.constructor(aat, token_ai, treasury, owner)?)
    }
}

abi_core::entrypoint!(AATExchange);
