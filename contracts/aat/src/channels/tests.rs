//! motsu tests of AAT spec v3's channel rules with TokenAI live: a channel's
//! signer (session key) alone signs its vouchers and spends only the channel,
//! a top-up keeps the signer, a channel to oneself is refused, and no pool
//! can reclaim the units channels hold.

use abi_core::testing::SmartAccount;
use alloy_primitives::{Address, U256};
use motsu::prelude::*;
use token_ai::TokenAI;

use crate::{
    tests::{issue, u, Kind, DAY, NOW},
    vouchers::{
        tests::{expire_channel, settle, setup, sign, voucher},
        Voucher,
    },
    AAT,
    IAAT::{
        ChannelOpened, ChannelSignerMismatch, ERC1155InsufficientBalance, ERC1155InvalidSender,
        InvalidChannelProvider, InvalidVoucherSignature,
    },
    RECLAIM_ALL,
};

#[motsu::test]
fn a_channel_signer_alone_signs_and_spends_only_the_channel(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    session: Account,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let (h, key) = (holder.address(), session.address());
    aat.sender(h)
        .open_channel(provider, id, u(1_000), NOW + DAY, key)
        .motsu_unwrap();
    aat.assert_emitted(&ChannelOpened {
        holder: h,
        provider,
        id,
        locked: u(1_000),
        expiresAt: NOW + DAY,
        signer: key,
    });
    assert_eq!(
        aat.sender(h).channel_of(h, provider, id),
        (u(1_000), NOW + DAY, key)
    );

    // The holder's own signature is no longer valid for this provider and id.
    let v = voucher(h, provider, id, 100);
    assert_eq!(
        settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap_err(),
        InvalidVoucherSignature { holder: h }.into()
    );
    // The session key's is, in its canonical form only.
    let signature = sign(&aat, &session, &v);
    // v as 0/1 and in EIP-155's form (35/36 for chain id 0): both recover
    // the same key elsewhere, neither is valid here.
    for v_byte in [signature[64] - 27, signature[64] + 8] {
        let mut other_form = signature.clone();
        other_form[64] = v_byte;
        assert_eq!(
            settle(&aat, provider, v, &other_form).unwrap_err(),
            InvalidVoucherSignature { holder: h }.into(),
            "v = {v_byte}"
        );
    }
    assert_eq!(
        settle(&aat, provider, v, &signature).unwrap(),
        (u(100), u(1))
    );
    assert_eq!(aat.sender(h).channel_of(h, provider, id).0, u(899));
    assert_eq!(aat.sender(h).balance_of(h, id), u(9_000), "untouched");

    // A session key spends the channel, never the balance behind it.
    let w = voucher(h, provider, id, 1_000);
    assert_eq!(
        settle(&aat, provider, w, &sign(&aat, &session, &w)).unwrap_err(),
        ERC1155InsufficientBalance {
            sender: h,
            balance: u(899),
            needed: u(909),
            tokenId: id,
        }
        .into()
    );
    let w = voucher(h, provider, id, 990);
    settle(&aat, provider, w, &sign(&aat, &session, &w)).unwrap();
    assert_eq!(aat.sender(h).channel_of(h, provider, id).0, u(0));
    assert_eq!(aat.sender(h).balance_of(h, id), u(9_000));

    // Closed, the channel forgets its signer: the holder signs again, and
    // the key no longer does.
    aat.sender(provider)
        .close_channel(h, provider, id)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(h).channel_of(h, provider, id),
        (U256::ZERO, 0, Address::ZERO)
    );
    let next = voucher(h, provider, id, 1_000);
    assert_eq!(
        settle(&aat, provider, next, &sign(&aat, &session, &next)).unwrap_err(),
        InvalidVoucherSignature { holder: h }.into()
    );
    settle(&aat, provider, next, &sign(&aat, &holder, &next)).unwrap();
    assert_eq!(aat.sender(h).balance_of(h, id), u(9_000 - 11));
}

#[motsu::test]
fn an_expired_channel_returns_signing_to_the_holder(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    session: Account,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let h = holder.address();
    aat.sender(h)
        .open_channel(provider, id, u(500), NOW + 1, session.address())
        .motsu_unwrap();
    expire_channel(&aat, h, provider, id);

    // Not open: the key signs nothing, the holder signs for its balance.
    let v = voucher(h, provider, id, 100);
    assert_eq!(
        settle(&aat, provider, v, &sign(&aat, &session, &v)).unwrap_err(),
        InvalidVoucherSignature { holder: h }.into()
    );
    settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();
    assert_eq!(aat.sender(h).balance_of(h, id), u(9_500 - 101));
    assert_eq!(
        aat.sender(h).channel_of(h, provider, id),
        (u(500), NOW, session.address()),
        "the expired channel keeps its units and signer until closed"
    );
}

#[motsu::test]
fn a_top_up_keeps_the_channels_signer(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Address,
    session: Address,
    other: Address,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder);
    aat.sender(holder)
        .open_channel(provider, id, u(100), NOW + DAY, session)
        .motsu_unwrap();
    for given in [other, Address::ZERO] {
        assert_eq!(
            aat.sender(holder)
                .open_channel(provider, id, u(1), NOW + DAY, given)
                .motsu_unwrap_err(),
            ChannelSignerMismatch {
                expected: session,
                given
            }
            .into()
        );
    }
    aat.sender(holder)
        .open_channel(provider, id, u(1), NOW + 2 * DAY, session)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(holder).channel_of(holder, provider, id),
        (u(101), NOW + 2 * DAY, session)
    );
    // A channel without a signer keeps having none.
    let second = Address::with_last_byte(0x5e);
    aat.sender(holder)
        .open_channel(second, id, u(10), NOW + DAY, Address::ZERO)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(holder)
            .open_channel(second, id, u(10), NOW + DAY, session)
            .motsu_unwrap_err(),
        ChannelSignerMismatch {
            expected: Address::ZERO,
            given: session
        }
        .into()
    );
    // After close, a new channel may name another signer.
    aat.sender(provider)
        .close_channel(holder, provider, id)
        .motsu_unwrap();
    aat.sender(holder)
        .open_channel(provider, id, u(5), NOW + DAY, other)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(holder).channel_of(holder, provider, id),
        (u(5), NOW + DAY, other)
    );
}

#[motsu::test]
fn a_channel_to_oneself_is_refused(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder);
    assert_eq!(
        aat.sender(holder)
            .open_channel(holder, id, u(100), NOW + DAY, Address::ZERO)
            .motsu_unwrap_err(),
        InvalidChannelProvider { provider: holder }.into()
    );
    assert_eq!(aat.sender(holder).balance_of(holder, id), u(10_000));
}

/// A smart account names an EOA for its channel, so what its provider was
/// guaranteed does not depend on what the account's `isValidSignature`
/// answers later: the key's vouchers settle although the account refuses
/// everything, and the account's own are not asked for.
#[motsu::test]
fn a_smart_account_delegates_its_channel_to_a_key(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    wallet: Contract<SmartAccount>,
    owner: Address,
    treasury: Address,
    key: Account,
    provider: Address,
) {
    let holder = wallet.address();
    let id = setup(&token, &aat, owner, treasury, holder);
    wallet.sender(owner).set_owner(key.address());
    aat.sender(holder)
        .open_channel(provider, id, u(1_000), NOW + DAY, key.address())
        .motsu_unwrap();
    wallet.sender(owner).set_mode(2);
    let v: Voucher = voucher(holder, provider, id, 300);
    let signature = sign(&aat, &key, &v);
    assert_eq!(
        settle(&aat, provider, v, &signature).unwrap(),
        (u(300), u(3))
    );
    assert_eq!(
        aat.sender(holder).channel_of(holder, provider, id).0,
        u(697)
    );
}

/// A pool cannot reclaim what this contract holds: it is channel escrow,
/// its holders' units. (Before v3 a pool emptied every channel of its id
/// this way, and a holder could be served and take the units back.)
#[motsu::test]
fn no_pool_reclaims_the_channels_escrow(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    uni: Address,
    student: Account,
    provider: Address,
) {
    crate::tests::deploy(&token, &aat, owner, treasury);
    let s = student.address();
    let id = issue(&aat, owner, s, Kind::course(uni), 1_000);
    aat.sender(s)
        .open_channel(provider, id, u(600), NOW + DAY, Address::ZERO)
        .motsu_unwrap();
    for amount in [u(1), RECLAIM_ALL] {
        assert_eq!(
            aat.sender(uni)
                .reclaim(aat.address(), id, amount)
                .motsu_unwrap_err(),
            ERC1155InvalidSender {
                sender: aat.address()
            }
            .into()
        );
    }
    assert_eq!(aat.sender(uni).balance_of(aat.address(), id), u(600));
    let v = voucher(s, provider, id, 500);
    let signature = sign(&aat, &student, &v);
    aat.sender(provider)
        .settle(v, &signature, crate::tests::gpt(), crate::tests::cs101())
        .motsu_unwrap();
    assert_eq!(
        aat.sender(provider)
            .close_channel(s, provider, id)
            .motsu_unwrap(),
        u(95)
    );
    // Back with its holder, the units are reclaimable again.
    assert_eq!(
        aat.sender(uni).reclaim(s, id, RECLAIM_ALL).motsu_unwrap(),
        u(495)
    );
}
