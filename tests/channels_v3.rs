//! AAT spec v3's channel rules on the built wasm (`artifacts/aat.wasm` in
//! the in-process Stylus host), reached only through calldata generated from
//! the spec: a channel's session key alone signs its vouchers and spends only
//! the channel, its signer is fixed until close, a channel to oneself is
//! refused, and the escrow this contract holds cannot be reclaimed.
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::SolStruct;
use motsu::prelude::Account;
use suite_tests::*;

/// A voucher of `holder` to `provider` for `cumulative` units of `id`,
/// signed by `key` in the domain `eip712Domain()` declares.
fn signed(
    s: &mut Suite,
    key: &Account,
    holder: Address,
    provider: Address,
    id: U256,
    cumulative: u64,
) -> (IAAT::Voucher, Bytes) {
    let domain = s.eip712_domain(s.aat);
    let voucher = IAAT::Voucher {
        holder,
        provider,
        id,
        cumulativeAmount: u(cumulative),
        deadline: NOW + 3_600,
    };
    let signature = key
        .signer()
        .sign_hash_sync(&voucher.eip712_signing_hash(&domain))
        .unwrap();
    (voucher, Bytes::from(signature.as_bytes().to_vec()))
}

fn settle(voucher: IAAT::Voucher, signature: Bytes) -> IAAT::settleCall {
    IAAT::settleCall {
        voucher,
        signature,
        model: gpt(),
        scope: FixedBytes::ZERO,
    }
}

#[test]
fn a_session_key_signs_for_its_channel_alone() {
    let mut s = Suite::new();
    let aat = s.aat;
    let (agent, session) = (Account::from_seed("agent"), Account::from_seed("session"));
    let (holder, key) = (agent.address(), session.address());
    let provider = addr(0x50);
    let id = s.mint(
        holder,
        GATEWAY,
        gpt(),
        FixedBytes::ZERO,
        0,
        false,
        true,
        10_000,
    );

    let open = |amount: u64, signer: Address| IAAT::openChannelCall {
        provider,
        id,
        amount: u(amount),
        expiresAt: NOW + 600,
        signer,
    };
    let out = s.send(holder, aat, open(1_000, key));
    let opened = events::<IAAT::ChannelOpened>(&out.logs, aat);
    assert_eq!(
        (opened[0].locked, opened[0].expiresAt, opened[0].signer),
        (u(1_000), NOW + 600, key)
    );
    let channel = s.ok(
        addr(1),
        aat,
        IAAT::channelOfCall {
            holder,
            provider,
            id,
        },
    );
    assert_eq!(
        (channel.locked, channel.expiresAt, channel.signer),
        (u(1_000), NOW + 600, key)
    );

    // The holder's own signature no longer settles; the key's does, from
    // the channel.
    let (v, by_holder) = signed(&mut s, &agent, holder, provider, id, 100);
    let out = s.send(provider, aat, settle(v.clone(), by_holder));
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::InvalidVoucherSignature(IAAT::InvalidVoucherSignature { holder })
    );
    let (_, by_key) = signed(&mut s, &session, holder, provider, id, 100);
    let mut zero_one = by_key.to_vec();
    zero_one[64] -= 27;
    let out = s.send(provider, aat, settle(v.clone(), zero_one.into()));
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::InvalidVoucherSignature(IAAT::InvalidVoucherSignature { holder }),
        "v as 0/1 is not a signature here"
    );
    let done = s.ok(provider, aat, settle(v, by_key));
    assert_eq!((done.consumed, done.fee), (u(100), u(2)));
    assert_eq!(s.aat_balance(aat, id), u(898));
    assert_eq!(s.aat_balance(holder, id), u(9_000));

    // Never more than the channel.
    let (w, by_key) = signed(&mut s, &session, holder, provider, id, 1_000);
    let out = s.send(provider, aat, settle(w, by_key));
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::ERC1155InsufficientBalance(IAAT::ERC1155InsufficientBalance {
            sender: holder,
            balance: u(898),
            needed: u(918),
            tokenId: id,
        })
    );

    // The signer is the channel's for life.
    let out = s.send(holder, aat, open(1, Address::ZERO));
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::ChannelSignerMismatch(IAAT::ChannelSignerMismatch {
            expected: key,
            given: Address::ZERO,
        })
    );
    s.ok(holder, aat, open(2, key));

    // A channel to oneself.
    let out = s.send(
        holder,
        aat,
        IAAT::openChannelCall {
            provider: holder,
            id,
            amount: u(1),
            expiresAt: NOW + 600,
            signer: Address::ZERO,
        },
    );
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::InvalidChannelProvider(IAAT::InvalidChannelProvider { provider: holder })
    );

    // Closed: the signer is forgotten.
    let close = IAAT::closeChannelCall {
        holder,
        provider,
        id,
    };
    assert_eq!(s.ok(provider, aat, close).returned, u(900));
    let channel = s.ok(
        addr(1),
        aat,
        IAAT::channelOfCall {
            holder,
            provider,
            id,
        },
    );
    assert_eq!(channel.signer, Address::ZERO);
}

#[test]
fn no_pool_reclaims_the_escrow() {
    let mut s = Suite::new();
    let aat = s.aat;
    let student = Account::from_seed("student");
    let (pool, provider) = (addr(0x60), addr(0x50));
    let id = s.mint(
        student.address(),
        pool,
        gpt(),
        cs101(),
        NOW + 86_400,
        true,
        false,
        1_000,
    );
    s.ok(
        student.address(),
        aat,
        IAAT::openChannelCall {
            provider,
            id,
            amount: u(600),
            expiresAt: NOW + 600,
            signer: Address::ZERO,
        },
    );
    let out = s.send(
        pool,
        aat,
        IAAT::reclaimCall {
            holder: aat,
            id,
            amount: U256::MAX,
        },
    );
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::ERC1155InvalidSender(IAAT::ERC1155InvalidSender { sender: aat })
    );
    assert_eq!(s.aat_balance(aat, id), u(600));
}
