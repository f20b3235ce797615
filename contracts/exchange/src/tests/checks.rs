//! Every error a fill can raise, with its exact arguments, in the spec's
//! order (each test breaks one check and leaves the later ones broken too,
//! so that the first one is the one reported), the errors of AAT and
//! TokenAI passed up unchanged, and ERC-1271 makers.

use aat::IAAT::{ERC1155InsufficientBalance, ERC1155MissingApprovalForAll, TokenNotTradable};
use abi_core::access::OwnPause;
use abi_core::testing::SmartAccount;
use alloy_primitives::{Address, U256};
use motsu::prelude::*;
use token_ai::ITokenAI::{ERC20InsufficientAllowance, ERC20InsufficientBalance};

use super::*;
use crate::IAATExchange::{
    ERC1155InvalidArrayLength, EnforcedPause, FillExceedsRemaining, InvalidOrder,
    InvalidOrderSignature, NotOrderTaker, OrderExpired, OrderIsCancelled, OrderNonceTooLow,
    ZeroAmount,
};

/// A market with a funded maker and taker, and the maker's ask of 100 GPT
/// units for 1,000 TokenAI.
fn ask(m: &Market<'_>, maker: &Account, taker: Address) -> (Order, Vec<u8>) {
    m.fund(maker.address());
    m.fund(taker);
    let ask = order(maker.address(), m.gpt, 100, U256::ZERO, 1_000);
    let signature = m.sign(maker, &ask);
    (ask, signature)
}

/// Nothing moved and nothing was recorded.
fn assert_untouched(m: &Market<'_>, o: &Order, maker: Address, taker: Address) {
    assert_eq!(m.exchange.sender(taker).filled(m.hash(o)), U256::ZERO);
    assert_eq!(m.aat_of(maker, m.gpt), u(FUNDS));
    assert_eq!(m.aat_of(taker, m.gpt), u(FUNDS));
    assert_eq!(m.tai_of(maker), u(FUNDS));
    assert_eq!(m.tai_of(taker), u(FUNDS));
    assert_eq!(m.tai_of(m.treasury), U256::ZERO);
}

#[motsu::test]
fn checks_come_in_the_spec_order(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
    stranger: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let (good, _) = ask(&m, &maker, taker);
    let forged = m.sign(&Account::from_seed("forger"), &good);
    // Everything wrong at once, then mended one check at a time.
    let mut o = Order {
        give_amount: U256::ZERO,
        taker: stranger,
        expiry: NOW,
        nonce: 0,
        ..good
    };
    exchange.sender(owner).pause().motsu_unwrap();
    let fill = |o: &Order, signature: &[u8], give_fill| m.fill(taker, o, signature, give_fill);
    assert_eq!(fill(&o, &forged, 0), Err(EnforcedPause {}.into()));
    exchange.sender(owner).unpause().motsu_unwrap();
    assert_eq!(
        fill(&o, &forged, 0),
        Err(InvalidOrder {
            orderHash: m.hash(&o)
        }
        .into())
    );
    o.give_amount = u(100);
    assert_eq!(
        fill(&o, &forged, 0),
        Err(NotOrderTaker {
            caller: taker,
            taker: stranger
        }
        .into())
    );
    o.taker = taker;
    exchange.sender(maker.address()).cancel(&[o]).motsu_unwrap();
    exchange
        .sender(maker.address())
        .cancel_up_to(5)
        .motsu_unwrap();
    assert_eq!(
        fill(&o, &forged, 0),
        Err(OrderIsCancelled {
            orderHash: m.hash(&o)
        }
        .into())
    );
    o.expiry = NOW - 1; // another order: not cancelled
    assert_eq!(
        fill(&o, &forged, 0),
        Err(OrderNonceTooLow {
            orderHash: m.hash(&o),
            nonce: 0,
            minNonce: 5
        }
        .into())
    );
    o.nonce = 5;
    assert_eq!(
        fill(&o, &forged, 0),
        Err(OrderExpired {
            orderHash: m.hash(&o),
            expiry: NOW - 1
        }
        .into())
    );
    o.expiry = NOW;
    assert_eq!(
        fill(&o, &forged, 0),
        Err(OrderExpired {
            orderHash: m.hash(&o),
            expiry: NOW
        }
        .into()),
        "fillable only while block.timestamp < expiry"
    );
    o.expiry = NOW + 1;
    assert_eq!(
        fill(&o, &forged, 0),
        Err(InvalidOrderSignature {
            maker: maker.address()
        }
        .into())
    );
    let signed = m.sign(&maker, &o);
    assert_eq!(fill(&o, &signed, 0), Err(ZeroAmount {}.into()));
    assert_eq!(
        fill(&o, &signed, 101),
        Err(FillExceedsRemaining {
            orderHash: m.hash(&o),
            giveFill: u(101),
            remaining: u(100)
        }
        .into())
    );
    assert_untouched(&m, &o, maker.address(), taker);
    assert_eq!(fill(&o, &signed, 100), Ok(u(1_000)));
}

#[motsu::test]
fn malformed_orders_are_invalid(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let (good, _) = ask(&m, &maker, taker);
    for bad in [
        Order {
            give_id: U256::ZERO,
            want_id: U256::ZERO,
            ..good
        },
        Order {
            want_id: m.gpt,
            ..good
        },
        Order {
            want_amount: U256::ZERO,
            ..good
        },
        Order {
            give_amount: U256::ZERO,
            ..good
        },
    ] {
        let signature = m.sign(&maker, &bad);
        assert_eq!(
            m.fill(taker, &bad, &signature, 1),
            Err(InvalidOrder {
                orderHash: m.hash(&bad)
            }
            .into())
        );
        assert_eq!(exchange.sender(taker).remaining(&bad), U256::ZERO);
    }
}

#[motsu::test]
fn signatures_must_be_the_makers_and_canonical(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let (o, signature) = ask(&m, &maker, taker);
    let refused = Err(InvalidOrderSignature {
        maker: maker.address(),
    }
    .into());
    let other = Order { nonce: 1, ..o };
    assert_eq!(
        m.fill(taker, &other, &signature, 1),
        refused,
        "another order"
    );
    let mut zero_one = signature.clone();
    zero_one[64] -= 27;
    assert_eq!(m.fill(taker, &o, &zero_one, 1), refused, "v as 0 or 1");
    assert_eq!(m.fill(taker, &o, &signature[..64], 1), refused, "64 bytes");
    assert_eq!(m.fill(taker, &o, &[], 1), refused, "none");
    let anonymous = Order {
        maker: Address::ZERO,
        ..o
    };
    assert_eq!(
        m.fill(taker, &anonymous, &signature, 1),
        Err(InvalidOrderSignature {
            maker: Address::ZERO
        }
        .into()),
        "the zero address never signs"
    );
}

#[motsu::test]
fn an_erc1271_maker_signs_through_its_wallet(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    wallet: Contract<SmartAccount>,
    owner: Address,
    treasury: Address,
    key: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    wallet.sender(owner).set_owner(key.address());
    m.fund(wallet.address());
    m.fund(taker);
    let bid = order(wallet.address(), U256::ZERO, 1_000, m.gpt, 10);
    let signature = m.sign(&key, &bid);
    m.fill(taker, &bid, &signature, 500).motsu_unwrap();
    assert_eq!(m.aat_of(wallet.address(), m.gpt), u(FUNDS + 5));
    let refused = Err(InvalidOrderSignature {
        maker: wallet.address(),
    }
    .into());
    let by_stranger = m.sign(&Account::from_seed("stranger"), &bid);
    assert_eq!(m.fill(taker, &bid, &by_stranger, 1), refused);
    for mode in [1, 2] {
        wallet.sender(owner).set_mode(mode);
        assert_eq!(m.fill(taker, &bid, &signature, 1), refused, "mode {mode}");
    }
}

#[motsu::test]
fn errors_of_aat_and_token_ai_pass_up_unchanged(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
    poor: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let (o, signature) = ask(&m, &maker, taker);
    let (operator, maker_address) = (exchange.address(), maker.address());

    // The taker has no allowance left: TokenAI's own error.
    token.sender(taker).approve(operator, u(10)).motsu_unwrap();
    let proceeds = u(100) - fee_of(u(100), FEE_BPS);
    assert_eq!(
        m.fill(taker, &o, &signature, 10),
        Err(passed_up(ERC20InsufficientAllowance {
            spender: operator,
            allowance: u(10),
            needed: proceeds,
        }))
    );
    assert_untouched(&m, &o, maker_address, taker);
    m.approve(taker);

    // A taker without TokenAI.
    m.approve(poor);
    assert_eq!(
        m.fill(poor, &o, &signature, 10),
        Err(passed_up(ERC20InsufficientBalance {
            sender: poor,
            balance: U256::ZERO,
            needed: proceeds,
        }))
    );

    // The maker withdrew its approval: AAT's own error.
    aat.sender(maker_address)
        .set_approval_for_all(operator, false)
        .motsu_unwrap();
    assert_eq!(
        m.fill(taker, &o, &signature, 10),
        Err(passed_up(ERC1155MissingApprovalForAll {
            operator,
            owner: maker_address,
        }))
    );
    m.approve(maker_address);

    // The maker moved its units away.
    aat.sender(maker_address)
        .safe_transfer_from(maker_address, poor, m.gpt, u(FUNDS - 5), &[])
        .motsu_unwrap();
    assert_eq!(
        m.fill(taker, &o, &signature, 10),
        Err(passed_up(ERC1155InsufficientBalance {
            sender: maker_address,
            balance: u(5),
            needed: u(10),
            tokenId: m.gpt,
        }))
    );
    assert_eq!(exchange.sender(taker).filled(m.hash(&o)), U256::ZERO);
    assert_eq!(
        exchange.sender(taker).remaining(&o),
        u(100),
        "balances are not looked at"
    );

    // AAT paused: its own EnforcedPause.
    aat.sender(owner).access().pause().motsu_unwrap();
    let bid = order(maker_address, U256::ZERO, 100, m.gpt, 10);
    let bid_signature = m.sign(&maker, &bid);
    assert_eq!(
        m.fill(taker, &bid, &bid_signature, 10),
        Err(passed_up(aat::IAAT::EnforcedPause {}))
    );
}

#[motsu::test]
fn aats_transfer_policy_applies(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    m.fund(maker.address());
    m.fund(taker);
    // The course credit moves only from or to its pool: not between these two.
    aat.sender(m.pool)
        .safe_transfer_from(m.pool, maker.address(), m.course, u(1), &[])
        .motsu_unwrap();
    let ask = order(maker.address(), m.course, 1, U256::ZERO, 10);
    let signature = m.sign(&maker, &ask);
    assert_eq!(
        m.fill(taker, &ask, &signature, 1),
        Err(passed_up(TokenNotTradable { id: m.course }))
    );
    let swap = order(maker.address(), m.course, 1, m.gpt, 10);
    let signature = m.sign(&maker, &swap);
    assert_eq!(
        m.fill(taker, &swap, &signature, 1),
        Err(passed_up(TokenNotTradable { id: m.course }))
    );
    assert_eq!(m.aat_of(maker.address(), m.course), u(1));
}

#[motsu::test]
fn batch_arrays_must_have_one_length(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let (o, signature) = ask(&m, &maker, taker);
    let mismatch = |a: usize, b: usize| {
        Err(ERC1155InvalidArrayLength {
            idsLength: u(a as u64),
            valuesLength: u(b as u64),
        }
        .into())
    };
    let batch = |orders: &[Order], signatures: &[&[u8]], fills: &[U256]| {
        exchange
            .sender(taker)
            .fill_batch(orders, signatures, fills)
            .motsu_res()
    };
    assert_eq!(batch(&[o], &[], &[u(1)]), mismatch(1, 0));
    assert_eq!(batch(&[o], &[&signature], &[]), mismatch(1, 0));
    assert_eq!(
        batch(&[o], &[&signature, &signature], &[u(1)]),
        mismatch(1, 2)
    );
    exchange.sender(owner).pause().motsu_unwrap();
    assert_eq!(
        batch(&[o], &[&signature], &[u(1)]),
        Err(EnforcedPause {}.into())
    );
}

/// A price past 2^256 reverts as Solidity's checked arithmetic does, after
/// every check and before anything is written.
#[motsu::test]
fn a_price_that_overflows_reverts_with_panic_0x11(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let (_, _) = ask(&m, &maker, taker);
    let greedy = Order {
        want_amount: U256::MAX,
        ..order(maker.address(), m.gpt, 2, U256::ZERO, 0)
    };
    let signature = m.sign(&maker, &greedy);
    assert_eq!(
        m.fill(taker, &greedy, &signature, 2),
        Err(Error::overflow())
    );
    assert_untouched(&m, &greedy, maker.address(), taker);
}

/// `pause()` and `unpause()` as a wallet sends them, through the router,
/// switch the flag fills read (the exchange's own, beside AAT's address,
/// not `Access`'s, which the exchange leaves unused).
#[motsu::test]
fn pausing_by_calldata_stops_fills_and_unpausing_resumes_them(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Account,
    taker: Address,
) {
    use abi_core::testing::call_router;
    use alloy_sol_types::SolCall;

    use crate::IAATExchange::{pauseCall, pausedCall, unpauseCall};

    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let (o, signature) = ask(&m, &maker, taker);
    let send =
        |calldata: Vec<u8>| call_router(&mut *exchange.sender(owner), &calldata).expect("routed");
    send(pauseCall {}.abi_encode()).expect("the owner pauses");
    let paused = send(pausedCall {}.abi_encode()).expect("a view");
    assert!(pausedCall::abi_decode_returns(&paused, true).unwrap()._0);
    assert_eq!(
        m.fill(taker, &o, &signature, 10),
        Err(EnforcedPause {}.into())
    );
    assert_untouched(&m, &o, maker.address(), taker);
    send(unpauseCall {}.abi_encode()).expect("the owner unpauses");
    assert_eq!(m.fill(taker, &o, &signature, 10), Ok(u(100)));
}
