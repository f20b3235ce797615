//! Invariants over a long random sequence of everything that touches an
//! order or a balance: orders of every kind signed and filled whole, in
//! parts and in batches, cancels, nonce floors, expired orders, takers that
//! are not named, forged signatures, makers emptied by transfers, approvals
//! withdrawn, fees changed, pauses. A model of the book predicts what each
//! fill must do; after every step the run checks that
//!
//! - no unit is created or lost: each AAT id's supply is its holders' sum
//!   and moves only by AAT's swap fee burn, TokenAI's supply is its holders'
//!   sum and grows only by AAT's fee mint, and the treasury holds exactly
//!   the exchange fees plus that mint; the exchange itself holds nothing;
//! - `filled` never exceeds `giveAmount`;
//! - a fill pays the maker at least its price, and each party and the
//!   treasury get exactly what the spec and AAT's fees say;
//! - a cancelled, expired or floor-voided order (or a wrong taker, a forged
//!   signature, too large a fill) never fills, with exactly its error;
//! - a fill whose AAT or TokenAI leg fails (balance, approval, allowance)
//!   fails whole and changes nothing, and fails exactly when a leg cannot
//!   move.
#![allow(clippy::cast_possible_truncation)] // random draws, reduced modulo small bounds

use abi_core::access::OwnPause;
use std::collections::{BTreeMap, HashMap};

use abi_core::testing::Rng;
use alloy_primitives::{Address, B256, U256};
use motsu::prelude::*;

use super::*;
use crate::{
    order::Trade,
    IAATExchange::{
        EnforcedPause, FillExceedsRemaining, InvalidOrderSignature, NotOrderTaker, OrderExpired,
        OrderIsCancelled, OrderNonceTooLow, ZeroAmount,
    },
};

mod trading;
mod upkeep;

/// How many operations the run performs.
const STEPS: usize = 5_000;
/// Orders kept in the book (older ones drop out).
const BOOK: usize = 12;

/// A signed order in the book.
#[derive(Clone)]
struct Entry {
    order: Order,
    signature: Vec<u8>,
    hash: B256,
    /// Signed by someone else than the maker.
    forged: bool,
}

/// What the model knows of an order.
#[derive(Clone, Copy, Default)]
struct Book {
    filled: U256,
    cancelled: bool,
}

/// What happened, printed at the end and checked for coverage.
#[derive(Debug, Default)]
struct Counts {
    fills: [usize; 3],
    partial: usize,
    batches: usize,
    cancels: usize,
    floors: usize,
    refused_by_exchange: BTreeMap<&'static str, usize>,
    refused_by_legs: usize,
    batches_refused: usize,
    emptied: usize,
}

struct Run<'m, 'a> {
    m: &'m Market<'a>,
    traders: Vec<Account>,
    domain: alloy_sol_types::Eip712Domain,
    rng: Rng,
    book: Vec<Entry>,
    model: HashMap<B256, Book>,
    floors: Vec<u64>,
    paused: bool,
    /// Each traded id's expected supply, and TokenAI's, and the treasury's.
    supply: [U256; 2],
    token_supply: U256,
    treasury: U256,
    counts: Counts,
}

/// Every balance of every party: (holder, asset) where asset 0 is TokenAI.
type Snapshot = BTreeMap<(Address, U256), U256>;

impl Run<'_, '_> {
    fn ids(&self) -> [U256; 2] {
        [self.m.gpt, self.m.gpt_scoped]
    }

    fn holders(&self) -> Vec<Address> {
        let mut holders: Vec<Address> = self.traders.iter().map(Account::address).collect();
        holders.extend([self.m.pool, self.m.treasury, self.m.exchange.address()]);
        holders
    }

    fn snapshot(&self) -> Snapshot {
        let mut balances = Snapshot::new();
        for holder in self.holders() {
            for id in self.ids() {
                balances.insert((holder, id), self.m.aat_of(holder, id));
            }
            balances.insert((holder, U256::ZERO), self.m.tai_of(holder));
        }
        balances
    }

    fn trader(&mut self) -> usize {
        self.rng.below(self.traders.len() as u64) as usize
    }

    /// A random order of the book (which is not empty); two times in
    /// three one the model says is live (so that fills happen as often as
    /// refusals), when there is one.
    fn pick(&mut self) -> Entry {
        let live: Vec<usize> = (0..self.book.len())
            .filter(|&i| self.is_live(&self.book[i]))
            .collect();
        let at = if !live.is_empty() && self.rng.below(3) != 0 {
            live[self.rng.below(live.len() as u64) as usize]
        } else {
            self.rng.below(self.book.len() as u64) as usize
        };
        self.book[at].clone()
    }

    /// Not cancelled, voided, expired, forged or wholly filled.
    fn is_live(&self, e: &Entry) -> bool {
        let book = self.model.get(&e.hash).copied().unwrap_or_default();
        let maker = self
            .traders
            .iter()
            .position(|t| t.address() == e.order.maker);
        !book.cancelled
            && maker.is_some_and(|m| e.order.nonce >= self.floors[m])
            && NOW < e.order.expiry
            && !e.forged
            && book.filled < e.order.give_amount
    }

    fn amount(&mut self, most: u64) -> u64 {
        1 + self.rng.below(most)
    }

    /// The error the exchange's own checks must raise for this fill by
    /// `taker` (in the spec's order), given the model's book.
    fn predicted_refusal(
        &self,
        e: &Entry,
        taker: Address,
        give_fill: U256,
    ) -> Option<(&'static str, Error)> {
        let o = &e.order;
        let book = self.model.get(&e.hash).copied().unwrap_or_default();
        let maker = self
            .traders
            .iter()
            .position(|t| t.address() == o.maker)
            .expect("a trader");
        let floor = self.floors[maker];
        let remaining = o.give_amount - book.filled;
        let refusal: (&'static str, Error) = if self.paused {
            ("paused", EnforcedPause {}.into())
        } else if !o.taker.is_zero() && o.taker != taker {
            (
                "not the taker",
                NotOrderTaker {
                    caller: taker,
                    taker: o.taker,
                }
                .into(),
            )
        } else if book.cancelled {
            ("cancelled", OrderIsCancelled { orderHash: e.hash }.into())
        } else if o.nonce < floor {
            (
                "below the floor",
                OrderNonceTooLow {
                    orderHash: e.hash,
                    nonce: o.nonce,
                    minNonce: floor,
                }
                .into(),
            )
        } else if NOW >= o.expiry {
            (
                "expired",
                OrderExpired {
                    orderHash: e.hash,
                    expiry: o.expiry,
                }
                .into(),
            )
        } else if e.forged {
            ("forged", InvalidOrderSignature { maker: o.maker }.into())
        } else if give_fill.is_zero() {
            ("zero", ZeroAmount {}.into())
        } else if give_fill > remaining {
            (
                "too much",
                FillExceedsRemaining {
                    orderHash: e.hash,
                    giveFill: give_fill,
                    remaining,
                }
                .into(),
            )
        } else {
            return None;
        };
        Some(refusal)
    }

    /// Whether both legs can move: balances, approvals and allowances, read
    /// from AAT and TokenAI now.
    fn legs_can_move(&self, o: &Order, taker: Address, give_fill: U256, want_paid: U256) -> bool {
        let operator = self.m.exchange.address();
        let aat_ok = |from: Address, id: U256, value: U256| {
            self.m.aat_of(from, id) >= value
                && self.m.aat.sender(from).is_approved_for_all(from, operator)
        };
        let tai_ok = |from: Address, value: U256| {
            self.m.tai_of(from) >= value
                && self.m.token.sender(from).allowance(from, operator) >= value
        };
        match o.trade() {
            Trade::Swap => {
                aat_ok(o.maker, o.give_id, give_fill) && aat_ok(taker, o.want_id, want_paid)
            }
            Trade::Ask => aat_ok(o.maker, o.give_id, give_fill) && tai_ok(taker, want_paid),
            Trade::Bid => aat_ok(taker, o.want_id, want_paid) && tai_ok(o.maker, give_fill),
        }
    }

    // ---- invariants -----------------------------------------------------------------

    fn check_conservation(&self, step: usize) {
        let snapshot = self.snapshot();
        let sum = |asset: U256| {
            snapshot
                .iter()
                .filter(|((_, a), _)| *a == asset)
                .fold(U256::ZERO, |acc, (_, b)| acc + *b)
        };
        for (i, id) in self.ids().into_iter().enumerate() {
            assert_eq!(sum(id), self.supply[i], "step {step}: units of {id}");
            assert_eq!(
                self.m.aat.sender(self.m.owner).total_supply(id),
                self.supply[i],
                "step {step}"
            );
        }
        assert_eq!(
            sum(U256::ZERO),
            self.token_supply,
            "step {step}: TokenAI held"
        );
        assert_eq!(
            self.m.token.sender(self.m.owner).total_supply(),
            self.token_supply,
            "step {step}"
        );
        assert_eq!(
            self.m.tai_of(self.m.treasury),
            self.treasury,
            "step {step}: treasury"
        );
        let exchange = self.m.exchange.address();
        assert!(
            snapshot
                .iter()
                .all(|((h, _), b)| *h != exchange || b.is_zero()),
            "step {step}: the exchange holds nothing"
        );
        for e in &self.book {
            let filled = self.m.exchange.sender(self.m.owner).filled(e.hash);
            assert!(filled <= e.order.give_amount, "step {step}: overfilled");
            assert_eq!(
                filled,
                self.model.get(&e.hash).copied().unwrap_or_default().filled,
                "step {step}: filled"
            );
        }
    }
}

#[motsu::test]
fn invariants_hold_over_a_random_market(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    exchange: Contract<AATExchange>,
    owner: Address,
    treasury: Address,
) {
    let m = Market::deploy(&token, &aat, &exchange, owner, treasury);
    let traders: Vec<Account> = ["ada", "bo", "cy", "di"]
        .into_iter()
        .map(Account::from_seed)
        .collect();
    for t in &traders {
        m.fund(t.address());
    }
    let mut run = Run {
        m: &m,
        domain: m.domain(),
        traders,
        rng: Rng(0x005E_ED0F_E8C4_A6E5),
        book: Vec::new(),
        model: HashMap::new(),
        floors: vec![0; 4],
        paused: false,
        supply: [
            m.aat.sender(owner).total_supply(m.gpt),
            m.aat.sender(owner).total_supply(m.gpt_scoped),
        ],
        token_supply: m.token.sender(owner).total_supply(),
        treasury: U256::ZERO,
        counts: Counts::default(),
    };
    for step in 0..STEPS {
        // A pause lasts a few steps.
        if run.paused && run.rng.below(4) == 0 {
            exchange.sender(owner).unpause().motsu_unwrap();
            run.paused = false;
        }
        match run.rng.below(100) {
            0..=29 => run.new_order(),
            30..=66 => run.fill(),
            67..=76 => run.batch(),
            77..=80 => run.cancel(),
            81..=82 => run.raise_floor(),
            83..=90 => run.move_funds(),
            91..=94 => run.approvals(),
            _ => run.administer(),
        }
        run.check_conservation(step);
    }
    let c = &run.counts;
    println!("exchange random run, {STEPS} operations: {c:#?}");
    let [swaps, asks, bids] = c.fills;
    assert!(swaps > 100 && asks > 100 && bids > 100, "{:?}", c.fills);
    assert!(c.partial > 100 && c.batches > 50 && c.batches_refused > 20);
    assert!(c.cancels > 50 && c.floors > 50 && c.emptied > 50 && c.refused_by_legs > 50);
    for reason in [
        "paused",
        "not the taker",
        "cancelled",
        "below the floor",
        "expired",
        "forged",
        "zero",
        "too much",
    ] {
        assert!(
            c.refused_by_exchange.get(reason).is_some_and(|n| *n > 5),
            "few refusals as {reason}: {c:?}"
        );
    }
}
