//! TokenAI's selectors and its routing (`abi_core::router`): each selector
//! is the spec's (`ITokenAI.sol`, through `sol!`); ownership, pause and
//! minters route through `abi_core::access`.

use alloc::vec::Vec;

use abi_core::{
    access::{self, OwnPause},
    codec::{encode_bytes, Args},
    router::{data, done, word, Contract, Routed},
    signature,
};

use crate::{authorization::Authorization, ITokenAI, TokenAI};

abi_core::selectors! {
    NAME = ITokenAI::nameCall;
    SYMBOL = ITokenAI::symbolCall;
    DECIMALS = ITokenAI::decimalsCall;
    TOTAL_SUPPLY = ITokenAI::totalSupplyCall;
    BALANCE_OF = ITokenAI::balanceOfCall;
    TRANSFER = ITokenAI::transferCall;
    ALLOWANCE = ITokenAI::allowanceCall;
    APPROVE = ITokenAI::approveCall;
    TRANSFER_FROM = ITokenAI::transferFromCall;
    PERMIT = ITokenAI::permitCall;
    NONCES = ITokenAI::noncesCall;
    DOMAIN_SEPARATOR = ITokenAI::DOMAIN_SEPARATORCall;
    EIP712_DOMAIN = ITokenAI::eip712DomainCall;
    TRANSFER_WITH_AUTHORIZATION_VRS = ITokenAI::transferWithAuthorization_0Call;
    TRANSFER_WITH_AUTHORIZATION = ITokenAI::transferWithAuthorization_1Call;
    RECEIVE_WITH_AUTHORIZATION_VRS = ITokenAI::receiveWithAuthorization_0Call;
    RECEIVE_WITH_AUTHORIZATION = ITokenAI::receiveWithAuthorization_1Call;
    CANCEL_AUTHORIZATION_VRS = ITokenAI::cancelAuthorization_0Call;
    CANCEL_AUTHORIZATION = ITokenAI::cancelAuthorization_1Call;
    AUTHORIZATION_STATE = ITokenAI::authorizationStateCall;
    MINT = ITokenAI::mintCall;
    BURN = ITokenAI::burnCall;
    BURN_FROM = ITokenAI::burnFromCall;
}

/// The constructor, which the spec file states in a comment (an interface
/// declares none), for the ABI export.
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
        match selector {
            NAME => data(encode_bytes(&self.name())),
            SYMBOL => data(encode_bytes(&self.symbol())),
            DECIMALS => word(self.decimals()),
            TOTAL_SUPPLY => word(self.total_supply()),
            BALANCE_OF => word(self.balance_of(a.address()?)),
            TRANSFER => word(self.transfer(a.address()?, a.u256()?)?),
            ALLOWANCE => word(self.allowance(a.address()?, a.address()?)),
            APPROVE => word(self.approve_word(a.address()?, &a.b256()?)?),
            TRANSFER_FROM => word(self.transfer_from(a.address()?, a.address()?, a.u256()?)?),
            PERMIT => {
                let (owner, spender, value, deadline) =
                    (a.address()?, a.address()?, a.u256()?, a.u256()?);
                let (v, r, s) = (a.u8()?, a.b256()?, a.b256()?);
                done(self.permit(owner, spender, value, deadline, v, r, s))
            }
            NONCES => word(self.nonces(a.address()?)),
            DOMAIN_SEPARATOR => word(self.domain_separator()),
            EIP712_DOMAIN => data(self.eip712_domain()),
            TRANSFER_WITH_AUTHORIZATION_VRS | TRANSFER_WITH_AUTHORIZATION => {
                let authorization = authorization(a)?;
                let signature = signature_arg(a, selector == TRANSFER_WITH_AUTHORIZATION_VRS)?;
                done(self.transfer_with_authorization(authorization, &signature))
            }
            RECEIVE_WITH_AUTHORIZATION_VRS | RECEIVE_WITH_AUTHORIZATION => {
                let authorization = authorization(a)?;
                let signature = signature_arg(a, selector == RECEIVE_WITH_AUTHORIZATION_VRS)?;
                done(self.receive_with_authorization(authorization, &signature))
            }
            CANCEL_AUTHORIZATION_VRS | CANCEL_AUTHORIZATION => {
                let (authorizer, nonce) = (a.address()?, a.b256()?);
                let signature = signature_arg(a, selector == CANCEL_AUTHORIZATION_VRS)?;
                done(self.cancel_authorization(authorizer, nonce, &signature))
            }
            AUTHORIZATION_STATE => word(self.authorization_state(a.address()?, a.b256()?)),
            MINT => done(self.mint(a.address()?, a.u256()?)),
            BURN => done(self.burn(a.u256()?)),
            BURN_FROM => done(self.burn_from(a.address()?, a.u256()?)),
            // The pause flag is TokenAI's own (in the supply's slot).
            access::PAUSE => done(self.pause()),
            access::UNPAUSE => done(self.unpause()),
            access::PAUSED => word(self.paused()),
            _ => self.access().route(selector, a),
        }
    }

    fn construct(&mut self, a: &mut Args<'_>) -> Result<(), abi_core::router::Failure> {
        let (name, symbol, owner) = (a.bytes()?, a.bytes()?, a.address()?);
        Ok(self.constructor(name, symbol, owner)?)
    }
}

abi_core::entrypoint!(TokenAI);
