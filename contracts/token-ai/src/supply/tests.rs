//! The supply slot: the pause flag and the supply share it without either
//! disturbing the other, and the router reaches the flag the moves check.

use abi_core::access::OwnPause;
use abi_core::testing::call_router;
use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use motsu::prelude::*;

use crate::tests::{deploy_funded, MAX_SUPPLY, ONE};
use crate::ITokenAI::{pauseCall, pausedCall, totalSupplyCall, unpauseCall, EnforcedPause};
use crate::{Error, TokenAI};

#[motsu::test]
fn pausing_by_calldata_stops_every_move_and_keeps_the_supply(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE * U256::from(100));
    let send =
        |calldata: Vec<u8>| call_router(&mut *token.sender(owner), &calldata).expect("routed");
    send(pauseCall {}.abi_encode()).expect("the owner pauses");
    let paused = send(pausedCall {}.abi_encode()).expect("a view");
    assert!(pausedCall::abi_decode_returns(&paused, true).unwrap()._0);
    let supply = send(totalSupplyCall {}.abi_encode()).expect("a view");
    assert_eq!(
        totalSupplyCall::abi_decode_returns(&supply, true)
            .unwrap()
            ._0,
        ONE * U256::from(100),
        "the flag is not supply"
    );
    let paused_err: Error = EnforcedPause {}.into();
    assert_eq!(
        token.sender(alice).transfer(bob, ONE).motsu_unwrap_err(),
        paused_err
    );
    assert_eq!(
        token.sender(owner).mint(bob, ONE).motsu_unwrap_err(),
        paused_err
    );
    assert_eq!(token.sender(alice).burn(ONE).motsu_unwrap_err(), paused_err);
    assert_eq!(token.sender(alice).balance_of(alice), ONE * U256::from(100));

    send(unpauseCall {}.abi_encode()).expect("the owner unpauses");
    assert!(!token.sender(owner).paused());
    token.sender(alice).transfer(bob, ONE).motsu_unwrap();
    token.sender(owner).mint(bob, ONE).motsu_unwrap();
    token.sender(alice).burn(ONE).motsu_unwrap();
    assert_eq!(token.sender(owner).total_supply(), ONE * U256::from(100));
}

#[motsu::test]
fn supplies_stop_below_the_pause_flag(token: Contract<TokenAI>, owner: Address, alice: Address) {
    deploy_funded(&token, owner, alice, MAX_SUPPLY - U256::from(1));
    assert_eq!(
        token
            .sender(owner)
            .mint(alice, U256::from(2))
            .motsu_unwrap_err(),
        Error::overflow()
    );
    token
        .sender(owner)
        .mint(alice, U256::from(1))
        .motsu_unwrap();
    assert_eq!(token.sender(owner).total_supply(), MAX_SUPPLY);
    assert_eq!(
        token
            .sender(owner)
            .mint(alice, U256::from(1))
            .motsu_unwrap_err(),
        Error::overflow()
    );
    assert!(
        !token.sender(owner).paused(),
        "a full supply is not a pause"
    );
    token.sender(owner).pause().motsu_unwrap();
    assert_eq!(token.sender(owner).total_supply(), MAX_SUPPLY);
    token.sender(owner).unpause().motsu_unwrap();
    token.sender(alice).burn(MAX_SUPPLY).motsu_unwrap();
    assert_eq!(token.sender(owner).total_supply(), U256::ZERO);
    assert!(!token.sender(owner).paused());
}

#[test]
fn every_mapping_of_token_ai_has_a_tag_of_its_own() {
    abi_core::testing::assert_distinct_tags(&[
        b"TokenAI.balances",
        b"TokenAI.allowances",
        b"TokenAI.nonces",
        b"TokenAI.authorizations",
        b"TokenAI.name",
        b"TokenAI.symbol",
        b"Access.minters",
    ]);
}
