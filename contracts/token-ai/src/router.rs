//! TokenAI's selector table and its routing (`abi_core::router`): the table
//! is both what the program dispatches on and what the ABI export prints;
//! ownership, pause and minters route through `abi_core::access`.

use alloc::vec::Vec;

use abi_core::{
    codec::{encode_bytes, Args},
    router::{done, word, Contract, Routed},
    signature,
};
use alloy_primitives::{Address, B256, U256};
use stylus_sdk::abi::Bytes;

use crate::{authorization::Authorization, TokenAI};

abi_core::functions! {
    NAME = "name"()
        => "function name() external view returns (string memory)";
    SYMBOL = "symbol"()
        => "function symbol() external view returns (string memory)";
    DECIMALS = "decimals"()
        => "function decimals() external view returns (uint8)";
    TOTAL_SUPPLY = "totalSupply"()
        => "function totalSupply() external view returns (uint256)";
    BALANCE_OF = "balanceOf"(Address)
        => "function balanceOf(address account) external view returns (uint256)";
    TRANSFER = "transfer"(Address, U256)
        => "function transfer(address to, uint256 value) external returns (bool)";
    ALLOWANCE = "allowance"(Address, Address)
        => "function allowance(address owner, address spender) external view returns (uint256)";
    APPROVE = "approve"(Address, U256)
        => "function approve(address spender, uint256 value) external returns (bool)";
    TRANSFER_FROM = "transferFrom"(Address, Address, U256)
        => "function transferFrom(address from, address to, uint256 value) external returns (bool)";
    PERMIT = "permit"(Address, Address, U256, U256, u8, B256, B256)
        => "function permit(address owner, address spender, uint256 value, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external";
    NONCES = "nonces"(Address)
        => "function nonces(address owner) external view returns (uint256)";
    DOMAIN_SEPARATOR = "DOMAIN_SEPARATOR"()
        => "function DOMAIN_SEPARATOR() external view returns (bytes32)";
    EIP712_DOMAIN = "eip712Domain"()
        => "function eip712Domain() external view returns (bytes1 fields, string memory name, string memory version, uint256 chainId, address verifyingContract, bytes32 salt, uint256[] memory extensions)";
    TRANSFER_WITH_AUTHORIZATION_VRS = "transferWithAuthorization"(Address, Address, U256, U256, U256, B256, u8, B256, B256)
        => "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external";
    TRANSFER_WITH_AUTHORIZATION = "transferWithAuthorization"(Address, Address, U256, U256, U256, B256, Bytes)
        => "function transferWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes calldata signature) external";
    RECEIVE_WITH_AUTHORIZATION_VRS = "receiveWithAuthorization"(Address, Address, U256, U256, U256, B256, u8, B256, B256)
        => "function receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external";
    RECEIVE_WITH_AUTHORIZATION = "receiveWithAuthorization"(Address, Address, U256, U256, U256, B256, Bytes)
        => "function receiveWithAuthorization(address from, address to, uint256 value, uint256 validAfter, uint256 validBefore, bytes32 nonce, bytes calldata signature) external";
    CANCEL_AUTHORIZATION_VRS = "cancelAuthorization"(Address, B256, u8, B256, B256)
        => "function cancelAuthorization(address authorizer, bytes32 nonce, uint8 v, bytes32 r, bytes32 s) external";
    CANCEL_AUTHORIZATION = "cancelAuthorization"(Address, B256, Bytes)
        => "function cancelAuthorization(address authorizer, bytes32 nonce, bytes calldata signature) external";
    AUTHORIZATION_STATE = "authorizationState"(Address, B256)
        => "function authorizationState(address authorizer, bytes32 nonce) external view returns (bool)";
    MINT = "mint"(Address, U256)
        => "function mint(address to, uint256 value) external";
    BURN = "burn"(U256)
        => "function burn(uint256 value) external";
    BURN_FROM = "burnFrom"(Address, U256)
        => "function burnFrom(address account, uint256 value) external";
}

/// The constructor, as the ABI export prints it.
pub const CONSTRUCTOR: &str =
    "constructor(string memory name, string memory symbol, address initialOwner)";

/// A signature in either calling form: `(v, r, s)` words, or `bytes`
/// (`r ‖ s ‖ v`, or whatever an ERC-1271 account accepts).
fn signature_arg(a: &mut Args<'_>, split: bool) -> Result<Vec<u8>, abi_core::codec::Malformed> {
    if split {
        Ok(signature::join(a.u8()?, a.b256()?, a.b256()?))
    } else {
        Ok(a.bytes()?.to_vec())
    }
}

fn authorization(a: &mut Args<'_>) -> Result<Authorization, abi_core::codec::Malformed> {
    Ok(Authorization {
        from: a.address()?,
        to: a.address()?,
        value: a.u256()?,
        valid_after: a.u256()?,
        valid_before: a.u256()?,
        nonce: a.b256()?,
    })
}

impl Contract for TokenAI {
    fn call(&mut self, selector: u32, a: &mut Args<'_>) -> Routed {
        Ok(Some(match selector {
            NAME => encode_bytes(&self.name()),
            SYMBOL => encode_bytes(&self.symbol()),
            DECIMALS => word(self.decimals()),
            TOTAL_SUPPLY => word(self.total_supply()),
            BALANCE_OF => word(self.balance_of(a.address()?)),
            TRANSFER => word(self.transfer(a.address()?, a.u256()?)?),
            ALLOWANCE => word(self.allowance(a.address()?, a.address()?)),
            APPROVE => word(self.approve(a.address()?, a.u256()?)?),
            TRANSFER_FROM => word(self.transfer_from(a.address()?, a.address()?, a.u256()?)?),
            PERMIT => {
                let (owner, spender, value, deadline) =
                    (a.address()?, a.address()?, a.u256()?, a.u256()?);
                let (v, r, s) = (a.u8()?, a.b256()?, a.b256()?);
                done(self.permit(owner, spender, value, deadline, v, r, s))?
            }
            NONCES => word(self.nonces(a.address()?)),
            DOMAIN_SEPARATOR => word(self.domain_separator()),
            EIP712_DOMAIN => self.eip712_domain(),
            TRANSFER_WITH_AUTHORIZATION_VRS | TRANSFER_WITH_AUTHORIZATION => {
                let authorization = authorization(a)?;
                let signature = signature_arg(a, selector == TRANSFER_WITH_AUTHORIZATION_VRS)?;
                done(self.transfer_with_authorization(authorization, &signature))?
            }
            RECEIVE_WITH_AUTHORIZATION_VRS | RECEIVE_WITH_AUTHORIZATION => {
                let authorization = authorization(a)?;
                let signature = signature_arg(a, selector == RECEIVE_WITH_AUTHORIZATION_VRS)?;
                done(self.receive_with_authorization(authorization, &signature))?
            }
            CANCEL_AUTHORIZATION_VRS | CANCEL_AUTHORIZATION => {
                let (authorizer, nonce) = (a.address()?, a.b256()?);
                let signature = signature_arg(a, selector == CANCEL_AUTHORIZATION_VRS)?;
                done(self.cancel_authorization(authorizer, nonce, &signature))?
            }
            AUTHORIZATION_STATE => word(self.authorization_state(a.address()?, a.b256()?)),
            MINT => done(self.mint(a.address()?, a.u256()?))?,
            BURN => done(self.burn(a.u256()?))?,
            BURN_FROM => done(self.burn_from(a.address()?, a.u256()?))?,
            _ => return self.access.route(selector, a),
        }))
    }

    fn construct(&mut self, a: &mut Args<'_>) -> Result<(), abi_core::router::Failure> {
        let (name, symbol, owner) = (a.bytes()?, a.bytes()?, a.address()?);
        Ok(self.constructor(name, symbol, owner)?)
    }
}

abi_core::entrypoint!(TokenAI);

#[cfg(feature = "export-abi")]
abi_core::generate_abi!(
    TokenAI,
    "TokenAI",
    structs: &[],
    functions: &[FUNCTIONS, abi_core::access::FUNCTIONS],
    errors: crate::error::ERROR_SIGNATURES,
    constructor: CONSTRUCTOR,
);
