//! The router on calldata encoded from the spec: every declared function is
//! reached, fills and views answer what the spec's return types decode,
//! the minters' functions of `abi_core::access` are not the exchange's, and
//! no function takes value.

use abi_core::testing::{access_calls, assert_each_routed, call_router};
use alloy_primitives::{Address, Bytes, U256};
use alloy_sol_types::SolCall;
use motsu::prelude::*;

use super::*;
use crate::{router, IAATExchange::*};

#[motsu::test]
fn every_declared_function_is_routed(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
    alice: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let o = spec_order(&order(alice, m.gpt, 1, U256::ZERO, 1));
    let calls: Vec<Vec<u8>> = [
        fillCall {
            order: o.clone(),
            signature: Bytes::from(vec![0u8; 65]),
            giveFill: u(1),
        }
        .abi_encode(),
        fillBatchCall {
            orders: vec![o.clone()],
            signatures: vec![Bytes::from(vec![0u8; 65])],
            giveFills: vec![u(1)],
        }
        .abi_encode(),
        cancelCall {
            orders: vec![o.clone()],
        }
        .abi_encode(),
        cancelUpToCall { minNonce: 1 }.abi_encode(),
        filledCall {
            orderHash: FixedBytes::default(),
        }
        .abi_encode(),
        cancelledCall {
            orderHash: FixedBytes::default(),
        }
        .abi_encode(),
        minNonceCall { maker: alice }.abi_encode(),
        remainingCall { order: o.clone() }.abi_encode(),
        hashOrderCall { order: o }.abi_encode(),
        DOMAIN_SEPARATORCall {}.abi_encode(),
        eip712DomainCall {}.abi_encode(),
        aatCall {}.abi_encode(),
        tokenAICall {}.abi_encode(),
        setFeeBpsCall { feeBps: FEE_BPS }.abi_encode(),
        feeBpsCall {}.abi_encode(),
        MAX_FEE_BPSCall {}.abi_encode(),
        setTreasuryCall { treasury }.abi_encode(),
        treasuryCall {}.abi_encode(),
    ]
    .into_iter()
    // The access calls but the minters' two, which lead the list.
    .chain(access_calls(owner, alice).into_iter().skip(2))
    .collect();
    let owner_only = {
        use abi_core::access::*;
        [
            router::SET_FEE_BPS,
            router::SET_TREASURY,
            PAUSE,
            UNPAUSE,
            TRANSFER_OWNERSHIP,
            RENOUNCE_OWNERSHIP,
        ]
    };
    assert_each_routed(
        &[
            router::SELECTORS,
            abi_core::access::OWNER_AND_PAUSE_SELECTORS,
        ],
        &calls,
        |selector, calldata| {
            let caller = if owner_only.contains(&selector) {
                owner
            } else {
                alice
            };
            call_router(&mut *exchange.sender(caller), calldata)
        },
    );
}

#[motsu::test]
fn router_answers_decode_as_the_spec_says(
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
    let ask = order(maker.address(), m.gpt, 30, U256::ZERO, 100);
    let signature = Bytes::from(m.sign(&maker, &ask));
    let route = |caller: Address, calldata: Vec<u8>| {
        call_router(&mut *exchange.sender(caller), &calldata)
            .expect("routed")
            .expect("returns")
    };
    let out = route(
        taker,
        fillCall {
            order: spec_order(&ask),
            signature: signature.clone(),
            giveFill: u(10),
        }
        .abi_encode(),
    );
    assert_eq!(
        fillCall::abi_decode_returns(&out, true).unwrap().wantPaid,
        u(34)
    );
    let out = route(
        taker,
        fillBatchCall {
            orders: vec![spec_order(&ask), spec_order(&ask)],
            signatures: vec![signature.clone(), signature],
            giveFills: vec![u(5), u(15)],
        }
        .abi_encode(),
    );
    assert_eq!(
        fillBatchCall::abi_decode_returns(&out, true)
            .unwrap()
            .wantPaid,
        vec![u(17), u(50)]
    );
    let out = route(
        taker,
        remainingCall {
            order: spec_order(&ask),
        }
        .abi_encode(),
    );
    assert_eq!(
        remainingCall::abi_decode_returns(&out, true).unwrap()._0,
        U256::ZERO
    );
    let out = route(
        taker,
        hashOrderCall {
            order: spec_order(&ask),
        }
        .abi_encode(),
    );
    let hash = hashOrderCall::abi_decode_returns(&out, true).unwrap()._0;
    assert_eq!(hash, m.hash(&ask));
    let out = route(taker, filledCall { orderHash: hash }.abi_encode());
    assert_eq!(
        filledCall::abi_decode_returns(&out, true).unwrap()._0,
        u(30)
    );
    let out = route(
        maker.address(),
        cancelCall {
            orders: vec![spec_order(&ask)],
        }
        .abi_encode(),
    );
    assert!(out.is_empty());
    let out = route(taker, cancelledCall { orderHash: hash }.abi_encode());
    assert!(cancelledCall::abi_decode_returns(&out, true).unwrap()._0);
    let out = route(taker, MAX_FEE_BPSCall {}.abi_encode());
    assert_eq!(
        MAX_FEE_BPSCall::abi_decode_returns(&out, true).unwrap()._0,
        1_000
    );
    let out = route(taker, aatCall {}.abi_encode());
    assert_eq!(
        aatCall::abi_decode_returns(&out, true).unwrap()._0,
        aat.address()
    );
}

#[motsu::test]
fn the_minters_functions_and_value_are_refused(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
) {
    Market::deploy(&token, &aat, &exchange, owner, treasury);
    for calldata in access_calls(owner, owner).into_iter().take(2) {
        assert_eq!(call_router(&mut *exchange.sender(owner), &calldata), None);
    }
    owner.fund(u(10));
    let calldata = pausedCall {}.abi_encode();
    let out = call_router(&mut *exchange.sender_and_value(owner, u(1)), &calldata);
    assert_eq!(out, Some(Err(Vec::new())), "no function is payable");
    let mut dirty = cancelUpToCall { minNonce: 1 }.abi_encode();
    dirty[4 + 3] = 1;
    assert_eq!(
        call_router(&mut *exchange.sender(owner), &dirty),
        Some(Err(Vec::new())),
        "a uint64 with high bits set is malformed"
    );
}
