//! Construction and administration: the constructor's checks, the fee, the
//! treasury, pause and two-step ownership, each with its access control and
//! events.

use abi_core::access::OwnPause;
use alloy_primitives::Address;
use motsu::prelude::*;

use super::*;
use crate::IAATExchange::{
    EnforcedPause, ExcessiveFee, ExpectedPause, FeeBpsSet, NotAContract,
    OwnableUnauthorizedAccount, OwnershipTransferStarted, OwnershipTransferred, Paused,
    TreasurySet, Unpaused, ZeroAddress,
};

/// AAT's address, the fee and the pause flag share slot 0: each write keeps
/// the other two.
#[motsu::test]
fn aat_the_fee_and_the_pause_share_a_word_and_keep_each_other(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let mut ex = m.exchange.sender(owner);
    ex.set_fee_bps(250).motsu_unwrap();
    ex.pause().motsu_unwrap();
    assert_eq!(
        (ex.aat(), ex.fee_bps()),
        (aat.address(), 250),
        "pausing keeps both"
    );
    ex.set_fee_bps(1_000).motsu_unwrap();
    assert!(ex.paused(), "setting the fee keeps the pause");
    assert_eq!(ex.aat(), aat.address(), "setting the fee keeps AAT");
    ex.unpause().motsu_unwrap();
    assert_eq!(
        (ex.aat(), ex.fee_bps()),
        (aat.address(), 1_000),
        "unpausing keeps both"
    );
    ex.set_fee_bps(0).motsu_unwrap();
    assert!(!ex.paused());
    assert_eq!(ex.aat(), aat.address());
}

#[motsu::test]
fn the_constructor_wires_aat_token_ai_treasury_and_owner(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let ex = m.exchange.sender(owner);
    assert_eq!(ex.aat(), aat.address());
    assert_eq!(ex.token_ai(), token.address());
    assert_eq!(ex.treasury(), treasury);
    assert_eq!(ex.access().owner(), owner);
    assert_eq!(ex.access().pending_owner(), Address::ZERO);
    assert!(!ex.paused());
    assert_eq!(AATExchange::max_fee_bps(), 1_000);
    drop(ex);
    exchange.assert_emitted(&TreasurySet { treasury });
    exchange.assert_emitted(&OwnershipTransferred {
        previousOwner: Address::ZERO,
        newOwner: owner,
    });
}

#[motsu::test]
fn the_fee_starts_at_zero(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
) {
    token
        .sender(owner)
        .constructor(b"TokenAI", b"TAI", owner)
        .motsu_unwrap();
    aat.sender(owner)
        .constructor(token.address(), treasury, b"u", owner)
        .motsu_unwrap();
    exchange
        .sender(owner)
        .constructor(aat.address(), token.address(), treasury, owner)
        .motsu_unwrap();
    assert_eq!(exchange.sender(owner).fee_bps(), 0);
}

#[motsu::test]
fn the_constructor_refuses_zero_addresses_and_accounts_without_code(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    nobody: Address,
) {
    let (a, t) = (aat.address(), token.address());
    let zero = Address::ZERO;
    for (aat_at, token_at, treasury_at, owner_at) in [
        (zero, t, treasury, owner),
        (a, zero, treasury, owner),
        (a, t, zero, owner),
        (a, t, treasury, zero),
    ] {
        assert_eq!(
            exchange
                .sender(owner)
                .constructor(aat_at, token_at, treasury_at, owner_at)
                .motsu_unwrap_err(),
            ZeroAddress {}.into()
        );
    }
    // TokenAI and AAT have code once constructed (motsu: once called).
    token
        .sender(owner)
        .constructor(b"TokenAI", b"TAI", owner)
        .motsu_unwrap();
    aat.sender(owner)
        .constructor(t, treasury, b"u", owner)
        .motsu_unwrap();
    for (aat_at, token_at) in [(nobody, t), (a, nobody)] {
        assert_eq!(
            exchange
                .sender(owner)
                .constructor(aat_at, token_at, treasury, owner)
                .motsu_unwrap_err(),
            NotAContract { account: nobody }.into()
        );
    }
    assert_eq!(exchange.sender(owner).access().owner(), Address::ZERO);
}

#[motsu::test]
fn the_owner_sets_the_fee_up_to_the_maximum(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    mallory: Address,
) {
    Market::deploy(&token, &aat, &exchange, owner, treasury);
    exchange.sender(owner).set_fee_bps(1_000).motsu_unwrap();
    exchange.assert_emitted(&FeeBpsSet { feeBps: 1_000 });
    assert_eq!(exchange.sender(owner).fee_bps(), 1_000);
    assert_eq!(
        exchange.sender(owner).set_fee_bps(1_001).motsu_unwrap_err(),
        ExcessiveFee {
            feeBps: 1_001,
            maxFeeBps: 1_000
        }
        .into()
    );
    assert_eq!(
        exchange.sender(mallory).set_fee_bps(1).motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: mallory }.into()
    );
    assert_eq!(exchange.sender(owner).fee_bps(), 1_000);
}

#[motsu::test]
fn the_owner_sets_the_treasury(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    vault: Address,
    mallory: Address,
) {
    Market::deploy(&token, &aat, &exchange, owner, treasury);
    exchange.sender(owner).set_treasury(vault).motsu_unwrap();
    exchange.assert_emitted(&TreasurySet { treasury: vault });
    assert_eq!(exchange.sender(owner).treasury(), vault);
    assert_eq!(
        exchange
            .sender(owner)
            .set_treasury(Address::ZERO)
            .motsu_unwrap_err(),
        ZeroAddress {}.into()
    );
    assert_eq!(
        exchange
            .sender(mallory)
            .set_treasury(mallory)
            .motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: mallory }.into()
    );
}

#[motsu::test]
fn the_owner_pauses_fills_and_unpauses(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    mallory: Address,
) {
    Market::deploy(&token, &aat, &exchange, owner, treasury);
    let unauthorized = || OwnableUnauthorizedAccount { account: mallory }.into();
    assert_eq!(
        exchange.sender(mallory).pause().motsu_unwrap_err(),
        unauthorized()
    );
    exchange.sender(owner).pause().motsu_unwrap();
    exchange.assert_emitted(&Paused { account: owner });
    assert!(exchange.sender(owner).paused());
    assert_eq!(
        exchange.sender(owner).pause().motsu_unwrap_err(),
        EnforcedPause {}.into()
    );
    assert_eq!(
        exchange.sender(mallory).unpause().motsu_unwrap_err(),
        unauthorized()
    );
    exchange.sender(owner).unpause().motsu_unwrap();
    exchange.assert_emitted(&Unpaused { account: owner });
    assert_eq!(
        exchange.sender(owner).unpause().motsu_unwrap_err(),
        ExpectedPause {}.into()
    );
}

#[motsu::test]
fn ownership_moves_in_two_steps(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    heir: Address,
    mallory: Address,
) {
    Market::deploy(&token, &aat, &exchange, owner, treasury);
    assert_eq!(
        exchange
            .sender(mallory)
            .access()
            .transfer_ownership(mallory)
            .motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: mallory }.into()
    );
    exchange
        .sender(owner)
        .access()
        .transfer_ownership(heir)
        .motsu_unwrap();
    exchange.assert_emitted(&OwnershipTransferStarted {
        previousOwner: owner,
        newOwner: heir,
    });
    assert_eq!(exchange.sender(owner).access().pending_owner(), heir);
    assert_eq!(
        exchange
            .sender(mallory)
            .access()
            .accept_ownership()
            .motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: mallory }.into()
    );
    exchange
        .sender(heir)
        .access()
        .accept_ownership()
        .motsu_unwrap();
    exchange.assert_emitted(&OwnershipTransferred {
        previousOwner: owner,
        newOwner: heir,
    });
    assert_eq!(
        exchange.sender(owner).set_fee_bps(1).motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: owner }.into()
    );
    exchange.sender(heir).set_fee_bps(1).motsu_unwrap();
    exchange
        .sender(heir)
        .access()
        .renounce_ownership()
        .motsu_unwrap();
    assert_eq!(exchange.sender(heir).access().owner(), Address::ZERO);
    assert_eq!(
        exchange.sender(heir).set_fee_bps(2).motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: heir }.into()
    );
}

#[test]
fn every_mapping_of_the_exchange_has_a_tag_of_its_own() {
    abi_core::testing::assert_distinct_tags(&[
        b"AATExchange.orders",
        b"AATExchange.minNonce",
        b"Access.minters",
    ]);
}
