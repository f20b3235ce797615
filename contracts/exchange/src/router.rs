//! The exchange's selector table and its routing (`abi_core::router`): the
//! table is both what the program dispatches on and what the ABI export
//! prints; ownership and pause route through `abi_core::access`, without
//! its minter functions, which the exchange does not declare.

use alloc::vec::Vec;

use abi_core::{
    codec::{self, Args, Malformed},
    router::{done, word, Contract, Failure, Routed},
};
use alloy_primitives::{Address, B256, U256};
use stylus_sdk::abi::Bytes;

use crate::{AATExchange, Order};

/// `Order`'s ABI type, for selectors:
/// `(address,address,uint256,uint256,uint256,uint256,uint64,uint64)`.
type OrderArg = (Address, Address, U256, U256, U256, U256, u64, u64);

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

abi_core::functions! {
    FILL = "fill"(OrderArg, Bytes, U256)
        => "function fill(Order calldata order, bytes calldata signature, uint256 giveFill) external returns (uint256 wantPaid)";
    FILL_BATCH = "fillBatch"(Vec<OrderArg>, Vec<Bytes>, Vec<U256>)
        => "function fillBatch(Order[] calldata orders, bytes[] calldata signatures, uint256[] calldata giveFills) external returns (uint256[] memory wantPaid)";
    CANCEL = "cancel"(Vec<OrderArg>)
        => "function cancel(Order[] calldata orders) external";
    CANCEL_UP_TO = "cancelUpTo"(u64)
        => "function cancelUpTo(uint64 minNonce) external";
    FILLED = "filled"(B256)
        => "function filled(bytes32 orderHash) external view returns (uint256)";
    CANCELLED = "cancelled"(B256)
        => "function cancelled(bytes32 orderHash) external view returns (bool)";
    MIN_NONCE = "minNonce"(Address)
        => "function minNonce(address maker) external view returns (uint64)";
    REMAINING = "remaining"(OrderArg)
        => "function remaining(Order calldata order) external view returns (uint256)";
    HASH_ORDER = "hashOrder"(OrderArg)
        => "function hashOrder(Order calldata order) external view returns (bytes32)";
    DOMAIN_SEPARATOR = "DOMAIN_SEPARATOR"()
        => "function DOMAIN_SEPARATOR() external view returns (bytes32)";
    EIP712_DOMAIN = "eip712Domain"()
        => "function eip712Domain() external view returns (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] memory extensions)";
    AAT = "aat"()
        => "function aat() external view returns (address)";
    TOKEN_AI = "tokenAI"()
        => "function tokenAI() external view returns (address)";
    SET_FEE_BPS = "setFeeBps"(u16)
        => "function setFeeBps(uint16 feeBps) external";
    FEE_BPS = "feeBps"()
        => "function feeBps() external view returns (uint16)";
    MAX_FEE_BPS = "MAX_FEE_BPS"()
        => "function MAX_FEE_BPS() external pure returns (uint16)";
    SET_TREASURY = "setTreasury"(Address)
        => "function setTreasury(address treasury) external";
    TREASURY = "treasury"()
        => "function treasury() external view returns (address)";
}

/// The `Order` struct as the ABI export declares it.
pub const ORDER_STRUCT: &str = "struct Order { address maker; address taker; uint256 giveId; uint256 giveAmount; uint256 wantId; uint256 wantAmount; uint64 expiry; uint64 nonce; }";

/// The constructor, as the ABI export prints it.
pub const CONSTRUCTOR: &str =
    "constructor(address aat, address tokenAI, address treasury, address initialOwner)";

impl Contract for AATExchange {
    fn call(&mut self, selector: u32, a: &mut Args<'_>) -> Routed {
        Ok(Some(match selector {
            FILL => {
                let order = order(a)?;
                let signature = a.bytes()?;
                word(self.fill(&order, signature, a.u256()?)?)
            }
            FILL_BATCH => {
                let (orders, signatures) = (orders(a)?, a.bytes_array()?);
                codec::encode_array(&self.fill_batch(&orders, &signatures, &a.u256_array()?)?)
            }
            CANCEL => done(self.cancel(&orders(a)?))?,
            CANCEL_UP_TO => done(self.cancel_up_to(a.u64()?))?,
            FILLED => word(self.filled(a.b256()?)),
            CANCELLED => word(self.cancelled(a.b256()?)),
            MIN_NONCE => word(self.min_nonce(a.address()?)),
            REMAINING => word(self.remaining(&order(a)?)),
            HASH_ORDER => word(self.hash_order(&order(a)?)),
            DOMAIN_SEPARATOR => word(self.domain_separator()),
            EIP712_DOMAIN => self.eip712_domain(),
            AAT => word(self.aat()),
            TOKEN_AI => word(self.token_ai()),
            SET_FEE_BPS => done(self.set_fee_bps(a.u16()?))?,
            FEE_BPS => word(self.fee_bps()),
            MAX_FEE_BPS => word(AATExchange::max_fee_bps()),
            SET_TREASURY => done(self.set_treasury(a.address()?))?,
            TREASURY => word(self.treasury()),
            _ => return self.access.route_owner_and_pause(selector, a),
        }))
    }

    /// `constructor(aat, tokenAI, treasury, initialOwner)`.
    fn construct(&mut self, a: &mut Args<'_>) -> Result<(), Failure> {
        let (aat, token_ai, treasury, owner) =
            (a.address()?, a.address()?, a.address()?, a.address()?);
        Ok(self.constructor(aat, token_ai, treasury, owner)?)
    }
}

abi_core::entrypoint!(AATExchange);

#[cfg(feature = "export-abi")]
abi_core::generate_abi!(
    AATExchange,
    "AATExchange",
    structs: &[ORDER_STRUCT],
    functions: &[FUNCTIONS, abi_core::access::OWNER_AND_PAUSE_FUNCTIONS],
    errors: crate::error::ERROR_SIGNATURES,
    constructor: CONSTRUCTOR,
);
