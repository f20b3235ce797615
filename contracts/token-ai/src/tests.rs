//! motsu tests of every TokenAI function: success paths, every revert with
//! its exact arguments, every event, access control, and the supply
//! invariant over random operation sequences.

use alloy_primitives::{uint, Address, B256, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, sol, SolStruct};
use motsu::prelude::*;

use super::*;
use crate::ITokenAI::{
    EnforcedPause, ExpectedPause, OwnableInvalidOwner, OwnableUnauthorizedAccount,
    OwnershipTransferStarted, OwnershipTransferred, Paused, Unpaused,
};

/// motsu's fixed `block.timestamp` (2025-01-01T00:00:00Z).
const NOW: u64 = 1_735_689_600;
const ONE: U256 = uint!(1_000_000_000_000_000_000_U256);

fn deploy(token: &Contract<TokenAI>, owner: Address) {
    token
        .sender(owner)
        .constructor("TokenAI".into(), "TAI".into(), owner)
        .motsu_unwrap();
}

/// Deploys with `owner` as a minter and gives `holder` `amount`.
fn deploy_funded(token: &Contract<TokenAI>, owner: Address, holder: Address, amount: U256) {
    deploy(token, owner);
    token.sender(owner).set_minter(owner, true).motsu_unwrap();
    token.sender(owner).mint(holder, amount).motsu_unwrap();
}

// ---- construction and metadata -------------------------------------------

#[motsu::test]
fn constructor_sets_metadata_owner_and_zero_supply(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    assert_eq!(token.sender(owner).name(), "TokenAI");
    assert_eq!(token.sender(owner).symbol(), "TAI");
    assert_eq!(token.sender(owner).decimals(), 18);
    assert_eq!(token.sender(owner).total_supply(), U256::ZERO);
    assert_eq!(token.sender(owner).owner(), owner);
    assert_eq!(token.sender(owner).pending_owner(), Address::ZERO);
    assert!(!token.sender(owner).paused());
    assert!(
        !token.sender(owner).is_minter(owner),
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
        .constructor("TokenAI".into(), "TAI".into(), Address::ZERO)
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
    token.sender(owner).set_minter(minter, true).motsu_unwrap();
    token.assert_emitted(&MinterSet {
        minter,
        enabled: true,
    });
    assert!(token.sender(alice).is_minter(minter));

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
    token.sender(owner).set_minter(minter, true).motsu_unwrap();
    token.sender(owner).set_minter(minter, false).motsu_unwrap();
    token.assert_emitted(&MinterSet {
        minter,
        enabled: false,
    });
    assert!(!token.sender(owner).is_minter(minter));
    let err = token.sender(minter).mint(minter, ONE).motsu_unwrap_err();
    assert_eq!(err, UnauthorizedMinter { account: minter }.into());
}

#[motsu::test]
fn only_owner_sets_minters(token: Contract<TokenAI>, owner: Address, mallory: Address) {
    deploy(&token, owner);
    let err = token
        .sender(mallory)
        .set_minter(mallory, true)
        .motsu_unwrap_err();
    assert_eq!(err, OwnableUnauthorizedAccount { account: mallory }.into());
    assert!(!token.sender(owner).is_minter(mallory));
}

#[motsu::test]
fn mint_to_zero_reverts(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    token.sender(owner).set_minter(owner, true).motsu_unwrap();
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
    deploy_funded(&token, owner, alice, U256::MAX);
    let err = token
        .sender(owner)
        .mint(owner, U256::from(1))
        .motsu_unwrap_err();
    assert_eq!(err, Panic::overflow().into());
    assert_eq!(Panic::overflow().code, U256::from(0x11));
    assert_eq!(token.sender(owner).total_supply(), U256::MAX);
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

#[motsu::test]
fn pause_and_unpause_check_state(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    assert_eq!(
        token.sender(owner).unpause().motsu_unwrap_err(),
        ExpectedPause {}.into()
    );
    token.sender(owner).pause().motsu_unwrap();
    assert_eq!(
        token.sender(owner).pause().motsu_unwrap_err(),
        EnforcedPause {}.into()
    );
}

#[motsu::test]
fn only_owner_pauses(token: Contract<TokenAI>, owner: Address, mallory: Address) {
    deploy(&token, owner);
    let unauthorized: Error = OwnableUnauthorizedAccount { account: mallory }.into();
    assert_eq!(
        token.sender(mallory).pause().motsu_unwrap_err(),
        unauthorized
    );
    token.sender(owner).pause().motsu_unwrap();
    assert_eq!(
        token.sender(mallory).unpause().motsu_unwrap_err(),
        unauthorized
    );
}

// ---- two-step ownership ------------------------------------------------------

#[motsu::test]
fn ownership_moves_in_two_steps(
    token: Contract<TokenAI>,
    owner: Address,
    heir: Address,
    mallory: Address,
) {
    deploy(&token, owner);
    token.sender(owner).transfer_ownership(heir).motsu_unwrap();
    token.assert_emitted(&OwnershipTransferStarted {
        previousOwner: owner,
        newOwner: heir,
    });
    assert_eq!(token.sender(owner).owner(), owner);
    assert_eq!(token.sender(owner).pending_owner(), heir);

    let err = token.sender(mallory).accept_ownership().motsu_unwrap_err();
    assert_eq!(err, OwnableUnauthorizedAccount { account: mallory }.into());

    token.sender(heir).accept_ownership().motsu_unwrap();
    token.assert_emitted(&OwnershipTransferred {
        previousOwner: owner,
        newOwner: heir,
    });
    assert_eq!(token.sender(heir).owner(), heir);
    assert_eq!(token.sender(heir).pending_owner(), Address::ZERO);

    let err = token
        .sender(owner)
        .set_minter(owner, true)
        .motsu_unwrap_err();
    assert_eq!(err, OwnableUnauthorizedAccount { account: owner }.into());
}

#[motsu::test]
fn only_owner_transfers_or_renounces(token: Contract<TokenAI>, owner: Address, mallory: Address) {
    deploy(&token, owner);
    let unauthorized: Error = OwnableUnauthorizedAccount { account: mallory }.into();
    assert_eq!(
        token
            .sender(mallory)
            .transfer_ownership(mallory)
            .motsu_unwrap_err(),
        unauthorized
    );
    assert_eq!(
        token
            .sender(mallory)
            .renounce_ownership()
            .motsu_unwrap_err(),
        unauthorized
    );
    assert_eq!(token.sender(owner).owner(), owner);
}

#[motsu::test]
fn renounce_leaves_no_owner(token: Contract<TokenAI>, owner: Address) {
    deploy(&token, owner);
    token.sender(owner).renounce_ownership().motsu_unwrap();
    token.assert_emitted(&OwnershipTransferred {
        previousOwner: owner,
        newOwner: Address::ZERO,
    });
    assert_eq!(token.sender(owner).owner(), Address::ZERO);
    let err = token.sender(owner).pause().motsu_unwrap_err();
    assert_eq!(err, OwnableUnauthorizedAccount { account: owner }.into());
}

// ---- EIP-2612 permit -------------------------------------------------------------

sol! {
    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }
}

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
    let Error::InvalidSigner(ERC2612InvalidSigner {
        signer,
        owner: claimed,
    }) = err
    else {
        panic!("replay must fail signer recovery, got {err:?}");
    };
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

// ---- invariants over random operation sequences ----------------------------

/// A deterministic xorshift generator: reproducible sequences without a
/// property-testing dependency in the contract crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[motsu::test]
fn balances_always_sum_to_supply(
    token: Contract<TokenAI>,
    owner: Address,
    a: Address,
    b: Address,
    c: Address,
) {
    deploy(&token, owner);
    token.sender(owner).set_minter(owner, true).motsu_unwrap();
    let holders = [owner, a, b, c];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut expected_supply = U256::ZERO;
    for step in 0..600 {
        let x = holders[rng.below(4) as usize];
        let y = holders[rng.below(4) as usize];
        let amount = U256::from(rng.below(1_000));
        let before: Vec<U256> = holders
            .iter()
            .map(|h| token.sender(owner).balance_of(*h))
            .collect();
        let result = match rng.below(7) {
            0 => token
                .sender(owner)
                .mint(x, amount)
                .map(|()| expected_supply += amount),
            1 => token.sender(x).transfer(y, amount).map(drop),
            2 => token.sender(x).approve(y, amount).map(drop),
            3 => token.sender(y).transfer_from(x, y, amount).map(drop),
            4 => token
                .sender(x)
                .burn(amount)
                .map(|()| expected_supply -= amount),
            5 => token
                .sender(y)
                .burn_from(x, amount)
                .map(|()| expected_supply -= amount),
            _ => {
                if token.sender(owner).paused() {
                    token.sender(owner).unpause()
                } else {
                    token.sender(owner).pause()
                }
            }
        };
        if result.motsu_res().is_err() {
            let after: Vec<U256> = holders
                .iter()
                .map(|h| token.sender(owner).balance_of(*h))
                .collect();
            assert_eq!(
                before, after,
                "step {step}: a reverted call moved a balance"
            );
        }
        let sum = holders.iter().fold(U256::ZERO, |acc, h| {
            acc + token.sender(owner).balance_of(*h)
        });
        assert_eq!(sum, token.sender(owner).total_supply(), "step {step}");
        assert_eq!(sum, expected_supply, "step {step}");
    }
}
