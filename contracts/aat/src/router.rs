//! The hand-written router: one selector table is both what the program
//! dispatches on and what the ABI export prints (`FUNCTIONS`), and calldata
//! is decoded with `codec`. This replaces stylus-sdk's `#[public]`, whose
//! generated router and alloy's generic ABI codec made the program 37.7 KB
//! compressed; the hand-written one is a fraction of that (see README, Size).

use alloc::vec::Vec;
use core::borrow::BorrowMut;

use alloy_primitives::{Address, FixedBytes, U256};
use stylus_sdk::{
    abi::{Bytes, Router},
    function_selector,
    prelude::*,
    stylus_core::{host::ConstructorGuard, storage::TopLevelStorage, ValueDenier},
    ArbResult,
};

use crate::{
    codec::{self, words, Args, Malformed, Word},
    Error, AAT,
};

macro_rules! functions {
    ($($selector:ident = $name:literal($($ty:ty),*) => $declaration:literal;)*) => {
        $(#[allow(missing_docs)] pub const $selector: u32 =
            u32::from_be_bytes(function_selector!($name $(, $ty)*));)*
        /// Every external function: its selector and its Solidity declaration.
        pub const FUNCTIONS: &[(u32, &str)] = &[$(($selector, $declaration),)*];
    };
}

functions! {
    BALANCE_OF = "balanceOf"(Address, U256)
        => "function balanceOf(address account, uint256 id) external view returns (uint256)";
    BALANCE_OF_BATCH = "balanceOfBatch"(Vec<Address>, Vec<U256>)
        => "function balanceOfBatch(address[] calldata accounts, uint256[] calldata ids) external view returns (uint256[] memory)";
    SET_APPROVAL_FOR_ALL = "setApprovalForAll"(Address, bool)
        => "function setApprovalForAll(address operator, bool approved) external";
    IS_APPROVED_FOR_ALL = "isApprovedForAll"(Address, Address)
        => "function isApprovedForAll(address account, address operator) external view returns (bool)";
    SAFE_TRANSFER_FROM = "safeTransferFrom"(Address, Address, U256, U256, Bytes)
        => "function safeTransferFrom(address from, address to, uint256 id, uint256 value, bytes calldata data) external";
    SAFE_BATCH_TRANSFER_FROM = "safeBatchTransferFrom"(Address, Address, Vec<U256>, Vec<U256>, Bytes)
        => "function safeBatchTransferFrom(address from, address to, uint256[] calldata ids, uint256[] calldata values, bytes calldata data) external";
    SUPPORTS_INTERFACE = "supportsInterface"(FixedBytes<4>)
        => "function supportsInterface(bytes4 interfaceId) external view returns (bool)";
    URI = "uri"(U256)
        => "function uri(uint256 id) external view returns (string memory)";
    SET_URI = "setURI"(alloc::string::String)
        => "function setURI(string calldata newUri) external";
    TOTAL_SUPPLY = "totalSupply"(U256)
        => "function totalSupply(uint256 id) external view returns (uint256)";
    IS_SOULBOUND = "isSoulbound"(U256)
        => "function isSoulbound(uint256 id) external view returns (bool)";
    COMPUTE_TOKEN_ID = "computeTokenId"(Address, FixedBytes<16>, FixedBytes<16>, u64, bool, bool)
        => "function computeTokenId(address originPool, bytes16 model, bytes16 scope, uint64 expiration, bool reclaimable, bool tradable) external pure returns (uint256)";
    EXISTS = "exists"(U256)
        => "function exists(uint256 id) external view returns (bool)";
    TOKEN_CONFIG = "tokenConfig"(U256)
        => "function tokenConfig(uint256 id) external view returns (bytes16 model, bytes16 scope, uint64 expiration, address originPool, bool reclaimable, bool tradable)";
    IS_EXPIRED = "isExpired"(U256)
        => "function isExpired(uint256 id) external view returns (bool)";
    MINT = "mint"(Address, Address, FixedBytes<16>, FixedBytes<16>, u64, bool, bool, U256)
        => "function mint(address to, address originPool, bytes16 model, bytes16 scope, uint64 expiration, bool reclaimable, bool tradable, uint256 amount) external returns (uint256 id)";
    MINT_WITH_TOKEN_AI = "mintWithTokenAI"(Address, FixedBytes<16>, FixedBytes<16>, u64, bool, bool, U256)
        => "function mintWithTokenAI(address to, bytes16 model, bytes16 scope, uint64 expiration, bool reclaimable, bool tradable, uint256 amount) external returns (uint256 id)";
    QUOTE_TOKEN_AI = "quoteTokenAI"(FixedBytes<16>, U256)
        => "function quoteTokenAI(bytes16 model, uint256 amount) external view returns (uint256)";
    CONSUME = "consume"(Address, U256, U256, FixedBytes<16>, FixedBytes<16>)
        => "function consume(address holder, uint256 id, uint256 amount, bytes16 model, bytes16 scope) external returns (uint256 fee)";
    RECLAIM = "reclaim"(Address, U256, U256)
        => "function reclaim(address holder, uint256 id, uint256 amount) external returns (uint256 reclaimed)";
    SWAP = "swap"(Address, U256, U256, Address, U256, U256)
        => "function swap(address partyA, uint256 idA, uint256 amountA, address partyB, uint256 idB, uint256 amountB) external";
    SET_MINTER = "setMinter"(Address, bool)
        => "function setMinter(address minter, bool enabled) external";
    IS_MINTER = "isMinter"(Address)
        => "function isMinter(address account) external view returns (bool)";
    SET_MODEL_PRICE = "setModelPrice"(FixedBytes<16>, U256)
        => "function setModelPrice(bytes16 model, uint256 tokenAIPerUnit) external";
    MODEL_PRICE = "modelPrice"(FixedBytes<16>)
        => "function modelPrice(bytes16 model) external view returns (uint256)";
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
    TOKEN_AI = "tokenAI"()
        => "function tokenAI() external view returns (address)";
    PAUSE = "pause"()
        => "function pause() external";
    UNPAUSE = "unpause"()
        => "function unpause() external";
    PAUSED = "paused"()
        => "function paused() external view returns (bool)";
    OWNER = "owner"()
        => "function owner() external view returns (address)";
    PENDING_OWNER = "pendingOwner"()
        => "function pendingOwner() external view returns (address)";
    TRANSFER_OWNERSHIP = "transferOwnership"(Address)
        => "function transferOwnership(address newOwner) external";
    ACCEPT_OWNERSHIP = "acceptOwnership"()
        => "function acceptOwnership() external";
    RENOUNCE_OWNERSHIP = "renounceOwnership"()
        => "function renounceOwnership() external";
}

/// The constructor, as the ABI export prints it.
pub const CONSTRUCTOR: &str =
    "constructor(address tokenAI, address treasury, string memory uri, address initialOwner)";

/// Why a call did not return.
enum Failure {
    /// The calldata does not decode: revert without data, as Solidity does.
    Malformed,
    /// The function reverted with this (encoded) error.
    Reverted(Vec<u8>),
}

impl From<Malformed> for Failure {
    fn from(_: Malformed) -> Self {
        Failure::Malformed
    }
}

impl From<Error> for Failure {
    fn from(err: Error) -> Self {
        Failure::Reverted(err.into())
    }
}

impl From<Failure> for Vec<u8> {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Malformed => Vec::new(),
            Failure::Reverted(data) => data,
        }
    }
}

fn word(value: impl Word) -> Vec<u8> {
    value.word().to_vec()
}

impl AAT {
    /// Runs the function `selector` names on `input` (the calldata after the
    /// selector); `None` for an unknown selector.
    fn call(&mut self, selector: u32, a: &mut Args<'_>) -> Result<Option<Vec<u8>>, Failure> {
        let none = Vec::new;
        Ok(Some(match selector {
            BALANCE_OF => word(self.balance_of(a.address()?, a.u256()?)),
            BALANCE_OF_BATCH => {
                let accounts = a.address_array()?;
                codec::encode_array(&self.balance_of_batch(accounts, a.u256_array()?)?)
            }
            SET_APPROVAL_FOR_ALL => {
                self.set_approval_for_all(a.address()?, a.bool()?)?;
                none()
            }
            IS_APPROVED_FOR_ALL => word(self.is_approved_for_all(a.address()?, a.address()?)),
            SAFE_TRANSFER_FROM => {
                self.safe_transfer_from(
                    a.address()?,
                    a.address()?,
                    a.u256()?,
                    a.u256()?,
                    a.bytes()?,
                )?;
                none()
            }
            SAFE_BATCH_TRANSFER_FROM => {
                let (from, to) = (a.address()?, a.address()?);
                let (ids, values) = (a.u256_array()?, a.u256_array()?);
                self.safe_batch_transfer_from(from, to, ids, values, a.bytes()?)?;
                none()
            }
            SUPPORTS_INTERFACE => {
                let id = a.u256()?.to_be_bytes::<32>();
                if id[4..].iter().any(|b| *b != 0) {
                    return Err(Failure::Malformed);
                }
                word(self.supports_interface(FixedBytes::from_slice(&id[..4])))
            }
            URI => codec::encode_bytes(&self.uri(a.u256()?)),
            SET_URI => {
                self.set_uri(a.bytes()?)?;
                none()
            }
            TOTAL_SUPPLY => word(self.total_supply(a.u256()?)),
            IS_SOULBOUND => word(self.is_soulbound(a.u256()?)),
            COMPUTE_TOKEN_ID => word(AAT::compute_token_id(
                a.address()?,
                a.bytes16()?,
                a.bytes16()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
            )),
            EXISTS => word(self.exists(a.u256()?)),
            TOKEN_CONFIG => {
                let (model, scope, expiration, pool, reclaimable, tradable) =
                    self.token_config(a.u256()?)?;
                words(&[
                    model.word(),
                    scope.word(),
                    expiration.word(),
                    pool.word(),
                    reclaimable.word(),
                    tradable.word(),
                ])
            }
            IS_EXPIRED => word(self.is_expired(a.u256()?)),
            MINT => word(self.mint(
                a.address()?,
                a.address()?,
                a.bytes16()?,
                a.bytes16()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
                a.u256()?,
            )?),
            MINT_WITH_TOKEN_AI => word(self.mint_with_token_ai(
                a.address()?,
                a.bytes16()?,
                a.bytes16()?,
                a.u64()?,
                a.bool()?,
                a.bool()?,
                a.u256()?,
            )?),
            QUOTE_TOKEN_AI => word(self.quote_token_ai(a.bytes16()?, a.u256()?)?),
            CONSUME => word(self.consume(
                a.address()?,
                a.u256()?,
                a.u256()?,
                a.bytes16()?,
                a.bytes16()?,
            )?),
            RECLAIM => word(self.reclaim(a.address()?, a.u256()?, a.u256()?)?),
            SWAP => {
                self.swap(
                    a.address()?,
                    a.u256()?,
                    a.u256()?,
                    a.address()?,
                    a.u256()?,
                    a.u256()?,
                )?;
                none()
            }
            SET_MINTER => {
                self.set_minter(a.address()?, a.bool()?)?;
                none()
            }
            IS_MINTER => word(self.is_minter(a.address()?)),
            SET_MODEL_PRICE => {
                self.set_model_price(a.bytes16()?, a.u256()?)?;
                none()
            }
            MODEL_PRICE => word(self.model_price(a.bytes16()?)),
            SET_FEE_BPS => {
                self.set_fee_bps(a.u16()?)?;
                none()
            }
            FEE_BPS => word(self.fee_bps()),
            MAX_FEE_BPS => word(AAT::max_fee_bps()),
            SET_TREASURY => {
                self.set_treasury(a.address()?)?;
                none()
            }
            TREASURY => word(self.treasury()),
            TOKEN_AI => word(self.token_ai()),
            PAUSE => {
                self.pause()?;
                none()
            }
            UNPAUSE => {
                self.unpause()?;
                none()
            }
            PAUSED => word(self.paused()),
            OWNER => word(self.owner()),
            PENDING_OWNER => word(self.pending_owner()),
            TRANSFER_OWNERSHIP => {
                self.transfer_ownership(a.address()?)?;
                none()
            }
            ACCEPT_OWNERSHIP => {
                self.accept_ownership()?;
                none()
            }
            RENOUNCE_OWNERSHIP => {
                self.renounce_ownership()?;
                none()
            }
            _ => return Ok(None),
        }))
    }

    /// Entry of every call but the constructor: no function is payable.
    pub fn dispatch(&mut self, selector: u32, input: &[u8]) -> Option<ArbResult> {
        if !self.vm().msg_value().is_zero() {
            return Some(Err(Vec::new()));
        }
        match self.call(selector, &mut Args::new(input)) {
            Ok(Some(output)) => Some(Ok(output)),
            Ok(None) => None,
            Err(failure) => Some(Err(failure.into())),
        }
    }

    /// Required by `#[entrypoint]`, which asserts through it that `#[public]`
    /// overrides are sound; this router has none.
    #[doc(hidden)]
    pub const fn __stylus_assert_overrides() {}
}

impl<S> Router<S> for AAT
where
    S: TopLevelStorage + BorrowMut<Self> + ValueDenier + ConstructorGuard,
{
    type Storage = Self;

    fn route(storage: &mut S, selector: u32, input: &[u8]) -> Option<ArbResult> {
        storage.borrow_mut().dispatch(selector, input)
    }

    fn receive(_storage: &mut S) -> Option<Result<(), Vec<u8>>> {
        None
    }

    fn fallback(_storage: &mut S, _input: &[u8]) -> Option<ArbResult> {
        None
    }

    /// Runs once, at deployment: `constructor(tokenAI, treasury, uri, initialOwner)`.
    fn constructor(storage: &mut S, input: &[u8]) -> Option<ArbResult> {
        if let Err(err) = storage.check_constructor_slot() {
            return Some(Err(err));
        }
        let aat: &mut AAT = storage.borrow_mut();
        let mut a = Args::new(input);
        let run = |aat: &mut AAT, a: &mut Args<'_>| -> Result<(), Failure> {
            if !aat.vm().msg_value().is_zero() {
                return Err(Failure::Malformed);
            }
            let (token_ai, treasury, uri, owner) =
                (a.address()?, a.address()?, a.bytes()?, a.address()?);
            Ok(aat.constructor(token_ai, treasury, uri, owner)?)
        };
        Some(run(aat, &mut a).map(|()| Vec::new()).map_err(Into::into))
    }
}

#[cfg(feature = "export-abi")]
impl stylus_sdk::abi::GenerateAbi for AAT {
    const NAME: &'static str = "AAT";

    fn fmt_abi(f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "interface IAAT {{")?;
        for (_, declaration) in FUNCTIONS {
            write!(f, "\n    {declaration};")?;
        }
        for signature in crate::error::ERROR_SIGNATURES {
            write!(f, "\n    error {};", signature.replace(',', ", "))?;
        }
        writeln!(f, "\n}}")
    }

    fn fmt_constructor_signature(f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{CONSTRUCTOR}")
    }
}

#[cfg(test)]
mod tests {
    use alloy_json_abi::Function;

    use super::*;

    /// The table ties each dispatched selector to the declaration the ABI
    /// export prints: they must name the same function.
    #[test]
    fn every_declaration_has_its_selector() {
        for (selector, declaration) in FUNCTIONS {
            let function = Function::parse(declaration).expect(declaration);
            assert_eq!(
                u32::from_be_bytes(function.selector().0),
                *selector,
                "{declaration}"
            );
        }
        let mut selectors: Vec<u32> = FUNCTIONS.iter().map(|(s, _)| *s).collect();
        selectors.sort_unstable();
        selectors.dedup();
        assert_eq!(
            selectors.len(),
            FUNCTIONS.len(),
            "two functions share a selector"
        );
    }
}
