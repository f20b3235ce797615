//! Cancelling orders one by one and by nonce floor, also while paused; what
//! `remaining`, `filled`, `cancelled` and `minNonce` answer; the order
//! hash and the domain as EIP-712 and ERC-5267 define them.

use abi_core::access::OwnPause;
use alloy_primitives::{keccak256, Address, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolStruct};
use motsu::prelude::*;

use super::*;
use crate::IAATExchange::{
    MinNonceNotRaised, MinNonceRaised, NotOrderMaker, OrderCancelled, OrderIsCancelled,
    OrderNonceTooLow,
};

#[motsu::test]
fn a_maker_cancels_its_orders_even_while_paused(
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
    let first = order(maker.address(), m.gpt, 100, U256::ZERO, 1_000);
    let second = Order { nonce: 1, ..first };
    let signature = m.sign(&maker, &first);
    m.fill(taker, &first, &signature, 30).motsu_unwrap();
    exchange.sender(owner).pause().motsu_unwrap();
    exchange
        .sender(maker.address())
        .cancel(&[first, second])
        .motsu_unwrap();
    for o in [first, second] {
        let hash = m.hash(&o);
        assert!(exchange.sender(taker).cancelled(hash));
        assert_eq!(exchange.sender(taker).remaining(&o), U256::ZERO);
        exchange.assert_emitted(&OrderCancelled {
            orderHash: hash,
            maker: maker.address(),
        });
    }
    assert_eq!(exchange.sender(taker).filled(m.hash(&first)), u(30), "kept");
    // Twice is harmless.
    exchange
        .sender(maker.address())
        .cancel(&[first])
        .motsu_unwrap();
    exchange.sender(owner).unpause().motsu_unwrap();
    assert_eq!(
        m.fill(taker, &first, &signature, 1),
        Err(OrderIsCancelled {
            orderHash: m.hash(&first)
        }
        .into())
    );
}

#[motsu::test]
fn only_the_maker_cancels(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Address,
    mallory: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let mine = order(mallory, m.gpt, 1, U256::ZERO, 1);
    let theirs = order(maker, m.gpt, 1, U256::ZERO, 1);
    assert_eq!(
        exchange
            .sender(mallory)
            .cancel(&[mine, theirs])
            .motsu_unwrap_err(),
        NotOrderMaker {
            caller: mallory,
            maker
        }
        .into()
    );
    assert!(!exchange.sender(maker).cancelled(m.hash(&theirs)));
    assert!(
        !exchange.sender(maker).cancelled(m.hash(&mine)),
        "the whole call reverted"
    );
    exchange.sender(mallory).cancel(&[]).motsu_unwrap();
}

#[motsu::test]
fn the_nonce_floor_only_grows_and_voids_what_is_below(
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
    let maker_address = maker.address();
    assert_eq!(exchange.sender(taker).min_nonce(maker_address), 0);
    exchange.sender(owner).pause().motsu_unwrap();
    exchange
        .sender(maker_address)
        .cancel_up_to(3)
        .motsu_unwrap();
    exchange.sender(owner).unpause().motsu_unwrap();
    exchange.assert_emitted(&MinNonceRaised {
        maker: maker_address,
        minNonce: 3,
    });
    assert_eq!(exchange.sender(taker).min_nonce(maker_address), 3);
    for (given, current) in [(3, 3), (2, 3), (0, 3)] {
        assert_eq!(
            exchange
                .sender(maker_address)
                .cancel_up_to(given)
                .motsu_unwrap_err(),
            MinNonceNotRaised { current, given }.into()
        );
    }
    let void = Order {
        nonce: 2,
        ..order(maker_address, m.gpt, 10, U256::ZERO, 10)
    };
    let live = Order { nonce: 3, ..void };
    assert_eq!(exchange.sender(taker).remaining(&void), U256::ZERO);
    assert_eq!(exchange.sender(taker).remaining(&live), u(10));
    assert_eq!(
        m.fill(taker, &void, &m.sign(&maker, &void), 1),
        Err(OrderNonceTooLow {
            orderHash: m.hash(&void),
            nonce: 2,
            minNonce: 3
        }
        .into())
    );
    m.fill(taker, &live, &m.sign(&maker, &live), 1)
        .motsu_unwrap();
    exchange
        .sender(maker_address)
        .cancel_up_to(u64::MAX)
        .motsu_unwrap();
    assert_eq!(exchange.sender(taker).remaining(&live), U256::ZERO);
    assert_eq!(
        exchange.sender(taker).min_nonce(taker),
        0,
        "floors are per maker"
    );
}

#[motsu::test]
fn remaining_is_zero_once_expired(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let o = order(maker, m.gpt, 10, U256::ZERO, 10);
    for (expiry, remaining) in [(NOW - 1, 0), (NOW, 0), (NOW + 1, 10)] {
        let at = Order { expiry, ..o };
        assert_eq!(exchange.sender(maker).remaining(&at), u(remaining));
    }
}

#[motsu::test]
fn the_order_hash_and_domain_are_eip712s(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    maker: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let o = Order {
        taker: owner,
        nonce: 77,
        ..order(maker, m.gpt, 10, U256::ZERO, 20)
    };
    let domain = m.domain();
    assert_eq!(domain.name.as_deref(), Some("AATExchange"));
    assert_eq!(domain.version.as_deref(), Some("1"));
    assert_eq!(domain.verifying_contract, Some(exchange.address()));
    assert_eq!(
        exchange.sender(maker).domain_separator(),
        domain.separator()
    );
    assert_eq!(m.hash(&o), spec_order(&o).eip712_signing_hash(&domain));
    assert_eq!(
        IAATExchange::Order::eip712_encode_type(),
        "Order(address maker,address taker,uint256 giveId,uint256 giveAmount,uint256 wantId,uint256 wantAmount,uint64 expiry,uint64 nonce)"
    );
    let answer = IAATExchange::eip712DomainCall::abi_decode_returns(
        &exchange.sender(maker).eip712_domain(),
        true,
    )
    .unwrap();
    assert_eq!(answer.fields, FixedBytes([0x0f]));
    assert_eq!(answer.salt, B256::ZERO);
    assert!(answer.extensions.is_empty());
    assert_ne!(m.hash(&o), keccak256([]), "a real digest");
    assert_eq!(exchange.sender(maker).filled(m.hash(&o)), U256::ZERO);
}
