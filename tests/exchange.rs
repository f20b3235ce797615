//! AATExchange on the built wasm (`artifacts/exchange.wasm`, beside TokenAI
//! and AAT in the in-process Stylus host), reached only through calldata
//! generated from the spec: orders signed by alloy exactly as a wallet
//! signs typed data, in the domain `eip712Domain()` declares (nothing
//! assumed), then an ask, a bid and an AAT-for-AAT order filled, with every
//! balance and the `OrderFilled` event checked, and the cost of an ask fill
//! printed.

use alloy_primitives::{Address, Bytes, FixedBytes, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{sol, SolInterface, SolStruct, SolValue};
use motsu::prelude::Account;
use stylus_host::Outcome;
use suite_tests::*;

sol!(
    #[sol(all_derives)]
    "../spec/IAATExchange.sol"
);
use IAATExchange::{Order, OrderFilled};

/// The exchange's fee in this market: 1%. (AAT's is the suite's 2%.)
const FEE_BPS: u16 = 100;
const FUNDS: u64 = 1_000_000;

/// The suite with the exchange deployed and two traders funded with
/// TokenAI and two GPT credits, each having approved the exchange.
struct Market {
    s: Suite,
    exchange: Address,
    ids: [U256; 2],
    alice: Account,
    bob: Account,
}

impl Market {
    fn new() -> Self {
        let mut s = Suite::new();
        let (aat, token) = (s.aat, s.token);
        let exchange = s
            .host
            .deploy(
                &artifact("exchange.wasm"),
                OPERATOR,
                &(aat, token, TREASURY, OPERATOR).abi_encode_params(),
            )
            .unwrap_or_else(|err| panic!("the exchange deploys: {err:?}"));
        s.ok(
            OPERATOR,
            exchange,
            IAATExchange::setFeeBpsCall { feeBps: FEE_BPS },
        );
        let (alice, bob) = (Account::from_seed("alice"), Account::from_seed("bob"));
        let mut ids = [U256::ZERO; 2];
        for trader in [alice.address(), bob.address()] {
            for (i, scope) in [FixedBytes::ZERO, cs101()].into_iter().enumerate() {
                ids[i] = s.mint(trader, GATEWAY, gpt(), scope, 0, false, true, FUNDS);
            }
            s.ok(
                GATEWAY,
                token,
                ITokenAI::mintCall {
                    to: trader,
                    value: u(FUNDS),
                },
            );
            s.ok(
                trader,
                aat,
                IAAT::setApprovalForAllCall {
                    operator: exchange,
                    approved: true,
                },
            );
            s.ok(
                trader,
                token,
                ITokenAI::approveCall {
                    spender: exchange,
                    value: U256::MAX,
                },
            );
        }
        Market {
            s,
            exchange,
            ids,
            alice,
            bob,
        }
    }

    /// The domain as a wallet reads it: `eip712Domain()`.
    fn domain(&mut self) -> alloy_sol_types::Eip712Domain {
        let answer = self
            .s
            .ok(addr(1), self.exchange, IAATExchange::eip712DomainCall {});
        assert_eq!(answer.fields.0, [0x0f], "name, version, chain id, contract");
        assert!(answer.salt.is_zero() && answer.extensions.is_empty());
        assert_eq!(
            (answer.name.as_str(), answer.version.as_str()),
            ("AATExchange", "1")
        );
        alloy_sol_types::Eip712Domain::new(
            Some(answer.name.into()),
            Some(answer.version.into()),
            Some(answer.chainId),
            Some(answer.verifyingContract),
            None,
        )
    }

    fn sign(&mut self, maker: &Account, order: &Order) -> Bytes {
        let hash = order.eip712_signing_hash(&self.domain());
        let on_chain = self.s.ok(
            addr(1),
            self.exchange,
            IAATExchange::hashOrderCall {
                order: order.clone(),
            },
        );
        assert_eq!(on_chain._0, hash, "hashOrder is the digest wallets sign");
        let signature = maker.signer().sign_hash_sync(&hash).expect("signs");
        Bytes::from(signature.as_bytes().to_vec())
    }

    fn fill(&mut self, taker: Address, order: &Order, signature: Bytes, give_fill: u64) -> Outcome {
        self.s.send(
            taker,
            self.exchange,
            IAATExchange::fillCall {
                order: order.clone(),
                signature,
                giveFill: u(give_fill),
            },
        )
    }

    /// Every balance the fills touch: each trader's of both ids and
    /// TokenAI, and the treasury's TokenAI.
    fn balances(&mut self) -> Vec<U256> {
        let mut all = Vec::new();
        for who in [self.alice.address(), self.bob.address()] {
            for id in self.ids {
                all.push(self.s.aat_balance(who, id));
            }
            all.push(self.s.token_balance(who));
        }
        all.push(self.s.token_balance(TREASURY));
        all
    }
}

fn order(maker: Address, give_id: U256, give: u64, want_id: U256, want: u64) -> Order {
    Order {
        maker,
        taker: Address::ZERO,
        giveId: give_id,
        giveAmount: u(give),
        wantId: want_id,
        wantAmount: u(want),
        expiry: NOW + 3_600,
        nonce: 0,
    }
}

fn filled(outcome: &Outcome, exchange: Address) -> OrderFilled {
    assert!(
        outcome.result.is_ok(),
        "the fill reverted: {}",
        hex(outcome.result.as_ref().unwrap_err())
    );
    let events = events::<OrderFilled>(&outcome.logs, exchange);
    assert_eq!(events.len(), 1);
    events[0].clone()
}

/// Prints what a fill cost in the host's counts (ink at Nitro's prices,
/// storage and calls), for the cost notes: the host does not claim Nitro's
/// gas.
fn report(what: &str, out: &Outcome) {
    let stats = &out.stats;
    println!(
        "{what}: {} ink ({} gas of computation), {} cold and {} warm reads, \
         {} new and {} updated slots ({} cold), {} calls, {} logs ({} topics, {} bytes)",
        stats.ink,
        stats.ink / 10_000,
        stats.cold_reads,
        stats.warm_reads,
        stats.writes_new,
        stats.writes_update,
        stats.cold_writes,
        stats.calls,
        stats.logs,
        stats.log_topics,
        stats.log_bytes
    );
}

fn fee(amount: u64, bps: u16) -> U256 {
    u((amount * u64::from(bps)).div_ceil(10_000))
}

#[test]
fn an_ask_a_bid_and_a_swap_fill_on_the_built_program() {
    let mut m = Market::new();
    let (alice, bob) = (m.alice.address(), m.bob.address());
    let [gpt_id, scoped_id] = m.ids;
    let exchange = m.exchange;

    // Ask: Alice sells 300 GPT units for 90,000 TokenAI; Bob takes 100.
    let ask = order(alice, gpt_id, 300, U256::ZERO, 90_000);
    let signature = m.sign(&m.alice.clone(), &ask);
    let before = m.balances();
    let out = m.fill(bob, &ask, signature, 100);
    let event = filled(&out, exchange);
    let ask_fee = fee(30_000, FEE_BPS);
    assert_eq!(
        (event.orderHash, event.maker, event.taker, event.giveId),
        (ask.eip712_signing_hash(&m.domain()), alice, bob, gpt_id)
    );
    assert_eq!(
        (event.giveFilled, event.wantId, event.wantPaid, event.fee),
        (u(100), U256::ZERO, u(30_000), ask_fee)
    );
    let after = m.balances();
    assert_eq!(after[0], before[0] - u(100), "Alice's GPT");
    assert_eq!(after[2], before[2] + u(30_000) - ask_fee, "Alice's TokenAI");
    assert_eq!(after[3], before[3] + u(100), "Bob's GPT");
    assert_eq!(after[5], before[5] - u(30_000), "Bob's TokenAI");
    assert_eq!(after[6], before[6] + ask_fee, "the treasury");
    report(
        "first ask fill (new order record, first treasury fee)",
        &out,
    );
    // The same order again: its record and every balance exist already.
    let signature = m.sign(&m.alice.clone(), &ask);
    let out = m.fill(bob, &ask, signature, 50);
    filled(&out, exchange);
    report("second ask fill of the same order", &out);

    // Bid: Bob offers 7,000 TokenAI for 30 scoped units; Alice sells for
    // 1,000 of them: ceil(1000 * 30 / 7000) = 5 units.
    let bid = order(bob, U256::ZERO, 7_000, scoped_id, 30);
    let signature = m.sign(&m.bob.clone(), &bid);
    let before = m.balances();
    let event = filled(&m.fill(alice, &bid, signature, 1_000), exchange);
    assert_eq!((event.wantPaid, event.fee), (u(5), fee(1_000, FEE_BPS)));
    let after = m.balances();
    assert_eq!(after[1], before[1] - u(5), "Alice's scoped units");
    assert_eq!(after[2], before[2] + u(1_000) - fee(1_000, FEE_BPS));
    assert_eq!(after[4], before[4] + u(5), "Bob's scoped units");
    assert_eq!(after[5], before[5] - u(1_000));
    assert_eq!(after[6], before[6] + fee(1_000, FEE_BPS));

    // AAT for AAT: Alice gives 1,000 GPT for 500 scoped units, Bob takes
    // 400 through AAT.swap: each leg pays AAT's 2% in kind, whose value AAT
    // mints to the treasury.
    let swap = order(alice, gpt_id, 1_000, scoped_id, 500);
    let signature = m.sign(&m.alice.clone(), &swap);
    let before = m.balances();
    let event = filled(&m.fill(bob, &swap, signature.clone(), 400), exchange);
    assert_eq!((event.wantPaid, event.fee), (u(200), U256::ZERO));
    let after = m.balances();
    let (fee_give, fee_want) = (fee(400, 200), fee(200, 200));
    assert_eq!(after[0], before[0] - u(400));
    assert_eq!(after[1], before[1] + u(200) - fee_want);
    assert_eq!(after[3], before[3] + u(400) - fee_give);
    assert_eq!(after[4], before[4] - u(200));
    assert_eq!(
        after[6],
        before[6] + (fee_give + fee_want) * u(GPT_PRICE),
        "AAT's fee mint"
    );
    let remaining = m.s.ok(
        bob,
        exchange,
        IAATExchange::remainingCall {
            order: swap.clone(),
        },
    );
    assert_eq!(remaining._0, u(600));

    // A fill past what remains reverts with the spec's error.
    let out = m.fill(bob, &swap, signature, 601);
    let data = out.result.expect_err("too much");
    assert_eq!(
        IAATExchange::IAATExchangeErrors::abi_decode(&data, true).unwrap(),
        IAATExchange::IAATExchangeErrors::FillExceedsRemaining(
            IAATExchange::FillExceedsRemaining {
                orderHash: swap.eip712_signing_hash(&m.domain()),
                giveFill: u(601),
                remaining: u(600),
            }
        )
    );
}
