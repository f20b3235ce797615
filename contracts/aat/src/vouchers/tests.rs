//! motsu tests of pay per use with TokenAI live: vouchers settled alone and
//! in batches, from balances and channels, every error with its exact
//! arguments (and, in a batch, as the reported reason), the events, the fee
//! hook, ERC-1271 holders, channels opened, topped up, extended and closed,
//! and pause. Vouchers are signed with alloy's own EIP-712 implementation.
#![allow(clippy::cast_possible_truncation)] // random draws, reduced modulo small bounds

use abi_core::testing::SmartAccount;
use alloy_primitives::{Address, FixedBytes, B256, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{SolCall, SolError, SolEvent, SolStruct};
use motsu::prelude::*;
use token_ai::TokenAI;

use super::*;
use crate::{
    tests::{cs101, deploy, gpt, issue, set_expiration, token_ai_revert, u, Kind, DAY, NOW, PRICE},
    IAAT::{
        self, ChannelClosed, ChannelExpiryInvalid, ChannelNotClosable, ChannelOpened, Consumed,
        ERC1155InsufficientBalance, ERC1155InvalidArrayLength, EnforcedPause, FeeCollected,
        InvalidVoucherSignature, ModelMismatch, NoChannel, NotVoucherProvider, ScopeMismatch,
        TokenExpired, TokenNotTradable, TransferSingle, UnknownToken, VoucherExpired,
        VoucherRejected, VoucherSettled, ZeroAddress, ZeroAmount,
    },
};

mod pack_tests {
    include!("pack_tests.rs");
}

/// The EIP-712 domain AAT signs vouchers in, as a client builds it from
/// `eip712Domain()`.
pub(crate) fn domain(aat: &Contract<AAT>) -> alloy_sol_types::Eip712Domain {
    let answer = IAAT::eip712DomainCall::abi_decode_returns(
        &aat.sender(Address::ZERO).eip712_domain(),
        true,
    )
    .expect("the answer decodes as the spec declares it");
    alloy_sol_types::Eip712Domain::new(
        Some(answer.name.into()),
        Some(answer.version.into()),
        Some(answer.chainId),
        Some(answer.verifyingContract),
        None,
    )
}

pub(crate) fn voucher(holder: Address, provider: Address, id: U256, cumulative: u64) -> Voucher {
    Voucher {
        holder,
        provider,
        id,
        cumulative_amount: u(cumulative),
        deadline: NOW + DAY,
    }
}

pub(crate) fn spec_voucher(v: &Voucher) -> IAAT::Voucher {
    IAAT::Voucher {
        holder: v.holder,
        provider: v.provider,
        id: v.id,
        cumulativeAmount: v.cumulative_amount,
        deadline: v.deadline,
    }
}

/// 65 bytes `r ‖ s ‖ v` by `signer` over `v`, as wallets sign it.
pub(crate) fn sign(aat: &Contract<AAT>, signer: &Account, v: &Voucher) -> Vec<u8> {
    let hash = spec_voucher(v).eip712_signing_hash(&domain(aat));
    signer
        .signer()
        .sign_hash_sync(&hash)
        .expect("signs")
        .as_bytes()
        .to_vec()
}

/// TokenAI, AAT and a tradable GPT credit: `holder` holds 10,000 units.
pub(crate) fn setup(
    token: &Contract<TokenAI>,
    aat: &Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Address,
) -> U256 {
    deploy(token, aat, owner, treasury);
    issue(aat, owner, holder, Kind::tradable(owner), 10_000)
}

/// Makes the channel of `holder` with `provider` in `id` expire now
/// (motsu's clock is fixed, so its stored expiry moves instead).
pub(crate) fn expire_channel(aat: &Contract<AAT>, holder: Address, provider: Address, id: U256) {
    let key = pay_key(holder, provider, id);
    let mut account = aat.sender(holder).pay_account(key);
    account.expires_at = NOW;
    aat.sender(holder)
        .set_pay_account(key, &account)
        .motsu_unwrap();
}

pub(crate) fn settle(
    aat: &Contract<AAT>,
    caller: Address,
    v: Voucher,
    signature: &[u8],
) -> Result<(U256, U256), Error> {
    aat.sender(caller)
        .settle(v, signature, gpt(), FixedBytes::ZERO)
        .motsu_res()
}

#[motsu::test]
fn the_voucher_digest_is_eip712s(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Address,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder);
    let v = voucher(holder, provider, id, 42);
    let expected = spec_voucher(&v).eip712_signing_hash(&domain(&aat));
    assert_eq!(aat.sender(holder).hash_voucher(&v), expected);
    let answer =
        IAAT::eip712DomainCall::abi_decode_returns(&aat.sender(holder).eip712_domain(), true)
            .unwrap();
    assert_eq!(answer.fields.0, [0x0f]);
    assert_eq!(
        (answer.name.as_str(), answer.version.as_str()),
        ("AAT", "1")
    );
    assert_eq!(
        (answer.chainId, answer.verifyingContract, answer.salt),
        (U256::from(42161), aat.address(), B256::ZERO)
    );
    assert!(answer.extensions.is_empty());
    assert_eq!(
        aat.sender(holder).domain_separator(),
        domain(&aat).separator()
    );
}

#[motsu::test]
fn settling_from_the_balance_consumes_the_difference(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let v = voucher(holder.address(), provider, id, 1_000);
    let (consumed, fee) = settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();
    assert_eq!((consumed, fee), (u(1_000), u(10)), "1% fee on 1,000");
    assert_eq!(
        aat.sender(provider).balance_of(holder.address(), id),
        u(8_990)
    );
    assert_eq!(aat.sender(provider).total_supply(id), u(8_990));
    assert_eq!(
        aat.sender(provider)
            .settled_amount(holder.address(), provider, id),
        u(1_000)
    );
    aat.assert_emitted(&TransferSingle {
        operator: provider,
        from: holder.address(),
        to: Address::ZERO,
        id,
        value: u(1_010),
    });
    aat.assert_emitted(&Consumed {
        holder: holder.address(),
        id,
        operator: provider,
        amount: u(1_000),
        fee: u(10),
    });
    aat.assert_emitted(&VoucherSettled {
        holder: holder.address(),
        provider,
        id,
        cumulativeAmount: u(1_000),
        consumed: u(1_000),
        fee: u(10),
    });
    aat.assert_emitted(&FeeCollected {
        id,
        feeAmount: u(10),
        tokenAIMinted: u(10) * PRICE,
        treasury,
    });
    assert_eq!(token.sender(treasury).balance_of(treasury), u(10) * PRICE);

    // The next voucher settles only what was added since; the fee rounds up.
    let v = voucher(holder.address(), provider, id, 1_050);
    let (consumed, fee) = settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();
    assert_eq!((consumed, fee), (u(50), u(1)));
    assert_eq!(
        aat.sender(provider).balance_of(holder.address(), id),
        u(8_939)
    );
}

#[motsu::test]
fn replays_and_older_vouchers_settle_nothing(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let newer = voucher(holder.address(), provider, id, 500);
    let older = voucher(holder.address(), provider, id, 300);
    let (newer_sig, older_sig) = (sign(&aat, &holder, &newer), sign(&aat, &holder, &older));
    settle(&aat, provider, newer, &newer_sig).unwrap();
    let events = aat.all_events().len();
    let supply = aat.sender(provider).total_supply(id);
    assert_eq!(
        settle(&aat, provider, newer, &newer_sig).unwrap(),
        (U256::ZERO, U256::ZERO)
    );
    assert_eq!(
        settle(&aat, provider, older, &older_sig).unwrap(),
        (U256::ZERO, U256::ZERO)
    );
    assert_eq!(aat.all_events().len(), events, "nothing emitted");
    assert_eq!(aat.sender(provider).total_supply(id), supply);
    assert_eq!(
        aat.sender(provider)
            .settled_amount(holder.address(), provider, id),
        u(500)
    );
}

#[motsu::test]
fn a_voucher_is_checked_in_order(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    mallory: Account,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let h = holder.address();
    let v = voucher(h, provider, id, 100);
    let signature = sign(&aat, &holder, &v);

    // Only its provider settles it.
    assert_eq!(
        settle(&aat, mallory.address(), v, &signature).unwrap_err(),
        NotVoucherProvider {
            caller: mallory.address(),
            provider
        }
        .into()
    );
    // Until its deadline, inclusive.
    let mut late = v;
    late.deadline = NOW - 1;
    assert_eq!(
        settle(&aat, provider, late, &sign(&aat, &holder, &late)).unwrap_err(),
        VoucherExpired { deadline: NOW - 1 }.into()
    );
    let mut on_time = v;
    on_time.deadline = NOW;
    on_time.cumulative_amount = u(1);
    settle(&aat, provider, on_time, &sign(&aat, &holder, &on_time)).unwrap();

    // Signed by its holder, canonically.
    let invalid: Error = InvalidVoucherSignature { holder: h }.into();
    let n = alloy_primitives::uint!(
        0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141_U256
    );
    let mut high_s = signature.clone();
    let s = U256::from_be_slice(&signature[32..64]);
    high_s[32..64].copy_from_slice(&(n - s).to_be_bytes::<32>());
    high_s[64] ^= 0x03;
    for (label, bad) in [
        ("another key", sign(&aat, &mallory, &v)),
        ("high s", high_s),
        ("64 bytes", signature[..64].to_vec()),
        ("empty", vec![]),
        ("v of 0", [&signature[..64], &[0]].concat()),
    ] {
        assert_eq!(
            settle(&aat, provider, v, &bad).unwrap_err(),
            invalid,
            "{label}"
        );
    }
    // A voucher for another amount than the one signed.
    let mut forged = v;
    forged.cumulative_amount = u(9_000);
    assert_eq!(
        settle(&aat, provider, forged, &signature).unwrap_err(),
        invalid
    );

    // Spec v3's order: provider, deadline, signature, then the amount. An
    // expired forgery is expired; a forgery of what was already settled is
    // a forgery, not a harmless replay.
    assert_eq!(
        settle(&aat, mallory.address(), late, &[]).unwrap_err(),
        NotVoucherProvider {
            caller: mallory.address(),
            provider
        }
        .into()
    );
    assert_eq!(
        settle(&aat, provider, late, &[]).unwrap_err(),
        VoucherExpired { deadline: NOW - 1 }.into()
    );
    assert_eq!(
        settle(&aat, provider, on_time, &sign(&aat, &mallory, &on_time)).unwrap_err(),
        invalid
    );

    // The id's policy, as for consume.
    assert_eq!(
        aat.sender(provider)
            .settle(v, &signature, b16_model("claude-3"), FixedBytes::ZERO)
            .motsu_unwrap_err(),
        ModelMismatch {
            id,
            expected: gpt(),
            given: b16_model("claude-3")
        }
        .into()
    );
    let unknown = voucher(h, provider, u(77), 5);
    assert_eq!(
        settle(&aat, provider, unknown, &sign(&aat, &holder, &unknown)).unwrap_err(),
        UnknownToken { id: u(77) }.into()
    );
    // More than the holder has.
    let greedy = voucher(h, provider, id, 20_000);
    assert_eq!(
        settle(&aat, provider, greedy, &sign(&aat, &holder, &greedy)).unwrap_err(),
        ERC1155InsufficientBalance {
            sender: h,
            balance: u(9_998),
            needed: u(20_199),
            tokenId: id
        }
        .into(),
        "19,999 more units and their 200 fee"
    );
    assert_eq!(aat.sender(provider).balance_of(h, id), u(9_998));
    assert_eq!(aat.sender(provider).settled_amount(h, provider, id), u(1));
}

fn b16_model(name: &str) -> FixedBytes<16> {
    crate::tests::b16(name)
}

#[motsu::test]
fn scoped_and_expiring_ids_are_checked(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    uni: Address,
    student: Account,
    provider: Address,
) {
    deploy(&token, &aat, owner, treasury);
    let kind = Kind::course(uni);
    let id = issue(&aat, owner, student.address(), kind, 1_000);
    let v = voucher(student.address(), provider, id, 10);
    let signature = sign(&aat, &student, &v);
    assert_eq!(
        aat.sender(provider)
            .settle(v, &signature, gpt(), FixedBytes::ZERO)
            .motsu_unwrap_err(),
        ScopeMismatch {
            id,
            expected: cs101(),
            given: FixedBytes::ZERO
        }
        .into()
    );
    set_expiration(&aat, id, NOW, &[student.address()]);
    assert_eq!(
        aat.sender(provider)
            .settle(v, &signature, gpt(), cs101())
            .motsu_unwrap_err(),
        TokenExpired {
            id,
            expiration: NOW
        }
        .into()
    );
    set_expiration(&aat, id, NOW + 1, &[student.address()]);
    aat.sender(provider)
        .settle(v, &signature, gpt(), cs101())
        .motsu_unwrap();
}

#[motsu::test]
fn a_smart_account_pays_by_voucher_through_erc_1271(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    wallet: Contract<SmartAccount>,
    owner: Address,
    treasury: Address,
    key: Account,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, wallet.address());
    wallet.sender(owner).set_owner(key.address());
    let v = voucher(wallet.address(), provider, id, 100);
    let signature = sign(&aat, &key, &v);
    assert_eq!(
        settle(&aat, provider, v, &signature).unwrap(),
        (u(100), u(1))
    );
    let next = voucher(wallet.address(), provider, id, 200);
    let signature = sign(&aat, &key, &next);
    for mode in [1, 2] {
        wallet.sender(owner).set_mode(mode);
        assert_eq!(
            settle(&aat, provider, next, &signature).unwrap_err(),
            InvalidVoucherSignature {
                holder: wallet.address()
            }
            .into(),
            "mode {mode}"
        );
    }
    assert_eq!(
        aat.sender(provider)
            .settled_amount(wallet.address(), provider, id),
        u(100)
    );
}

#[motsu::test]
fn a_failed_fee_mint_reverts_the_settlement_and_the_batch(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    token
        .sender(owner)
        .access()
        .set_minter(aat.address(), false)
        .motsu_unwrap();
    let v = voucher(holder.address(), provider, id, 100);
    let signature = sign(&aat, &holder, &v);
    let refused = token_ai_revert(token_ai::ITokenAI::UnauthorizedMinter {
        account: aat.address(),
    });
    assert_eq!(settle(&aat, provider, v, &signature).unwrap_err(), refused);
    assert_eq!(
        aat.sender(provider)
            .settle_batch(&[v], &[&signature], gpt(), FixedBytes::ZERO)
            .motsu_unwrap_err(),
        refused
    );
    assert_eq!(
        aat.sender(provider)
            .settled_amount(holder.address(), provider, id),
        U256::ZERO
    );
    assert_eq!(
        aat.sender(provider).balance_of(holder.address(), id),
        u(10_000)
    );
}

#[motsu::test]
fn a_batch_settles_the_good_vouchers_and_reports_the_bad(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    a: Account,
    b: Account,
    c: Account,
    poor: Account,
    provider: Address,
) {
    deploy(&token, &aat, owner, treasury);
    let kind = Kind::tradable(owner);
    let id = kind.id();
    for holder in [&a, &b, &c] {
        issue(&aat, owner, holder.address(), kind, 10_000);
    }
    issue(&aat, owner, poor.address(), kind, 5);
    let course = issue(&aat, owner, c.address(), Kind::course(owner), 100);

    let good_a = voucher(a.address(), provider, id, 100);
    let good_b = voucher(b.address(), provider, id, 300);
    let expired = Voucher {
        deadline: NOW - 1,
        ..voucher(c.address(), provider, id, 10)
    };
    let forged = voucher(c.address(), provider, id, 50);
    let too_much = voucher(poor.address(), provider, id, 100);
    let scoped = voucher(c.address(), provider, course, 10);
    let unknown = voucher(c.address(), provider, u(9), 10);
    let vouchers = [good_a, expired, forged, good_b, too_much, scoped, unknown];
    let signatures: Vec<Vec<u8>> = vec![
        sign(&aat, &a, &good_a),
        sign(&aat, &c, &expired),
        sign(&aat, &a, &forged),
        sign(&aat, &b, &good_b),
        sign(&aat, &poor, &too_much),
        sign(&aat, &c, &scoped),
        sign(&aat, &c, &unknown),
    ];
    let refs: Vec<&[u8]> = signatures.iter().map(Vec::as_slice).collect();
    let (consumed, fee) = aat
        .sender(provider)
        .settle_batch(&vouchers, &refs, gpt(), FixedBytes::ZERO)
        .motsu_unwrap();
    assert_eq!((consumed, fee), (u(400), u(4)), "100 + 300, and 1 + 3");
    assert_eq!(aat.sender(provider).balance_of(a.address(), id), u(9_899));
    assert_eq!(aat.sender(provider).balance_of(b.address(), id), u(9_697));
    assert_eq!(aat.sender(provider).balance_of(c.address(), id), u(10_000));
    assert_eq!(aat.sender(provider).balance_of(poor.address(), id), u(5));
    assert_eq!(aat.sender(provider).total_supply(id), u(30_005 - 404));
    aat.assert_emitted(&FeeCollected {
        id,
        feeAmount: u(4),
        tokenAIMinted: u(4) * PRICE,
        treasury,
    });
    assert_eq!(token.sender(treasury).balance_of(treasury), u(4) * PRICE);
    let rejected = |v: &Voucher, reason: Vec<u8>| VoucherRejected {
        holder: v.holder,
        provider,
        id: v.id,
        reason: reason.into(),
    };
    aat.assert_emitted(&rejected(
        &expired,
        VoucherExpired { deadline: NOW - 1 }.abi_encode(),
    ));
    aat.assert_emitted(&rejected(
        &forged,
        InvalidVoucherSignature {
            holder: c.address(),
        }
        .abi_encode(),
    ));
    aat.assert_emitted(&rejected(
        &too_much,
        ERC1155InsufficientBalance {
            sender: poor.address(),
            balance: u(5),
            needed: u(101),
            tokenId: id,
        }
        .abi_encode(),
    ));
    aat.assert_emitted(&rejected(
        &scoped,
        ScopeMismatch {
            id: course,
            expected: cs101(),
            given: FixedBytes::ZERO,
        }
        .abi_encode(),
    ));
    aat.assert_emitted(&rejected(&unknown, UnknownToken { id: u(9) }.abi_encode()));
    let reports = aat
        .all_events()
        .iter()
        .filter(|log| log.topics()[0] == VoucherRejected::SIGNATURE_HASH)
        .count();
    assert_eq!(reports, 5, "one report per bad voucher");
}

#[motsu::test]
fn a_batch_reverts_only_for_the_callers_faults(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    provider: Address,
    other: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let mine = voucher(holder.address(), provider, id, 10);
    let theirs = voucher(holder.address(), other, id, 10);
    let (s1, s2) = (sign(&aat, &holder, &mine), sign(&aat, &holder, &theirs));
    assert_eq!(
        aat.sender(provider)
            .settle_batch(&[mine, theirs], &[&s1, &s2], gpt(), FixedBytes::ZERO)
            .motsu_unwrap_err(),
        NotVoucherProvider {
            caller: provider,
            provider: other
        }
        .into()
    );
    assert_eq!(
        aat.sender(provider)
            .settle_batch(&[mine], &[&s1, &s1], gpt(), FixedBytes::ZERO)
            .motsu_unwrap_err(),
        ERC1155InvalidArrayLength {
            idsLength: u(1),
            valuesLength: u(2)
        }
        .into()
    );
    aat.sender(owner).access().pause().motsu_unwrap();
    let paused: Error = EnforcedPause {}.into();
    assert_eq!(
        aat.sender(provider)
            .settle_batch(&[mine], &[&s1], gpt(), FixedBytes::ZERO)
            .motsu_unwrap_err(),
        paused
    );
    assert_eq!(settle(&aat, provider, mine, &s1).unwrap_err(), paused);
    aat.sender(owner).access().unpause().motsu_unwrap();
    assert_eq!(
        aat.sender(provider)
            .settle_batch(&[], &[], gpt(), FixedBytes::ZERO)
            .motsu_unwrap(),
        (U256::ZERO, U256::ZERO),
        "an empty batch settles nothing"
    );
    aat.sender(provider)
        .settle_batch(&[mine], &[&s1], gpt(), FixedBytes::ZERO)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(provider)
            .settled_amount(holder.address(), provider, id),
        u(10)
    );
}

#[motsu::test]
fn amounts_past_their_bits_overflow(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    provider: Address,
) {
    deploy(&token, &aat, owner, treasury);
    aat.sender(owner).set_fee_bps(0).motsu_unwrap();
    let huge = U256::from(1) << 97;
    let k = Kind::tradable(owner);
    let id = aat
        .sender(owner)
        .mint(
            holder.address(),
            k.pool,
            k.model,
            k.scope,
            0,
            false,
            true,
            huge,
        )
        .motsu_unwrap();
    let max96 = (U256::from(1) << 96) - U256::from(1);
    let mut v = voucher(holder.address(), provider, id, 0);
    v.cumulative_amount = max96;
    settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();
    v.cumulative_amount = max96 + U256::from(1);
    assert_eq!(
        settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap_err(),
        Error::overflow()
    );
    // A channel's units have 95 bits (the 96th flags a signer).
    let max95 = (U256::from(1) << 95) - U256::from(1);
    assert_eq!(
        aat.sender(holder.address())
            .open_channel(
                provider,
                id,
                max95 + U256::from(1),
                NOW + DAY,
                Address::ZERO
            )
            .motsu_unwrap_err(),
        Error::overflow()
    );
    aat.sender(holder.address())
        .open_channel(provider, id, max95, NOW + DAY, Address::ZERO)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(holder.address())
            .open_channel(provider, id, u(1), NOW + DAY, Address::ZERO)
            .motsu_unwrap_err(),
        Error::overflow()
    );
    assert_eq!(
        aat.sender(holder.address())
            .channel_of(holder.address(), provider, id),
        (max95, NOW + DAY, Address::ZERO),
        "the flag never set by an amount"
    );
}

// ---- channels -------------------------------------------------------------------

#[motsu::test]
fn a_channel_locks_units_for_its_provider(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    provider: Address,
    other: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let h = holder.address();
    aat.sender(h)
        .open_channel(provider, id, u(3_000), NOW + DAY, Address::ZERO)
        .motsu_unwrap();
    aat.assert_emitted(&TransferSingle {
        operator: h,
        from: h,
        to: aat.address(),
        id,
        value: u(3_000),
    });
    aat.assert_emitted(&ChannelOpened {
        holder: h,
        provider,
        id,
        locked: u(3_000),
        expiresAt: NOW + DAY,
        signer: Address::ZERO,
    });
    assert_eq!(
        aat.sender(h).channel_of(h, provider, id),
        (u(3_000), NOW + DAY, Address::ZERO)
    );
    assert_eq!(aat.sender(h).balance_of(h, id), u(7_000));
    assert_eq!(aat.sender(h).balance_of(aat.address(), id), u(3_000));
    assert_eq!(aat.sender(h).total_supply(id), u(10_000));

    // Top-up and extension; the expiry never moves earlier.
    aat.sender(h)
        .open_channel(provider, id, u(1_000), NOW + 2 * DAY, Address::ZERO)
        .motsu_unwrap();
    aat.assert_emitted(&ChannelOpened {
        holder: h,
        provider,
        id,
        locked: u(4_000),
        expiresAt: NOW + 2 * DAY,
        signer: Address::ZERO,
    });
    aat.sender(h)
        .open_channel(provider, id, u(1), NOW + 2 * DAY, Address::ZERO)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(h)
            .open_channel(provider, id, u(1), NOW + DAY, Address::ZERO)
            .motsu_unwrap_err(),
        ChannelExpiryInvalid {
            expiresAt: NOW + DAY
        }
        .into()
    );
    assert_eq!(
        aat.sender(h).channel_of(h, provider, id),
        (u(4_001), NOW + 2 * DAY, Address::ZERO)
    );

    // Only this provider's vouchers draw on it, channel first.
    let v = voucher(h, provider, id, 100);
    settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();
    assert_eq!(aat.sender(h).channel_of(h, provider, id).0, u(3_900));
    assert_eq!(aat.sender(h).balance_of(h, id), u(5_999), "untouched");
    aat.assert_emitted(&TransferSingle {
        operator: provider,
        from: aat.address(),
        to: Address::ZERO,
        id,
        value: u(101),
    });
    let w = voucher(h, other, id, 100);
    settle(&aat, other, w, &sign(&aat, &holder, &w)).unwrap();
    assert_eq!(aat.sender(h).channel_of(h, provider, id).0, u(3_900));
    assert_eq!(aat.sender(h).balance_of(h, id), u(5_898));

    // Both: what the channel lacks comes from the balance.
    let v = voucher(h, provider, id, 4_000);
    let (consumed, fee) = settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();
    assert_eq!((consumed, fee), (u(3_900), u(39)));
    assert_eq!(aat.sender(h).channel_of(h, provider, id).0, U256::ZERO);
    assert_eq!(aat.sender(h).balance_of(h, id), u(5_898 - 39));
    aat.assert_emitted(&TransferSingle {
        operator: provider,
        from: h,
        to: Address::ZERO,
        id,
        value: u(39),
    });
    assert_eq!(aat.sender(h).balance_of(aat.address(), id), U256::ZERO);
}

#[motsu::test]
fn opening_a_channel_checks_its_terms(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    uni: Address,
    holder: Address,
    provider: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder);
    let open = |provider, id, amount, expires_at| {
        aat.sender(holder)
            .open_channel(provider, id, amount, expires_at, Address::ZERO)
            .motsu_unwrap_err()
    };
    assert_eq!(
        open(provider, id, U256::ZERO, NOW + DAY),
        ZeroAmount {}.into()
    );
    assert_eq!(
        open(Address::ZERO, id, u(1), NOW + DAY),
        ZeroAddress {}.into()
    );
    assert_eq!(
        open(provider, u(5), u(1), NOW + DAY),
        UnknownToken { id: u(5) }.into()
    );
    for past in [NOW, NOW - 1] {
        assert_eq!(
            open(provider, id, u(1), past),
            ChannelExpiryInvalid { expiresAt: past }.into()
        );
    }
    assert_eq!(
        open(provider, id, u(10_001), NOW + DAY),
        ERC1155InsufficientBalance {
            sender: holder,
            balance: u(10_000),
            needed: u(10_001),
            tokenId: id
        }
        .into()
    );
    // A channel on an expiring id ends by the id's expiration.
    let course = issue(&aat, owner, holder, Kind::course(uni), 100);
    let expiration = Kind::course(uni).expiration;
    assert_eq!(
        open(provider, course, u(1), expiration + 1),
        ChannelExpiryInvalid {
            expiresAt: expiration + 1
        }
        .into()
    );
    aat.sender(holder)
        .open_channel(provider, course, u(10), expiration, Address::ZERO)
        .motsu_unwrap();
    set_expiration(&aat, course, NOW, &[holder]);
    assert_eq!(
        open(provider, course, u(1), NOW + 1),
        TokenExpired {
            id: course,
            expiration: NOW
        }
        .into()
    );
    aat.sender(owner).access().pause().motsu_unwrap();
    assert_eq!(open(provider, id, u(1), NOW + DAY), EnforcedPause {}.into());
}

#[motsu::test]
fn non_tradable_units_lock_but_still_do_not_trade(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    uni: Address,
    student: Account,
    provider: Address,
) {
    deploy(&token, &aat, owner, treasury);
    let other = Address::with_last_byte(0x0e);
    let s = student.address();
    let id = issue(&aat, owner, s, Kind::course(uni), 1_000);
    aat.sender(s)
        .open_channel(provider, id, u(500), NOW + DAY, Address::ZERO)
        .motsu_unwrap();
    let v = voucher(s, provider, id, 100);
    // Signed first: signing reads the domain through a call of its own.
    let signature = sign(&aat, &student, &v);
    aat.sender(provider)
        .settle(v, &signature, gpt(), cs101())
        .motsu_unwrap();
    assert_eq!(
        aat.sender(s)
            .safe_transfer_from(s, other, id, u(1), &[])
            .motsu_unwrap_err(),
        TokenNotTradable { id }.into()
    );
    aat.sender(provider)
        .close_channel(s, provider, id)
        .motsu_unwrap();
    assert_eq!(aat.sender(s).balance_of(s, id), u(1_000 - 101));
}

#[motsu::test]
fn who_may_close_a_channel_and_when(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    owner: Address,
    treasury: Address,
    holder: Account,
    provider: Address,
    stranger: Address,
) {
    let id = setup(&token, &aat, owner, treasury, holder.address());
    let h = holder.address();
    assert_eq!(
        aat.sender(provider)
            .close_channel(h, provider, id)
            .motsu_unwrap_err(),
        NoChannel {
            holder: h,
            provider,
            id
        }
        .into()
    );
    aat.sender(h)
        .open_channel(provider, id, u(2_000), NOW + DAY, Address::ZERO)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(stranger)
            .close_channel(h, provider, id)
            .motsu_unwrap_err(),
        ChannelNotClosable {
            caller: stranger,
            expiresAt: NOW + DAY
        }
        .into()
    );
    assert_eq!(
        aat.sender(h)
            .close_channel(h, provider, id)
            .motsu_unwrap_err(),
        ChannelNotClosable {
            caller: h,
            expiresAt: NOW + DAY
        }
        .into(),
        "not even the holder before expiry"
    );
    let v = voucher(h, provider, id, 500);
    settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();

    // The provider closes at any time, even while paused.
    aat.sender(owner).access().pause().motsu_unwrap();
    assert_eq!(
        aat.sender(provider)
            .close_channel(h, provider, id)
            .motsu_unwrap(),
        u(1_495)
    );
    aat.assert_emitted(&ChannelClosed {
        holder: h,
        provider,
        id,
        returned: u(1_495),
    });
    aat.assert_emitted(&TransferSingle {
        operator: provider,
        from: aat.address(),
        to: h,
        id,
        value: u(1_495),
    });
    assert_eq!(
        aat.sender(h).channel_of(h, provider, id),
        (U256::ZERO, 0, Address::ZERO)
    );
    assert_eq!(aat.sender(h).balance_of(h, id), u(10_000 - 505));
    assert_eq!(
        aat.sender(h).settled_amount(h, provider, id),
        u(500),
        "what was settled stays settled"
    );
    aat.sender(owner).access().unpause().motsu_unwrap();

    // After expiry anyone may close it; an expired channel draws nothing.
    aat.sender(h)
        .open_channel(provider, id, u(100), NOW + 1, Address::ZERO)
        .motsu_unwrap();
    expire_channel(&aat, h, provider, id);
    let v = voucher(h, provider, id, 600);
    settle(&aat, provider, v, &sign(&aat, &holder, &v)).unwrap();
    assert_eq!(
        aat.sender(h).channel_of(h, provider, id).0,
        u(100),
        "expired: untouched"
    );
    assert_eq!(
        aat.sender(stranger)
            .close_channel(h, provider, id)
            .motsu_unwrap(),
        u(100)
    );
    assert_eq!(aat.sender(h).balance_of(h, id), u(10_000 - 505 - 101));
}

// ---- invariants over random operation sequences -----------------------------------

/// Over 5,000 random operations mixing every balance-moving function with
/// vouchers (valid, forged, replayed, older, for the wrong provider, signed
/// by a session key) and channels (with and without a signer, to oneself),
/// and reclaims aimed at this contract's escrow, by random callers: each
/// id's supply is the sum of all balances (this contract's included); this
/// contract's balance of an id is the sum of its channels' locked units;
/// settled amounts only grow; a holder's units leave it only by its own
/// call, an operator it approved, its pool's reclaim, or a voucher it
/// signed; a session key's voucher settles only while the holder's open
/// channel names it, and the holder's own only while it names none. A
/// reverted call changes nothing.
#[motsu::test]
fn pay_per_use_invariants_hold_over_random_sequences(
    owner: Address,
    treasury: Address,
    uni: Account,
    a: Account,
    b: Account,
    c: Account,
    session: Account,
) {
    use abi_core::testing::Rng;

    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let (mut succeeded, mut settlements, mut rejected) = (0, 0, 0);
    let mut by_session_keys = 0;
    // Ten rounds of 500 operations, each on fresh contracts: motsu copies
    // every event so far on every call, which would make one long run
    // quadratic.
    for round in 0..10 {
        let (token, aat) = (Contract::<TokenAI>::random(), Contract::<AAT>::random());

        deploy(&token, &aat, owner, treasury);
        aat.sender(owner).set_fee_bps(250).motsu_unwrap();
        let accounts = [&uni, &a, &b, &c];
        let holders: Vec<Address> = accounts.iter().map(|x| x.address()).collect();
        let providers = [Address::with_last_byte(0xB1), Address::with_last_byte(0xB2)];
        // b approved c as its operator.
        aat.sender(holders[2])
            .set_approval_for_all(holders[3], true)
            .motsu_unwrap();
        let kinds = [Kind::tradable(owner), Kind::course(holders[0])];
        let ids: Vec<U256> = kinds.iter().map(|k| k.id()).collect();
        for kind in &kinds {
            for h in &holders {
                issue(&aat, owner, *h, *kind, 5_000);
            }
        }
        let everyone: Vec<Address> = holders
            .iter()
            .chain(providers.iter())
            .copied()
            .chain([aat.address()])
            .collect();
        let balances = |aat: &Contract<AAT>| -> Vec<U256> {
            let view = aat.sender(owner);
            ids.iter()
                .flat_map(|id| everyone.iter().map(move |h| (*id, *h)))
                .map(|(id, h)| view.balance_of(h, id))
                .collect()
        };
        let mut settled = std::collections::HashMap::new();
        for step in (0..500).map(|i| round * 500 + i) {
            let k = rng.below(2) as usize;
            let (kind, id) = (kinds[k], ids[k]);
            let (x, y) = (rng.below(4) as usize, rng.below(4) as usize);
            let caller = holders[rng.below(4) as usize];
            let provider = providers[rng.below(2) as usize];
            let amount = u(rng.below(200));
            let before = balances(&aat);
            // Holders whose units this operation may take.
            let mut may_take: Vec<Address> = vec![caller];
            if caller == holders[3] {
                may_take.push(holders[2]);
            }
            let result = match rng.below(11) {
                0 => aat
                    .sender(owner)
                    .mint(
                        holders[x],
                        kind.pool,
                        kind.model,
                        kind.scope,
                        kind.expiration,
                        kind.reclaimable,
                        kind.tradable,
                        amount,
                    )
                    .map(drop)
                    .motsu_res(),
                1 => aat
                    .sender(caller)
                    .safe_transfer_from(holders[x], holders[y], id, amount, &[])
                    .motsu_res(),
                2 => aat
                    .sender(caller)
                    .consume(holders[x], id, amount, kind.model, kind.scope)
                    .map(drop)
                    .motsu_res(),
                3 if rng.below(4) == 0 => {
                    // The escrow is no pool's to reclaim.
                    let escrow = aat.address();
                    let result = aat.sender(caller).reclaim(escrow, id, crate::RECLAIM_ALL);
                    let refused = result.motsu_res().map(drop);
                    if caller == kind.pool && !aat.sender(owner).access().paused() {
                        assert_eq!(
                            refused,
                            Err(IAAT::ERC1155InvalidSender { sender: escrow }.into()),
                            "step {step}"
                        );
                    }
                    refused
                }
                3 => {
                    if caller == kind.pool {
                        may_take.push(holders[x]);
                    }
                    aat.sender(caller)
                        .reclaim(holders[x], id, amount)
                        .map(drop)
                        .motsu_res()
                }
                4 => aat
                    .sender(caller)
                    .swap(holders[x], id, amount, holders[y], ids[1 - k], u(7))
                    .motsu_res(),
                5 => {
                    let to_self = rng.below(10) == 0;
                    // Half the (holder, provider) pairs delegate to the session
                    // key; now and then a top-up names the other signer.
                    let pair = holders.iter().position(|h| *h == caller).unwrap()
                        + providers.iter().position(|p| *p == provider).unwrap();
                    let signers = [session.address(), Address::ZERO];
                    let signer = signers[(pair + usize::from(rng.below(8) == 0)) % 2];
                    let provider = if to_self { caller } else { provider };
                    let result = aat
                        .sender(caller)
                        .open_channel(provider, id, amount, NOW + 1 + rng.below(3) * DAY, signer)
                        .motsu_res();
                    if to_self && !amount.is_zero() && !aat.sender(owner).access().paused() {
                        assert_eq!(
                            result,
                            Err(IAAT::InvalidChannelProvider { provider }.into()),
                            "step {step}"
                        );
                    }
                    result
                }
                6 => {
                    let closer = if rng.below(3) == 0 { caller } else { provider };
                    aat.sender(closer)
                        .close_channel(holders[x], provider, id)
                        .map(drop)
                        .motsu_res()
                }
                7 | 8 => {
                    // A voucher from holder x, signed by x (or, a quarter of the
                    // time, by someone else, or by the session key), for a total
                    // around what was settled.
                    let (_, expires_at, named) =
                        aat.sender(owner).channel_of(holders[x], provider, id);
                    let delegated = expires_at > NOW && !named.is_zero();
                    // Mostly the key that may sign, else another.
                    let session_key = accounts.len();
                    let (rightful, other) = if delegated {
                        (session_key, x)
                    } else {
                        (x, session_key)
                    };
                    let signer = match rng.below(8) {
                        0 | 1 => y,
                        2 => other,
                        _ => rightful,
                    };
                    let key = (holders[x], provider, id);
                    let base = settled.get(&key).copied().unwrap_or(U256::ZERO);
                    let total = (base + amount).saturating_sub(u(rng.below(60)));
                    let v = Voucher {
                        cumulative_amount: total,
                        ..voucher(holders[x], provider, id, 0)
                    };
                    let by_session = signer == session_key;
                    let signer_key = if by_session {
                        &session
                    } else {
                        accounts[signer]
                    };
                    let signature = sign(&aat, signer_key, &v);
                    if signer == x {
                        may_take.push(holders[x]);
                    }
                    let submitter = if rng.below(5) == 0 { caller } else { provider };
                    if rng.below(2) == 0 {
                        let result = aat
                            .sender(submitter)
                            .settle(v, &signature, kind.model, kind.scope)
                            .motsu_res()
                            .map(drop);
                        let wrong_key = if delegated {
                            !by_session || named != session.address()
                        } else {
                            by_session
                        };
                        by_session_keys += usize::from(by_session && result.is_ok());
                        let paused = aat.sender(owner).access().paused();
                        if wrong_key && submitter == provider && !paused {
                            assert_eq!(
                                result,
                                Err(InvalidVoucherSignature { holder: holders[x] }.into()),
                                "step {step}: only the channel's signer signs"
                            );
                        }
                        result
                    } else {
                        let (x2, s2) = (rng.below(4) as usize, rng.below(4) as usize);
                        let w = Voucher {
                            cumulative_amount: u(rng.below(3_000)),
                            ..voucher(holders[x2], provider, id, 0)
                        };
                        let w_signature = sign(&aat, accounts[s2], &w);
                        if s2 == x2 {
                            may_take.push(holders[x2]);
                        }
                        let result = aat
                            .sender(submitter)
                            .settle_batch(
                                &[v, w],
                                &[&signature, &w_signature],
                                kind.model,
                                kind.scope,
                            )
                            .map(drop)
                            .motsu_res();
                        result
                    }
                }
                9 => aat
                    .sender(caller)
                    .safe_batch_transfer_from(
                        holders[x],
                        holders[y],
                        vec![id, ids[1 - k]],
                        vec![amount, u(3)],
                        &[],
                    )
                    .motsu_res(),
                _ => {
                    let result = if aat.sender(owner).access().paused() {
                        aat.sender(owner).access().unpause()
                    } else if rng.below(4) == 0 {
                        aat.sender(owner).access().pause()
                    } else {
                        Ok(())
                    };
                    result.motsu_res()
                }
            };
            // (motsu rolls a failed call back when its result is taken, so each
            // arm takes its call's result at once, before any other call.)
            let after = balances(&aat);
            if result.is_err() {
                assert_eq!(
                    before, after,
                    "step {step}: a reverted call moved a balance"
                );
            } else {
                succeeded += 1;
                for (i, (was, is)) in before.iter().zip(&after).enumerate() {
                    let who = everyone[i % everyone.len()];
                    if is < was && holders.contains(&who) {
                        assert!(
                            may_take.contains(&who),
                            "step {step}: {who} lost units without consent"
                        );
                    }
                }
            }
            // The whole-state invariants every 10 steps (and at the end): each
            // check is a few dozen calls.
            if step % 10 != 9 {
                continue;
            }
            for (ki, id) in ids.iter().enumerate() {
                let row = &after[ki * everyone.len()..(ki + 1) * everyone.len()];
                let sum = row.iter().fold(U256::ZERO, |acc, v| acc + v);
                assert_eq!(
                    sum,
                    aat.sender(owner).total_supply(*id),
                    "step {step}: supply"
                );
                let locked = holders
                    .iter()
                    .flat_map(|h| providers.iter().map(move |p| (*h, *p)))
                    .fold(U256::ZERO, |acc, (h, p)| {
                        acc + aat.sender(owner).channel_of(h, p, *id).0
                    });
                assert_eq!(
                    row[everyone.len() - 1],
                    locked,
                    "step {step}: this contract holds exactly what channels lock"
                );
                for h in &holders {
                    for p in &providers {
                        let now = aat.sender(owner).settled_amount(*h, *p, *id);
                        let was = settled.insert((*h, *p, *id), now).unwrap_or(U256::ZERO);
                        assert!(now >= was, "step {step}: a settled amount went down");
                        settlements += usize::from(now > was);
                    }
                }
            }
        }
        // What the batches reported, from the round's events.
        rejected += aat
            .all_events()
            .iter()
            .filter(|log| log.topics()[0] == VoucherRejected::SIGNATURE_HASH)
            .count();
    }
    assert!(succeeded > 1_500, "only {succeeded} operations succeeded");
    assert!(settlements > 250, "only {settlements} settlements");
    assert!(
        by_session_keys > 20,
        "only {by_session_keys} vouchers settled by session keys"
    );
    assert!(
        rejected > 100,
        "only {rejected} vouchers rejected in batches"
    );
}
