//! Balance records: the balance and the copy of the id's terms kept apart,
//! and the contract keeping every record's copy right (or empty) and every
//! balance below it.

use alloy_primitives::{uint, Address, U256};
use motsu::prelude::*;
use token_ai::TokenAI;

use super::{balance_in, expiration_in, fits, is_tradable_in, record};
use crate::tests::{deploy, issue, set_expiration, u, Kind, NOW};
use crate::{Error, Terms, AAT};

/// The largest balance a record holds: 2^184 - 1.
const MAX_BALANCE: U256 =
    uint!(0x0000000000000000_00ffffffffffffff_ffffffffffffffff_ffffffffffffffff_U256);

fn terms(expiration: u64, tradable: bool) -> Terms {
    Terms {
        expiration,
        origin_pool: Address::repeat_byte(7),
        reclaimable: true,
        tradable,
    }
}

#[test]
fn a_record_keeps_its_balance_and_the_terms_apart() {
    for expiration in [0, 1, 255, 256, NOW, u64::MAX >> 8, u64::MAX] {
        for tradable in [false, true] {
            let tag = terms(expiration, tradable).tag();
            for balance in [
                u(1),
                u(255),
                uint!(1_000_000_000_000_000_000_000_U256),
                MAX_BALANCE,
            ] {
                let held = record(balance, tag);
                assert_eq!(balance_in(held), balance);
                assert_eq!(expiration_in(held), expiration);
                assert_eq!(is_tradable_in(held), tradable);
                assert_eq!(record(balance, held), held, "a record tags as its tag does");
            }
            assert_eq!(
                record(U256::ZERO, tag),
                U256::ZERO,
                "nothing held: an empty slot"
            );
        }
    }
    assert!(!is_tradable_in(U256::ZERO), "an empty record says nothing");
}

#[test]
fn only_balances_below_the_tag_fit() {
    assert!(fits(&U256::ZERO));
    assert!(fits(&MAX_BALANCE));
    assert!(!fits(&(MAX_BALANCE + u(1))));
    assert!(!fits(&U256::MAX));
    assert_eq!(balance_in(U256::MAX), MAX_BALANCE);
}

/// `holder`'s raw record of `id`.
fn record_of(aat: &Contract<AAT>, id: U256, holder: Address) -> U256 {
    aat.sender(holder).balance_record(&id, &holder)
}

#[motsu::test]
fn every_holders_record_carries_its_ids_terms_and_empties_with_its_balance(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    uni: Address,
    alice: Address,
    bob: Address,
) {
    deploy(&token, &aat, owner, treasury);
    let free = Kind::tradable(owner);
    let id = issue(&aat, owner, alice, free, 10);
    let tag = terms(free.expiration, true).tag();
    assert_eq!(record_of(&aat, id, alice), record(u(10), tag), "minted");
    aat.sender(alice)
        .safe_transfer_from(alice, bob, id, u(4), &[])
        .motsu_unwrap();
    assert_eq!(record_of(&aat, id, bob), record(u(4), tag), "a new holder");
    aat.sender(alice)
        .safe_transfer_from(alice, bob, id, u(6), &[])
        .motsu_unwrap();
    assert_eq!(record_of(&aat, id, alice), U256::ZERO, "emptied");
    assert_eq!(record_of(&aat, id, bob), record(u(10), tag));

    let course = Kind::course(uni);
    let bound = issue(&aat, owner, uni, course, 10);
    aat.sender(uni)
        .safe_transfer_from(uni, alice, bound, u(3), &[])
        .motsu_unwrap();
    let bound_tag = terms(course.expiration, false).tag();
    assert_eq!(record_of(&aat, bound, uni), record(u(7), bound_tag));
    assert_eq!(record_of(&aat, bound, alice), record(u(3), bound_tag));
}

#[motsu::test]
fn a_tradable_ids_move_reads_its_senders_record_and_a_bound_ids_its_policy(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    uni: Address,
    alice: Address,
    bob: Address,
) {
    deploy(&token, &aat, owner, treasury);
    let id = issue(&aat, owner, alice, Kind::tradable(owner), 10);
    // The policy alone says expired; alice's record still says never: the
    // move follows the record (ids are immutable, so the two never differ
    // but here).
    set_expiration(&aat, id, NOW, &[]);
    aat.sender(alice)
        .safe_transfer_from(alice, bob, id, u(1), &[])
        .motsu_unwrap();
    set_expiration(&aat, id, NOW, &[alice]);
    assert_eq!(
        aat.sender(alice)
            .safe_transfer_from(alice, bob, id, u(1), &[])
            .motsu_unwrap_err(),
        crate::IAAT::TokenExpired {
            id,
            expiration: NOW
        }
        .into()
    );

    // A non-tradable id's rule needs its pool: its policy decides.
    let bound = issue(&aat, owner, uni, Kind::course(uni), 10);
    aat.sender(uni)
        .safe_transfer_from(uni, alice, bound, u(3), &[])
        .motsu_unwrap();
    set_expiration(&aat, bound, NOW, &[]);
    assert_eq!(
        aat.sender(alice)
            .safe_transfer_from(alice, uni, bound, u(1), &[])
            .motsu_unwrap_err(),
        crate::IAAT::TokenExpired {
            id: bound,
            expiration: NOW
        }
        .into()
    );
}

#[motsu::test]
fn moving_nothing_from_an_empty_account_leaves_the_recipients_record(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    alice: Address,
    bob: Address,
) {
    deploy(&token, &aat, owner, treasury);
    let id = issue(&aat, owner, alice, Kind::tradable(owner), 10);
    let before = record_of(&aat, id, alice);
    aat.sender(bob)
        .safe_transfer_from(bob, alice, id, U256::ZERO, &[])
        .motsu_unwrap();
    assert_eq!(record_of(&aat, id, alice), before);
    assert_eq!(record_of(&aat, id, bob), U256::ZERO);
}

#[motsu::test]
fn supplies_stop_below_the_tag_so_no_balance_reaches_it(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    alice: Address,
    bob: Address,
) {
    deploy(&token, &aat, owner, treasury);
    let kind = Kind::tradable(owner);
    let mint = |to: Address, amount: U256| {
        aat.sender(owner).mint(
            to,
            kind.pool,
            kind.model,
            kind.scope,
            kind.expiration,
            kind.reclaimable,
            kind.tradable,
            amount,
        )
    };
    assert_eq!(
        mint(alice, MAX_BALANCE + u(1)).motsu_unwrap_err(),
        Error::overflow()
    );
    assert!(!aat.sender(alice).exists(kind.id()), "nothing changed");
    let id = mint(alice, MAX_BALANCE - u(1)).motsu_unwrap();
    assert_eq!(mint(bob, u(2)).motsu_unwrap_err(), Error::overflow());
    mint(bob, u(1)).motsu_unwrap();
    assert_eq!(aat.sender(alice).total_supply(id), MAX_BALANCE);
    aat.sender(bob)
        .safe_transfer_from(bob, alice, id, u(1), &[])
        .motsu_unwrap();
    assert_eq!(aat.sender(alice).balance_of(alice, id), MAX_BALANCE);
    assert!(is_tradable_in(record_of(&aat, id, alice)), "the tag intact");
    assert_eq!(mint(bob, u(1)).motsu_unwrap_err(), Error::overflow());
    aat.sender(alice)
        .safe_transfer_from(alice, bob, id, MAX_BALANCE, &[])
        .motsu_unwrap();
    assert_eq!(aat.sender(bob).balance_of(bob, id), MAX_BALANCE);
    assert_eq!(record_of(&aat, id, alice), U256::ZERO);
    assert_eq!(
        record_of(&aat, id, bob),
        record(MAX_BALANCE, terms(0, true).tag())
    );
}

#[test]
fn every_mapping_of_aat_has_a_tag_of_its_own() {
    abi_core::testing::assert_distinct_tags(&[
        b"AAT.balances",
        b"AAT.supply",
        b"AAT.approvals",
        b"AAT.types",
        b"AAT.prices",
        b"AAT.pay",
        b"AAT.uri",
        b"Access.minters",
    ]);
}
