//! motsu tests of every TokenAI function: success paths, every revert with
//! its exact arguments, every event, access control, and the supply
//! invariant over random operation sequences.
#![allow(clippy::cast_possible_truncation)] // random draws, reduced modulo small bounds

use abi_core::access::OwnPause;
use abi_core::testing::{
    access_calls, assert_each_routed, call_router, Answer, Permit, Rng, TransferWithAuthorization,
};
use alloy_primitives::{uint, Address, FixedBytes, B256, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, SolCall, SolError, SolStruct};
use motsu::prelude::*;

use super::*;
use crate::ITokenAI::{
    EnforcedPause, MinterSet, OwnableInvalidOwner, OwnableUnauthorizedAccount,
    OwnershipTransferred, Paused, UnauthorizedMinter, Unpaused,
};

/// motsu's fixed `block.timestamp` (2025-01-01T00:00:00Z).
const NOW: u64 = 1_735_689_600;
pub(crate) const ONE: U256 = uint!(1_000_000_000_000_000_000_U256);
/// The largest supply: 2^248 - 1, below the pause flag's byte (`supply`).
pub(crate) const MAX_SUPPLY: U256 =
    uint!(0x00ffffffffffffff_ffffffffffffffff_ffffffffffffffff_ffffffffffffffff_U256);

pub(crate) fn deploy(token: &Contract<TokenAI>, owner: Address) {
    token
        .sender(owner)
        .constructor(b"TokenAI", b"TAI", owner)
        .motsu_unwrap();
}

/// Deploys with `owner` as a minter and gives `holder` `amount`.
pub(crate) fn deploy_funded(
    token: &Contract<TokenAI>,
    owner: Address,
    holder: Address,
    amount: U256,
) {
    deploy(token, owner);
    token
        .sender(owner)
        .access()
        .set_minter(owner, true)
        .motsu_unwrap();
    token.sender(owner).mint(holder, amount).motsu_unwrap();
}

// ---- construction and metadata -------------------------------------------

#[motsu::test]
fn constructor_sets_metadata_owner_and_zero_supply(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    assert_eq!(token.sender(owner).name(), b"TokenAI");
    assert_eq!(token.sender(owner).symbol(), b"TAI");
    assert_eq!(token.sender(owner).decimals(), 18);
    assert_eq!(token.sender(owner).total_supply(), U256::ZERO);
    assert_eq!(token.sender(owner).access().owner(), owner);
    assert_eq!(token.sender(owner).access().pending_owner(), Address::ZERO);
    assert!(!token.sender(owner).paused());
    assert!(
        !token.sender(owner).access().is_minter(owner),
        "the owner is not implicitly a minter"
    );
    token.assert_emitted(&OwnershipTransferred {
        previousOwner: Address::ZERO,
        newOwner: owner,
    });
}

#[motsu::test]
fn constructor_rejects_zero_owner(token: Contract<TokenAI>, alice: Address) {
    let err = token
        .sender(alice)
        .constructor(b"TokenAI", b"TAI", Address::ZERO)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        OwnableInvalidOwner {
            owner: Address::ZERO
        }
        .into()
    );
}

// ---- minting and minters ---------------------------------------------------

#[motsu::test]
fn owner_is_not_a_minter_until_it_sets_itself(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    let err = token.sender(owner).mint(owner, ONE).motsu_unwrap_err();
    assert_eq!(err, UnauthorizedMinter { account: owner }.into());
    assert_eq!(token.sender(owner).total_supply(), U256::ZERO);
}

#[motsu::test]
fn minter_mints_and_emits_transfer(
    token: Contract<TokenAI>,
    owner: Address,
    minter: Address,
    alice: Address,
) {
    deploy(&token, owner);
    token
        .sender(owner)
        .access()
        .set_minter(minter, true)
        .motsu_unwrap();
    token.assert_emitted(&MinterSet {
        minter,
        enabled: true,
    });
    assert!(token.sender(alice).access().is_minter(minter));

    token.sender(minter).mint(alice, ONE).motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(alice), ONE);
    assert_eq!(token.sender(alice).total_supply(), ONE);
    token.assert_emitted(&Transfer {
        from: Address::ZERO,
        to: alice,
        value: ONE,
    });
}

#[motsu::test]
fn disabled_minter_cannot_mint(token: Contract<TokenAI>, owner: Address, minter: Address) {
    deploy(&token, owner);
    token
        .sender(owner)
        .access()
        .set_minter(minter, true)
        .motsu_unwrap();
    token
        .sender(owner)
        .access()
        .set_minter(minter, false)
        .motsu_unwrap();
    token.assert_emitted(&MinterSet {
        minter,
        enabled: false,
    });
    assert!(!token.sender(owner).access().is_minter(minter));
    let err = token.sender(minter).mint(minter, ONE).motsu_unwrap_err();
    assert_eq!(err, UnauthorizedMinter { account: minter }.into());
}

#[motsu::test]
fn only_owner_sets_minters(token: Contract<TokenAI>, owner: Address, mallory: Address) {
    deploy(&token, owner);
    let err = token
        .sender(mallory)
        .access()
        .set_minter(mallory, true)
        .motsu_unwrap_err();
    assert_eq!(err, OwnableUnauthorizedAccount { account: mallory }.into());
    assert!(!token.sender(owner).access().is_minter(mallory));
}

#[motsu::test]
fn mint_to_zero_reverts(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    token
        .sender(owner)
        .access()
        .set_minter(owner, true)
        .motsu_unwrap();
    let err = token
        .sender(owner)
        .mint(Address::ZERO, ONE)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InvalidReceiver {
            receiver: Address::ZERO
        }
        .into()
    );
}

#[motsu::test]
fn mint_past_max_supply_panics_with_overflow_code(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
) {
    deploy_funded(&token, owner, alice, MAX_SUPPLY);
    let err = token
        .sender(owner)
        .mint(owner, U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(err, Error::overflow());
    assert_eq!(token.sender(owner).total_supply(), MAX_SUPPLY);
    assert_eq!(token.sender(owner).balance_of(owner), U256::ZERO);
}

// ---- transfers -----------------------------------------------------------

#[motsu::test]
fn transfer_moves_balance_and_emits(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    assert!(token
        .sender(alice)
        .transfer(bob, uint!(400_U256))
        .motsu_unwrap());
    assert_eq!(token.sender(alice).balance_of(alice), ONE - uint!(400_U256));
    assert_eq!(token.sender(alice).balance_of(bob), uint!(400_U256));
    assert_eq!(token.sender(alice).total_supply(), ONE);
    token.assert_emitted(&Transfer {
        from: alice,
        to: bob,
        value: uint!(400_U256),
    });
}

#[motsu::test]
fn transfer_over_balance_reverts(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    let err = token
        .sender(alice)
        .transfer(bob, ONE + U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InsufficientBalance {
            sender: alice,
            balance: ONE,
            needed: ONE + U256::from(1)
        }
        .into()
    );
    assert_eq!(token.sender(alice).balance_of(alice), ONE);
    assert_eq!(token.sender(alice).balance_of(bob), U256::ZERO);
}

#[motsu::test]
fn transfer_to_zero_reverts(token: Contract<TokenAI>, owner: Address, alice: Address) {
    deploy_funded(&token, owner, alice, ONE);
    let err = token
        .sender(alice)
        .transfer(Address::ZERO, ONE)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InvalidReceiver {
            receiver: Address::ZERO
        }
        .into()
    );
}

#[motsu::test]
fn transfer_from_zero_sender_reverts(token: Contract<TokenAI>, owner: Address, alice: Address) {
    deploy(&token, owner);
    // A zero-value spend of the zero address's (empty) allowance passes, so
    // the sender check is what stops it.
    let err = token
        .sender(alice)
        .transfer_from(Address::ZERO, alice, U256::ZERO)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InvalidSender {
            sender: Address::ZERO
        }
        .into()
    );
}

// ---- allowances ------------------------------------------------------------

#[motsu::test]
fn approve_sets_allowance_and_emits(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy(&token, owner);
    assert!(token.sender(alice).approve(bob, ONE).motsu_unwrap());
    assert_eq!(token.sender(alice).allowance(alice, bob), ONE);
    token.assert_emitted(&Approval {
        owner: alice,
        spender: bob,
        value: ONE,
    });
}

#[motsu::test]
fn approve_zero_spender_reverts(token: Contract<TokenAI>, owner: Address, alice: Address) {
    deploy(&token, owner);
    let err = token
        .sender(alice)
        .approve(Address::ZERO, ONE)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InvalidSpender {
            spender: Address::ZERO
        }
        .into()
    );
}

#[motsu::test]
fn transfer_from_spends_allowance(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
    carol: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    token
        .sender(alice)
        .approve(bob, uint!(500_U256))
        .motsu_unwrap();
    assert!(token
        .sender(bob)
        .transfer_from(alice, carol, uint!(200_U256))
        .motsu_unwrap());
    assert_eq!(token.sender(bob).allowance(alice, bob), uint!(300_U256));
    assert_eq!(token.sender(bob).balance_of(carol), uint!(200_U256));
    token.assert_emitted(&Transfer {
        from: alice,
        to: carol,
        value: uint!(200_U256),
    });
}

#[motsu::test]
fn unlimited_allowance_is_not_spent(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    token.sender(alice).approve(bob, U256::MAX).motsu_unwrap();
    token
        .sender(bob)
        .transfer_from(alice, bob, ONE)
        .motsu_unwrap();
    assert_eq!(token.sender(bob).allowance(alice, bob), U256::MAX);
}

#[motsu::test]
fn transfer_from_over_allowance_reverts(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    token
        .sender(alice)
        .approve(bob, uint!(5_U256))
        .motsu_unwrap();
    let err = token
        .sender(bob)
        .transfer_from(alice, bob, uint!(6_U256))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InsufficientAllowance {
            spender: bob,
            allowance: uint!(5_U256),
            needed: uint!(6_U256)
        }
        .into()
    );
    assert_eq!(token.sender(bob).allowance(alice, bob), uint!(5_U256));
    assert_eq!(token.sender(bob).balance_of(alice), ONE);
}

// ---- burning ------------------------------------------------------------------

#[motsu::test]
fn burn_reduces_balance_and_supply(token: Contract<TokenAI>, owner: Address, alice: Address) {
    deploy_funded(&token, owner, alice, ONE);
    token.sender(alice).burn(uint!(100_U256)).motsu_unwrap();
    assert_eq!(token.sender(alice).balance_of(alice), ONE - uint!(100_U256));
    assert_eq!(token.sender(alice).total_supply(), ONE - uint!(100_U256));
    token.assert_emitted(&Transfer {
        from: alice,
        to: Address::ZERO,
        value: uint!(100_U256),
    });
}

#[motsu::test]
fn burn_over_balance_reverts(token: Contract<TokenAI>, owner: Address, alice: Address) {
    deploy_funded(&token, owner, alice, ONE);
    let err = token
        .sender(alice)
        .burn(ONE + U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InsufficientBalance {
            sender: alice,
            balance: ONE,
            needed: ONE + U256::from(1)
        }
        .into()
    );
}

#[motsu::test]
fn burn_from_spends_allowance(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    token.sender(alice).approve(bob, ONE).motsu_unwrap();
    token
        .sender(bob)
        .burn_from(alice, uint!(10_U256))
        .motsu_unwrap();
    assert_eq!(
        token.sender(bob).allowance(alice, bob),
        ONE - uint!(10_U256)
    );
    assert_eq!(token.sender(bob).total_supply(), ONE - uint!(10_U256));
    token.assert_emitted(&Transfer {
        from: alice,
        to: Address::ZERO,
        value: uint!(10_U256),
    });
}

#[motsu::test]
fn burn_from_without_allowance_reverts(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    let err = token
        .sender(bob)
        .burn_from(alice, U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InsufficientAllowance {
            spender: bob,
            allowance: U256::ZERO,
            needed: U256::from(1)
        }
        .into()
    );
}

#[motsu::test]
fn burn_from_zero_account_reverts(token: Contract<TokenAI>, owner: Address, bob: Address) {
    deploy(&token, owner);
    let err = token
        .sender(bob)
        .burn_from(Address::ZERO, U256::ZERO)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InvalidSender {
            sender: Address::ZERO
        }
        .into()
    );
}

// ---- pausing -------------------------------------------------------------------

#[motsu::test]
fn pause_stops_every_balance_movement(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
    bob: Address,
) {
    deploy_funded(&token, owner, alice, ONE);
    token.sender(alice).approve(bob, ONE).motsu_unwrap();
    token.sender(owner).pause().motsu_unwrap();
    token.assert_emitted(&Paused { account: owner });
    assert!(token.sender(owner).paused());

    let paused: Error = EnforcedPause {}.into();
    assert_eq!(
        token
            .sender(alice)
            .transfer(bob, U256::from(1))
            .motsu_unwrap_err(),
        paused
    );
    assert_eq!(
        token
            .sender(bob)
            .transfer_from(alice, bob, U256::from(1))
            .motsu_unwrap_err(),
        paused
    );
    assert_eq!(
        token
            .sender(owner)
            .mint(alice, U256::from(1))
            .motsu_unwrap_err(),
        paused
    );
    assert_eq!(
        token.sender(alice).burn(U256::from(1)).motsu_unwrap_err(),
        paused
    );
    assert_eq!(
        token
            .sender(bob)
            .burn_from(alice, U256::from(1))
            .motsu_unwrap_err(),
        paused
    );
    assert_eq!(token.sender(alice).balance_of(alice), ONE);
    assert_eq!(token.sender(alice).allowance(alice, bob), ONE);

    // Approvals are not balance movements and stay open.
    token
        .sender(alice)
        .approve(bob, U256::from(7))
        .motsu_unwrap();

    token.sender(owner).unpause().motsu_unwrap();
    token.assert_emitted(&Unpaused { account: owner });
    assert!(!token.sender(owner).paused());
    token
        .sender(alice)
        .transfer(bob, U256::from(1))
        .motsu_unwrap();
}

// ---- ownership (abi_core::access tests the two steps themselves) ----------------

#[motsu::test]
fn the_owner_governs_the_token(
    token: Contract<TokenAI>,
    owner: Address,
    heir: Address,
    minter: Address,
) {
    deploy(&token, owner);
    token
        .sender(owner)
        .access()
        .transfer_ownership(heir)
        .motsu_unwrap();
    token
        .sender(heir)
        .access()
        .accept_ownership()
        .motsu_unwrap();
    assert_eq!(
        token
            .sender(owner)
            .access()
            .set_minter(minter, true)
            .motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: owner }.into()
    );
    token
        .sender(heir)
        .access()
        .set_minter(minter, true)
        .motsu_unwrap();
    token.sender(minter).mint(heir, ONE).motsu_unwrap();
    token.sender(heir).pause().motsu_unwrap();
    assert_eq!(
        token.sender(minter).mint(heir, ONE).motsu_unwrap_err(),
        EnforcedPause {}.into()
    );
    token
        .sender(heir)
        .access()
        .renounce_ownership()
        .motsu_unwrap();
    assert_eq!(
        token.sender(heir).unpause().motsu_unwrap_err(),
        OwnableUnauthorizedAccount { account: heir }.into(),
        "a renounced token stays as it was left"
    );
}

// ---- EIP-2612 permit -------------------------------------------------------------

/// Signs a permit with alloy's own EIP-712 implementation, independent of
/// the contract's hand-laid encoding.
fn sign_permit(token: &Contract<TokenAI>, signer: &Account, permit: &Permit) -> (u8, B256, B256) {
    let domain = eip712_domain! {
        name: "TokenAI",
        version: "1",
        chain_id: 42161,
        verifying_contract: token.address(),
    };
    let hash = permit.eip712_signing_hash(&domain);
    let signature = signer
        .signer()
        .sign_hash_sync(&hash)
        .expect("signing works");
    (
        27 + u8::from(signature.v()),
        signature.r().into(),
        signature.s().into(),
    )
}

fn permit_for(owner: &Account, spender: Address, nonce: u64, deadline: U256) -> Permit {
    Permit {
        owner: owner.address(),
        spender,
        value: ONE,
        nonce: U256::from(nonce),
        deadline,
    }
}

#[motsu::test]
fn domain_separator_matches_eip712(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    let domain = eip712_domain! {
        name: "TokenAI",
        version: "1",
        chain_id: 42161,
        verifying_contract: token.address(),
    };
    assert_eq!(token.sender(owner).domain_separator(), domain.separator());
}

#[motsu::test]
fn permit_sets_allowance_with_a_real_signature(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    bob: Address,
) {
    deploy_funded(&token, owner, alice.address(), ONE);
    let deadline = U256::from(NOW + 3600);
    let (v, r, s) = sign_permit(&token, &alice, &permit_for(&alice, bob, 0, deadline));
    token
        .sender(bob)
        .permit(alice.address(), bob, ONE, deadline, v, r, s)
        .motsu_unwrap();
    assert_eq!(token.sender(bob).allowance(alice.address(), bob), ONE);
    assert_eq!(token.sender(bob).nonces(alice.address()), U256::from(1));
    token.assert_emitted(&Approval {
        owner: alice.address(),
        spender: bob,
        value: ONE,
    });

    // The spender can now pull the tokens without Alice ever paying gas.
    token
        .sender(bob)
        .transfer_from(alice.address(), bob, ONE)
        .motsu_unwrap();
    assert_eq!(token.sender(bob).balance_of(bob), ONE);
}

#[motsu::test]
fn permit_is_valid_until_its_deadline_inclusive(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    bob: Address,
) {
    deploy(&token, owner);
    let deadline = U256::from(NOW);
    let (v, r, s) = sign_permit(&token, &alice, &permit_for(&alice, bob, 0, deadline));
    token
        .sender(bob)
        .permit(alice.address(), bob, ONE, deadline, v, r, s)
        .motsu_unwrap();
    assert_eq!(token.sender(bob).allowance(alice.address(), bob), ONE);
}

#[motsu::test]
fn permit_past_deadline_reverts(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    bob: Address,
) {
    deploy(&token, owner);
    let deadline = U256::from(NOW - 1);
    let (v, r, s) = sign_permit(&token, &alice, &permit_for(&alice, bob, 0, deadline));
    let err = token
        .sender(bob)
        .permit(alice.address(), bob, ONE, deadline, v, r, s)
        .motsu_unwrap_err();
    assert_eq!(err, ERC2612ExpiredSignature { deadline }.into());
    assert_eq!(token.sender(bob).nonces(alice.address()), U256::ZERO);
}

#[motsu::test]
fn permit_signed_by_someone_else_reverts(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    eve: Account,
    bob: Address,
) {
    deploy(&token, owner);
    let deadline = U256::from(NOW + 60);
    // Eve signs a permit that claims to be Alice's.
    let (v, r, s) = sign_permit(&token, &eve, &permit_for(&alice, bob, 0, deadline));
    let err = token
        .sender(bob)
        .permit(alice.address(), bob, ONE, deadline, v, r, s)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC2612InvalidSigner {
            signer: eve.address(),
            owner: alice.address()
        }
        .into()
    );
    assert_eq!(
        token.sender(bob).allowance(alice.address(), bob),
        U256::ZERO
    );
}

#[motsu::test]
fn permit_cannot_be_replayed(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    bob: Address,
) {
    deploy(&token, owner);
    let deadline = U256::from(NOW + 60);
    let (v, r, s) = sign_permit(&token, &alice, &permit_for(&alice, bob, 0, deadline));
    token
        .sender(bob)
        .permit(alice.address(), bob, ONE, deadline, v, r, s)
        .motsu_unwrap();
    token
        .sender(bob)
        .transfer_from(alice.address(), bob, U256::ZERO)
        .motsu_unwrap();
    token
        .sender(alice.address())
        .approve(bob, U256::ZERO)
        .motsu_unwrap();

    let err = token
        .sender(bob)
        .permit(alice.address(), bob, ONE, deadline, v, r, s)
        .motsu_unwrap_err();
    let ERC2612InvalidSigner {
        signer,
        owner: claimed,
    } = ERC2612InvalidSigner::abi_decode(err.data(), true)
        .unwrap_or_else(|_| panic!("replay must fail signer recovery, got {err:?}"));
    assert_eq!(claimed, alice.address());
    assert_ne!(signer, alice.address());
    assert_eq!(
        token.sender(bob).allowance(alice.address(), bob),
        U256::ZERO
    );
    assert_eq!(token.sender(bob).nonces(alice.address()), U256::from(1));
}

#[motsu::test]
fn permit_rejects_malleable_signature(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    bob: Address,
) {
    deploy(&token, owner);
    let deadline = U256::from(NOW + 60);
    let (v, r, s) = sign_permit(&token, &alice, &permit_for(&alice, bob, 0, deadline));
    // (r, n - s, v ^ 1) recovers the same key: the twin every ECDSA check rejects.
    let n = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);
    let high_s: B256 = (n - U256::from_be_bytes(s.0)).into();
    let twin_v = if v == 27 { 28 } else { 27 };
    let err = token
        .sender(bob)
        .permit(alice.address(), bob, ONE, deadline, twin_v, r, high_s)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC2612InvalidSigner {
            signer: Address::ZERO,
            owner: alice.address()
        }
        .into()
    );
}

#[motsu::test]
fn permit_for_zero_owner_or_spender_reverts(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    bob: Address,
) {
    deploy(&token, owner);
    let deadline = U256::from(NOW + 60);
    // A signature that recovers to nobody cannot approve for the zero address.
    let err = token
        .sender(bob)
        .permit(
            Address::ZERO,
            bob,
            ONE,
            deadline,
            27,
            B256::ZERO,
            B256::ZERO,
        )
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InvalidApprover {
            approver: Address::ZERO
        }
        .into()
    );

    let (v, r, s) = sign_permit(
        &token,
        &alice,
        &permit_for(&alice, Address::ZERO, 0, deadline),
    );
    let err = token
        .sender(bob)
        .permit(alice.address(), Address::ZERO, ONE, deadline, v, r, s)
        .motsu_unwrap_err();
    assert_eq!(
        err,
        ERC20InvalidSpender {
            spender: Address::ZERO
        }
        .into()
    );
}

// ---- ERC-5267 -----------------------------------------------------------------

#[motsu::test]
fn eip712_domain_describes_the_signing_domain(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    let answer = token.sender(owner).eip712_domain();
    let (fields, name, version, chain_id, contract, salt, extensions) =
        ITokenAI::eip712DomainCall::abi_decode_returns(&answer, true)
            .map(|r| {
                (
                    r.fields,
                    r.name,
                    r.version,
                    r.chainId,
                    r.verifyingContract,
                    r.salt,
                    r.extensions,
                )
            })
            .expect("the answer decodes as the spec declares it");
    assert_eq!(fields, FixedBytes([0x0f]));
    assert_eq!((name.as_str(), version.as_str()), ("TokenAI", "1"));
    assert_eq!(
        (chain_id, contract, salt, extensions),
        (U256::from(42161), token.address(), B256::ZERO, vec![])
    );
    // A client that builds the domain from this answer signs in the
    // domain the contract checks.
    let domain = alloy_sol_types::Eip712Domain::new(
        Some(name.into()),
        Some(version.into()),
        Some(chain_id),
        Some(contract),
        None,
    );
    assert_eq!(token.sender(owner).domain_separator(), domain.separator());
}

// ---- the router on spec-encoded calldata --------------------------------------------

fn route(token: &Contract<TokenAI>, caller: Address, calldata: &[u8]) -> Answer {
    call_router(&mut *token.sender(caller), calldata)
}

#[motsu::test]
fn every_spec_function_is_routed(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Account,
    bob: Address,
) {
    use ITokenAI::*;
    deploy_funded(&token, owner, alice.address(), ONE);
    let (a, n, w) = (alice.address(), B256::repeat_byte(9), U256::from(1));
    let calls: Vec<Vec<u8>> = [
        nameCall {}.abi_encode(),
        symbolCall {}.abi_encode(),
        decimalsCall {}.abi_encode(),
        totalSupplyCall {}.abi_encode(),
        balanceOfCall { account: a }.abi_encode(),
        transferCall { to: bob, value: w }.abi_encode(),
        allowanceCall {
            owner: a,
            spender: bob,
        }
        .abi_encode(),
        approveCall {
            spender: bob,
            value: w,
        }
        .abi_encode(),
        transferFromCall {
            from: a,
            to: bob,
            value: w,
        }
        .abi_encode(),
        permitCall {
            owner: a,
            spender: bob,
            value: w,
            deadline: w,
            v: 27,
            r: n,
            s: n,
        }
        .abi_encode(),
        noncesCall { owner: a }.abi_encode(),
        DOMAIN_SEPARATORCall {}.abi_encode(),
        eip712DomainCall {}.abi_encode(),
        transferWithAuthorization_0Call {
            from: a,
            to: bob,
            value: w,
            validAfter: w,
            validBefore: w,
            nonce: n,
            v: 27,
            r: n,
            s: n,
        }
        .abi_encode(),
        transferWithAuthorization_1Call {
            from: a,
            to: bob,
            value: w,
            validAfter: w,
            validBefore: w,
            nonce: n,
            signature: vec![1; 65].into(),
        }
        .abi_encode(),
        receiveWithAuthorization_0Call {
            from: a,
            to: bob,
            value: w,
            validAfter: w,
            validBefore: w,
            nonce: n,
            v: 27,
            r: n,
            s: n,
        }
        .abi_encode(),
        receiveWithAuthorization_1Call {
            from: a,
            to: bob,
            value: w,
            validAfter: w,
            validBefore: w,
            nonce: n,
            signature: vec![1; 65].into(),
        }
        .abi_encode(),
        cancelAuthorization_0Call {
            authorizer: a,
            nonce: n,
            v: 27,
            r: n,
            s: n,
        }
        .abi_encode(),
        cancelAuthorization_1Call {
            authorizer: a,
            nonce: n,
            signature: vec![].into(),
        }
        .abi_encode(),
        authorizationStateCall {
            authorizer: a,
            nonce: n,
        }
        .abi_encode(),
        mintCall { to: bob, value: w }.abi_encode(),
        burnCall { value: w }.abi_encode(),
        burnFromCall {
            account: a,
            value: w,
        }
        .abi_encode(),
    ]
    .into_iter()
    .chain(access_calls(owner, bob))
    .collect();
    // Every call reaches its function: it returns, or reverts with a reason.
    assert_each_routed(
        &[router::SELECTORS, abi_core::access::SELECTORS],
        &calls,
        |_, calldata| route(&token, owner, calldata),
    );
}

#[motsu::test]
fn router_outputs_and_reverts_decode_as_the_spec_says(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
) {
    use ITokenAI::*;
    deploy_funded(&token, owner, payer.address(), ONE);
    let out = route(&token, provider, &nameCall {}.abi_encode())
        .unwrap()
        .unwrap();
    assert_eq!(
        nameCall::abi_decode_returns(&out, true).unwrap()._0,
        "TokenAI"
    );
    let out = route(&token, provider, &decimalsCall {}.abi_encode())
        .unwrap()
        .unwrap();
    assert_eq!(decimalsCall::abi_decode_returns(&out, true).unwrap()._0, 18);
    let out = route(&token, provider, &eip712DomainCall {}.abi_encode())
        .unwrap()
        .unwrap();
    assert_eq!(out, token.sender(provider).eip712_domain());

    // A real authorization in the v, r, s form, through the router.
    let domain = eip712_domain! {
        name: "TokenAI", version: "1", chain_id: 42161, verifying_contract: token.address(),
    };
    let message = TransferWithAuthorization {
        from: payer.address(),
        to: provider,
        value: ONE,
        validAfter: U256::ZERO,
        validBefore: U256::from(NOW + 60),
        nonce: B256::repeat_byte(7),
    };
    let sig = payer
        .signer()
        .sign_hash_sync(&message.eip712_signing_hash(&domain))
        .unwrap();
    let call = transferWithAuthorization_0Call {
        from: message.from,
        to: message.to,
        value: message.value,
        validAfter: message.validAfter,
        validBefore: message.validBefore,
        nonce: message.nonce,
        v: 27 + u8::from(sig.v()),
        r: sig.r().into(),
        s: sig.s().into(),
    };
    assert_eq!(route(&token, owner, &call.abi_encode()), Some(Ok(vec![])));
    assert_eq!(token.sender(owner).balance_of(provider), ONE);
    assert_eq!(
        route(&token, owner, &call.abi_encode()),
        Some(Err(AuthorizationAlreadyUsed {
            authorizer: payer.address(),
            nonce: message.nonce
        }
        .abi_encode())),
        "reverts carry the spec error"
    );
    let out = route(
        &token,
        owner,
        &authorizationStateCall {
            authorizer: payer.address(),
            nonce: message.nonce,
        }
        .abi_encode(),
    )
    .unwrap()
    .unwrap();
    assert!(
        authorizationStateCall::abi_decode_returns(&out, true)
            .unwrap()
            ._0
    );
    let out = route(
        &token,
        provider,
        &transferCall {
            to: owner,
            value: U256::from(1),
        }
        .abi_encode(),
    )
    .unwrap()
    .unwrap();
    assert!(transferCall::abi_decode_returns(&out, true).unwrap()._0);
}

#[motsu::test]
fn malformed_calldata_and_value_revert_without_data(
    token: Contract<TokenAI>,
    owner: Address,
    alice: Address,
) {
    use ITokenAI::*;
    deploy_funded(&token, owner, alice, ONE);
    let good = transferCall {
        to: owner,
        value: U256::from(1),
    }
    .abi_encode();
    assert_eq!(
        route(&token, alice, &good[..good.len() - 1]),
        Some(Err(vec![])),
        "a word short"
    );
    let mut dirty = good.clone();
    dirty[4] = 1; // an address with a dirty high byte
    assert_eq!(route(&token, alice, &dirty), Some(Err(vec![])));
    let mut big_v = permitCall {
        owner: alice,
        spender: owner,
        value: U256::ZERO,
        deadline: U256::MAX,
        v: 27,
        r: B256::ZERO,
        s: B256::ZERO,
    }
    .abi_encode();
    big_v[4 + 4 * 32 + 30] = 1; // v no longer fits in uint8
    assert_eq!(route(&token, alice, &big_v), Some(Err(vec![])));
    let mut far = cancelAuthorization_1Call {
        authorizer: alice,
        nonce: B256::ZERO,
        signature: vec![0; 65].into(),
    }
    .abi_encode();
    far[4 + 2 * 32 + 31] = 0xff; // the signature's offset points past the calldata
    assert_eq!(route(&token, alice, &far), Some(Err(vec![])));
    assert_eq!(
        route(&token, alice, &[0xde, 0xad, 0xbe, 0xef]),
        None,
        "unknown selector"
    );
    assert_eq!(token.sender(alice).balance_of(alice), ONE);

    // Value in any of the four limbs of the word is refused.
    alice.fund(U256::MAX);
    let paused = pausedCall {}.abi_encode();
    for bit in [0, 63, 64, 127, 128, 191, 192, 255] {
        let out = abi_core::router::route(
            &mut *token.sender_and_value(alice, U256::from(1) << bit),
            u32::from_be_bytes(paused[..4].try_into().unwrap()),
            &[],
        );
        assert_eq!(
            out,
            Some(Err(vec![])),
            "no function is payable (2^{bit} wei)"
        );
    }
}

// ---- invariants over random operation sequences ----------------------------

/// What a successful operation does to the model's balances and allowances.
type ModelUpdate = Box<dyn FnOnce(&mut [U256; 3], &mut [[U256; 3]; 3])>;

/// Over 5,000 random operations mixing transfers, allowances, burns,
/// permits and EIP-3009 authorizations (valid ones, and forged, replayed,
/// expired or misdirected ones) by random callers: the balances always sum
/// to the total supply and equal a model in which a balance leaves its
/// holder only by the holder's call, its signature, or an allowance it
/// gave; a reverted call changes no balance.
#[motsu::test]
fn no_balance_moves_without_the_holders_consent(
    owner: Address,
    a: Account,
    b: Account,
    c: Account,
) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut successes, mut authorizations) = (0, 0);
    // Ten rounds of 500 operations, each on a fresh token: motsu copies every
    // event so far on every call, which would make one long run quadratic.
    for round in 0..10 {
        let token = Contract::<TokenAI>::random();
        let mut used: Vec<(usize, B256)> = Vec::new();
        deploy(&token, owner);
        token
            .sender(owner)
            .access()
            .set_minter(owner, true)
            .motsu_unwrap();
        let accounts = [&a, &b, &c];
        let holders: Vec<Address> = accounts.iter().map(|x| x.address()).collect();
        let domain = eip712_domain! {
            name: "TokenAI", version: "1", chain_id: 42161, verifying_contract: token.address(),
        };
        // The model: balances, allowances, permit nonces and used EIP-3009 nonces.
        let mut balance = [U256::ZERO; 3];
        let mut allowance = [[U256::ZERO; 3]; 3];
        let mut permit_nonce = [0u64; 3];
        let mut paused = false;
        for step in (0..500).map(|i| round * 500 + i) {
            let (x, y, z) = (
                rng.below(3) as usize,
                rng.below(3) as usize,
                rng.below(3) as usize,
            );
            let amount = U256::from(rng.below(1_000));
            let before: Vec<U256> = holders
                .iter()
                .map(|h| token.sender(owner).balance_of(*h))
                .collect();
            // Each arm returns the call's result and what the model expects of it.
            let (result, expect): (Result<(), Error>, Option<ModelUpdate>) = match rng.below(9) {
                0 => (
                    token.sender(owner).mint(holders[x], amount),
                    Some(Box::new(move |bal, _| bal[x] += amount)),
                ),
                1 => (
                    token
                        .sender(holders[x])
                        .transfer(holders[y], amount)
                        .map(drop),
                    Some(Box::new(move |bal, _| {
                        bal[x] -= amount;
                        bal[y] += amount;
                    })),
                ),
                2 => (
                    token
                        .sender(holders[x])
                        .approve(holders[y], amount)
                        .map(drop),
                    Some(Box::new(move |_, allow| allow[x][y] = amount)),
                ),
                3 => (
                    token
                        .sender(holders[y])
                        .transfer_from(holders[x], holders[z], amount)
                        .map(drop),
                    Some(Box::new(move |bal, allow| {
                        allow[x][y] -= amount;
                        bal[x] -= amount;
                        bal[z] += amount;
                    })),
                ),
                4 => (
                    token.sender(holders[y]).burn_from(holders[x], amount),
                    Some(Box::new(move |bal, allow| {
                        allow[x][y] -= amount;
                        bal[x] -= amount;
                    })),
                ),
                5 => {
                    // A permit, signed by x's key or (a third of the time) by z's.
                    let signer = if rng.below(3) == 0 { z } else { x };
                    let permit = Permit {
                        owner: holders[x],
                        spender: holders[y],
                        value: amount,
                        nonce: U256::from(permit_nonce[x]),
                        deadline: U256::from(NOW),
                    };
                    let sig = accounts[signer]
                        .signer()
                        .sign_hash_sync(&permit.eip712_signing_hash(&domain))
                        .unwrap();
                    let result = token.sender(holders[z]).permit(
                        holders[x],
                        holders[y],
                        amount,
                        permit.deadline,
                        27 + u8::from(sig.v()),
                        sig.r().into(),
                        sig.s().into(),
                    );
                    if result.is_ok() {
                        assert_eq!(
                            signer, x,
                            "step {step}: a permit signed by another key passed"
                        );
                        permit_nonce[x] += 1;
                    }
                    (result, Some(Box::new(move |_, allow| allow[x][y] = amount)))
                }
                6 | 7 => {
                    // An authorization from x, signed by x's key or by z's, with a
                    // fresh or an already used nonce, inside or outside its window,
                    // submitted by anyone.
                    let signer = if rng.below(4) == 0 { z } else { x };
                    let nonce = if !used.is_empty() && rng.below(5) == 0 {
                        used[rng.below(used.len() as u64) as usize].1
                    } else {
                        B256::from(U256::from(rng.next_u64()))
                    };
                    let window = match rng.below(6) {
                        0 => (U256::from(NOW), U256::MAX),
                        1 => (U256::ZERO, U256::from(NOW)),
                        _ => (U256::from(NOW - 1), U256::from(NOW + 1)),
                    };
                    let message = TransferWithAuthorization {
                        from: holders[x],
                        to: holders[y],
                        value: amount,
                        validAfter: window.0,
                        validBefore: window.1,
                        nonce,
                    };
                    let signature = accounts[signer]
                        .signer()
                        .sign_hash_sync(&message.eip712_signing_hash(&domain))
                        .unwrap()
                        .as_bytes();
                    let authorization = crate::authorization::Authorization {
                        from: holders[x],
                        to: holders[y],
                        value: amount,
                        valid_after: window.0,
                        valid_before: window.1,
                        nonce,
                    };
                    let result = token
                        .sender(holders[z])
                        .transfer_with_authorization(authorization, &signature);
                    if result.is_ok() {
                        assert_eq!(
                            signer, x,
                            "step {step}: an authorization signed by another key passed"
                        );
                        assert!(
                            !used.contains(&(x, nonce)),
                            "step {step}: a nonce was used twice"
                        );
                        assert!(window.0 < U256::from(NOW) && U256::from(NOW) < window.1);
                        used.push((x, nonce));
                    }
                    (
                        result,
                        Some(Box::new(move |bal, _| {
                            bal[x] -= amount;
                            bal[y] += amount;
                        })),
                    )
                }
                _ => {
                    let result = if paused {
                        token.sender(owner).unpause()
                    } else {
                        token.sender(owner).pause()
                    };
                    if result.is_ok() {
                        paused = !paused;
                    }
                    (result, None)
                }
            };
            if let Ok(()) = result.motsu_res() {
                successes += 1;
                if let Some(apply) = expect {
                    apply(&mut balance, &mut allowance);
                }
            } else {
                let after: Vec<U256> = holders
                    .iter()
                    .map(|h| token.sender(owner).balance_of(*h))
                    .collect();
                assert_eq!(
                    before, after,
                    "step {step}: a reverted call moved a balance"
                );
            }
            let actual: Vec<U256> = holders
                .iter()
                .map(|h| token.sender(owner).balance_of(*h))
                .collect();
            assert_eq!(
                actual,
                balance.to_vec(),
                "step {step}: balances left the model"
            );
            let sum = actual.iter().fold(U256::ZERO, |acc, v| acc + v);
            assert_eq!(sum, token.sender(owner).total_supply(), "step {step}");
        }
        authorizations += used.len();
    }
    assert!(successes > 1_000, "only {successes} operations succeeded");
    assert!(
        authorizations > 100,
        "only {authorizations} authorizations went through"
    );
}
