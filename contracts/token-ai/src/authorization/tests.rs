//! motsu tests of EIP-3009: every function in both forms, each error with
//! its exact arguments, the events, the validity window's edges, nonces
//! used and canceled, ECDSA edge cases, domains of another chain or
//! contract, ERC-1271 smart accounts that accept, refuse or revert, and
//! pause. Signatures come from alloy's own EIP-712 implementation.

use abi_core::access::OwnPause;
use abi_core::testing::{
    CancelAuthorization, ReceiveWithAuthorization, SmartAccount, TransferWithAuthorization,
};
use alloy_primitives::{uint, Address, B256, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, Eip712Domain, SolStruct};
use motsu::prelude::*;

use super::Authorization;
use crate::{
    Error,
    ITokenAI::{
        AuthorizationAlreadyUsed, AuthorizationCanceled, AuthorizationExpired,
        AuthorizationNotYetValid, AuthorizationUsed, CallerMustBePayee, ERC20InsufficientBalance,
        ERC20InvalidReceiver, EnforcedPause, InvalidAuthorizationSignature, Transfer,
    },
    TokenAI,
};

/// motsu's fixed `block.timestamp` (2025-01-01T00:00:00Z) and chain id.
const NOW: u64 = 1_735_689_600;
const CHAIN_ID: u64 = 42161;
const ONE: U256 = uint!(1_000_000_000_000_000_000_U256);

fn domain(token: &Contract<TokenAI>) -> Eip712Domain {
    eip712_domain! {
        name: "TokenAI",
        version: "1",
        chain_id: CHAIN_ID,
        verifying_contract: token.address(),
    }
}

/// Deploys with `owner` as a minter and gives `holder` one token.
fn deploy_funded(token: &Contract<TokenAI>, owner: Address, holder: Address) {
    token
        .sender(owner)
        .constructor(b"TokenAI", b"TAI", owner)
        .motsu_unwrap();
    token
        .sender(owner)
        .access()
        .set_minter(owner, true)
        .motsu_unwrap();
    token.sender(owner).mint(holder, ONE).motsu_unwrap();
}

/// An authorization for `value` from `from` to `to`, valid for an hour.
fn authorization(from: Address, to: Address, value: U256, nonce: u8) -> Authorization {
    Authorization {
        from,
        to,
        value,
        valid_after: U256::from(NOW - 1),
        valid_before: U256::from(NOW + 3600),
        nonce: B256::repeat_byte(nonce),
    }
}

/// 65 bytes `r ‖ s ‖ v` over `hash`, as wallets produce them.
fn sign(signer: &Account, hash: B256) -> Vec<u8> {
    let signature = signer.signer().sign_hash_sync(&hash).expect("signs");
    let mut bytes = signature.as_bytes().to_vec();
    assert!(bytes[64] == 27 || bytes[64] == 28);
    bytes.truncate(65);
    bytes
}

fn transfer_hash(a: &Authorization, domain: &Eip712Domain) -> B256 {
    TransferWithAuthorization {
        from: a.from,
        to: a.to,
        value: a.value,
        validAfter: a.valid_after,
        validBefore: a.valid_before,
        nonce: a.nonce,
    }
    .eip712_signing_hash(domain)
}

fn receive_hash(a: &Authorization, domain: &Eip712Domain) -> B256 {
    ReceiveWithAuthorization {
        from: a.from,
        to: a.to,
        value: a.value,
        validAfter: a.valid_after,
        validBefore: a.valid_before,
        nonce: a.nonce,
    }
    .eip712_signing_hash(domain)
}

fn cancel_hash(authorizer: Address, nonce: B256, domain: &Eip712Domain) -> B256 {
    CancelAuthorization { authorizer, nonce }.eip712_signing_hash(domain)
}

/// The revert of a transfer authorization `caller` submits.
fn transfer_err(
    token: &Contract<TokenAI>,
    caller: Address,
    a: Authorization,
    signature: &[u8],
) -> Error {
    token
        .sender(caller)
        .transfer_with_authorization(a, signature)
        .motsu_unwrap_err()
}

/// The revert of a receive authorization `caller` submits.
fn receive_err(
    token: &Contract<TokenAI>,
    caller: Address,
    a: Authorization,
    signature: &[u8],
) -> Error {
    token
        .sender(caller)
        .receive_with_authorization(a, signature)
        .motsu_unwrap_err()
}

fn invalid(authorizer: Address) -> Error {
    InvalidAuthorizationSignature { authorizer }.into()
}

#[motsu::test]
fn a_facilitator_submits_a_signed_transfer(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
    facilitator: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let a = authorization(payer.address(), provider, ONE / U256::from(4), 1);
    let signature = sign(&payer, transfer_hash(&a, &domain(&token)));
    assert!(!token
        .sender(facilitator)
        .authorization_state(a.from, a.nonce));
    token
        .sender(facilitator)
        .transfer_with_authorization(a, &signature)
        .motsu_unwrap();
    assert_eq!(
        token.sender(facilitator).balance_of(payer.address()),
        ONE - a.value
    );
    assert_eq!(token.sender(facilitator).balance_of(provider), a.value);
    assert!(token
        .sender(facilitator)
        .authorization_state(a.from, a.nonce));
    token.assert_emitted(&AuthorizationUsed {
        authorizer: a.from,
        nonce: a.nonce,
    });
    token.assert_emitted(&Transfer {
        from: a.from,
        to: provider,
        value: a.value,
    });
}

#[motsu::test]
fn the_payee_submits_a_signed_receive(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let a = authorization(payer.address(), provider, ONE, 2);
    let signature = sign(&payer, receive_hash(&a, &domain(&token)));
    token
        .sender(provider)
        .receive_with_authorization(a, &signature)
        .motsu_unwrap();
    assert_eq!(token.sender(provider).balance_of(provider), ONE);
    assert!(token.sender(provider).authorization_state(a.from, a.nonce));
    token.assert_emitted(&AuthorizationUsed {
        authorizer: a.from,
        nonce: a.nonce,
    });
}

#[motsu::test]
fn a_receive_from_anyone_but_the_payee_reverts(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
    front_runner: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let a = authorization(payer.address(), provider, ONE, 3);
    let signature = sign(&payer, receive_hash(&a, &domain(&token)));
    assert_eq!(
        receive_err(&token, front_runner, a, &signature),
        CallerMustBePayee {
            caller: front_runner,
            payee: provider
        }
        .into()
    );
    assert!(!token.sender(provider).authorization_state(a.from, a.nonce));
    // A receive authorization is not a transfer authorization either.
    assert_eq!(
        transfer_err(&token, front_runner, a, &signature),
        invalid(a.from)
    );
    assert_eq!(token.sender(provider).balance_of(provider), U256::ZERO);
}

#[motsu::test]
fn the_window_excludes_both_edges(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let domain = domain(&token);
    let value = U256::from(1);

    // validAfter equal to now: not yet valid.
    let mut a = authorization(payer.address(), provider, value, 10);
    a.valid_after = U256::from(NOW);
    let signature = sign(&payer, transfer_hash(&a, &domain));
    assert_eq!(
        transfer_err(&token, provider, a, &signature),
        AuthorizationNotYetValid {
            validAfter: a.valid_after
        }
        .into()
    );

    // validBefore equal to now: expired.
    let mut a = authorization(payer.address(), provider, value, 11);
    a.valid_before = U256::from(NOW);
    let signature = sign(&payer, transfer_hash(&a, &domain));
    assert_eq!(
        transfer_err(&token, provider, a, &signature),
        AuthorizationExpired {
            validBefore: a.valid_before
        }
        .into()
    );
    let signature = sign(&payer, receive_hash(&a, &domain));
    assert_eq!(
        receive_err(&token, provider, a, &signature),
        AuthorizationExpired {
            validBefore: a.valid_before
        }
        .into()
    );

    // One second inside each edge: valid.
    let mut a = authorization(payer.address(), provider, value, 12);
    a.valid_after = U256::from(NOW - 1);
    a.valid_before = U256::from(NOW + 1);
    let signature = sign(&payer, transfer_hash(&a, &domain));
    token
        .sender(provider)
        .transfer_with_authorization(a, &signature)
        .motsu_unwrap();
    assert_eq!(token.sender(provider).balance_of(provider), value);
}

#[motsu::test]
fn a_nonce_works_once_and_not_after_a_cancel(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let domain = domain(&token);
    let a = authorization(payer.address(), provider, U256::from(5), 20);
    let signature = sign(&payer, transfer_hash(&a, &domain));
    token
        .sender(provider)
        .transfer_with_authorization(a, &signature)
        .motsu_unwrap();
    let used: Error = AuthorizationAlreadyUsed {
        authorizer: a.from,
        nonce: a.nonce,
    }
    .into();
    assert_eq!(
        transfer_err(&token, provider, a, &signature),
        used,
        "replay"
    );
    let cancel = sign(&payer, cancel_hash(a.from, a.nonce, &domain));
    assert_eq!(
        token
            .sender(provider)
            .cancel_authorization(a.from, a.nonce, &cancel)
            .motsu_unwrap_err(),
        used,
        "a used nonce cannot be canceled"
    );

    // A canceled nonce cannot be used afterwards.
    let b = authorization(payer.address(), provider, U256::from(5), 21);
    let cancel = sign(&payer, cancel_hash(b.from, b.nonce, &domain));
    token
        .sender(provider)
        .cancel_authorization(b.from, b.nonce, &cancel)
        .motsu_unwrap();
    token.assert_emitted(&AuthorizationCanceled {
        authorizer: b.from,
        nonce: b.nonce,
    });
    assert!(token.sender(provider).authorization_state(b.from, b.nonce));
    let signature = sign(&payer, receive_hash(&b, &domain));
    assert_eq!(
        receive_err(&token, provider, b, &signature),
        AuthorizationAlreadyUsed {
            authorizer: b.from,
            nonce: b.nonce
        }
        .into()
    );
    assert_eq!(
        token
            .sender(provider)
            .cancel_authorization(b.from, b.nonce, &cancel)
            .motsu_unwrap_err(),
        AuthorizationAlreadyUsed {
            authorizer: b.from,
            nonce: b.nonce
        }
        .into(),
        "a second cancel"
    );
    assert_eq!(token.sender(provider).balance_of(provider), U256::from(5));
}

#[motsu::test]
fn a_cancel_needs_the_authorizers_own_signature(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    mallory: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let domain = domain(&token);
    let nonce = B256::repeat_byte(30);
    let forged = sign(&mallory, cancel_hash(payer.address(), nonce, &domain));
    assert_eq!(
        token
            .sender(mallory.address())
            .cancel_authorization(payer.address(), nonce, &forged)
            .motsu_unwrap_err(),
        invalid(payer.address())
    );
    assert!(!token
        .sender(provider)
        .authorization_state(payer.address(), nonce));
    // The payer's own authorization with that nonce still works.
    let mut a = authorization(payer.address(), provider, U256::from(1), 0);
    a.nonce = nonce;
    let signature = sign(&payer, transfer_hash(&a, &domain));
    token
        .sender(provider)
        .transfer_with_authorization(a, &signature)
        .motsu_unwrap();
}

#[motsu::test]
fn malformed_and_malleable_signatures_are_refused(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    mallory: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let a = authorization(payer.address(), provider, U256::from(1), 40);
    let good = sign(&payer, transfer_hash(&a, &domain(&token)));
    // (r, n - s, v ^ 1) recovers the same key: the twin every check rejects.
    let n = uint!(0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256);
    let s = U256::from_be_slice(&good[32..64]);
    let mut high_s = good.clone();
    high_s[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
    high_s[64] ^= 0x03; // 27 <-> 28
    let mut bad_v = good.clone();
    bad_v[64] = 1;
    let mut zero_v = good.clone();
    zero_v[64] = 0;
    let by_mallory = sign(&mallory, transfer_hash(&a, &domain(&token)));
    for (label, signature) in [
        ("high s", high_s),
        ("v of 1", bad_v),
        ("v of 0", zero_v),
        ("64 bytes", good[..64].to_vec()),
        ("66 bytes", [good.as_slice(), &[0]].concat()),
        ("empty", Vec::new()),
        ("zeros", vec![0u8; 65]),
        ("someone else's key", by_mallory),
    ] {
        assert_eq!(
            transfer_err(&token, provider, a, &signature),
            invalid(a.from),
            "{label}"
        );
    }
    // The v, r, s form checks the same way (the router joins it to bytes).
    let (r, s) = (
        B256::from_slice(&good[..32]),
        B256::from_slice(&good[32..64]),
    );
    let twin = abi_core::signature::join(good[64] ^ 0x03, r, (n - U256::from_be_bytes(s.0)).into());
    assert_eq!(transfer_err(&token, provider, a, &twin), invalid(a.from));
    assert_eq!(token.sender(provider).balance_of(provider), U256::ZERO);
    token
        .sender(provider)
        .transfer_with_authorization(a, &good)
        .motsu_unwrap();
}

#[motsu::test]
fn a_domain_of_another_chain_or_contract_is_refused(
    token: Contract<TokenAI>,
    other: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let a = authorization(payer.address(), provider, U256::from(1), 50);
    let mut wrong_chain = domain(&token);
    wrong_chain.chain_id = Some(U256::from(1));
    let wrong_contract = eip712_domain! {
        name: "TokenAI", version: "1", chain_id: CHAIN_ID, verifying_contract: other.address(),
    };
    let wrong_version = eip712_domain! {
        name: "TokenAI", version: "2", chain_id: CHAIN_ID, verifying_contract: token.address(),
    };
    for domain in [wrong_chain, wrong_contract, wrong_version] {
        let signature = sign(&payer, transfer_hash(&a, &domain));
        assert_eq!(
            transfer_err(&token, provider, a, &signature),
            invalid(a.from)
        );
    }
}

#[motsu::test]
fn a_smart_account_pays_through_erc_1271(
    token: Contract<TokenAI>,
    wallet: Contract<SmartAccount>,
    owner: Address,
    key: Account,
    stranger: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, wallet.address());
    wallet.sender(owner).set_owner(key.address());
    let domain = domain(&token);

    // The account's key signs; the account validates the signature.
    let a = authorization(wallet.address(), provider, U256::from(7), 60);
    let signature = sign(&key, transfer_hash(&a, &domain));
    token
        .sender(provider)
        .transfer_with_authorization(a, &signature)
        .motsu_unwrap();
    assert_eq!(token.sender(provider).balance_of(provider), U256::from(7));

    // A signature by another key is refused by the account.
    let b = authorization(wallet.address(), provider, U256::from(7), 61);
    let signature = sign(&stranger, transfer_hash(&b, &domain));
    assert_eq!(
        transfer_err(&token, provider, b, &signature),
        invalid(wallet.address())
    );

    // An account that refuses everything, or reverts, pays nothing.
    let signature = sign(&key, receive_hash(&b, &domain));
    for mode in [1, 2] {
        wallet.sender(owner).set_mode(mode);
        assert_eq!(
            receive_err(&token, provider, b, &signature),
            invalid(wallet.address()),
            "mode {mode}"
        );
    }
    // Cancels go through the account as well.
    wallet.sender(owner).set_mode(0);
    let cancel = sign(&key, cancel_hash(b.from, b.nonce, &domain));
    token
        .sender(provider)
        .cancel_authorization(b.from, b.nonce, &cancel)
        .motsu_unwrap();
    assert!(token.sender(provider).authorization_state(b.from, b.nonce));
    assert_eq!(token.sender(provider).balance_of(provider), U256::from(7));
}

#[motsu::test]
fn pause_blocks_transfers_but_not_cancels(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let domain = domain(&token);
    token.sender(owner).pause().motsu_unwrap();
    let a = authorization(payer.address(), provider, U256::from(1), 70);
    let paused: Error = EnforcedPause {}.into();
    let signature = sign(&payer, transfer_hash(&a, &domain));
    assert_eq!(transfer_err(&token, provider, a, &signature), paused);
    // Pause comes before every other check, as USDC's modifier does.
    assert_eq!(receive_err(&token, owner, a, &signature), paused);
    assert!(!token.sender(provider).authorization_state(a.from, a.nonce));
    let cancel = sign(&payer, cancel_hash(a.from, a.nonce, &domain));
    token
        .sender(provider)
        .cancel_authorization(a.from, a.nonce, &cancel)
        .motsu_unwrap();
    assert!(token.sender(provider).authorization_state(a.from, a.nonce));
}

#[motsu::test]
fn a_failing_transfer_leaves_the_nonce_unused(
    token: Contract<TokenAI>,
    owner: Address,
    payer: Account,
    provider: Address,
) {
    deploy_funded(&token, owner, payer.address());
    let domain = domain(&token);
    let a = authorization(payer.address(), provider, ONE + U256::from(1), 80);
    let signature = sign(&payer, transfer_hash(&a, &domain));
    assert_eq!(
        transfer_err(&token, provider, a, &signature),
        ERC20InsufficientBalance {
            sender: a.from,
            balance: ONE,
            needed: a.value
        }
        .into()
    );
    assert!(!token.sender(provider).authorization_state(a.from, a.nonce));

    let to_zero = authorization(payer.address(), Address::ZERO, U256::from(1), 81);
    let signature = sign(&payer, transfer_hash(&to_zero, &domain));
    assert_eq!(
        transfer_err(&token, provider, to_zero, &signature),
        ERC20InvalidReceiver {
            receiver: Address::ZERO
        }
        .into()
    );
    assert!(!token
        .sender(provider)
        .authorization_state(to_zero.from, to_zero.nonce));
    assert_eq!(token.sender(provider).balance_of(a.from), ONE);

    // Nobody signs for the zero address.
    let from_zero = authorization(Address::ZERO, provider, U256::ZERO, 82);
    assert_eq!(
        token
            .sender(provider)
            .transfer_with_authorization(from_zero, &[0u8; 65])
            .motsu_unwrap_err(),
        invalid(Address::ZERO)
    );
}
