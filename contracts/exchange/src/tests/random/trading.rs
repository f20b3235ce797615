//! The random run's trading moves: new orders of every kind (now and then
//! expired, voided, for a named taker or forged), single fills checked
//! movement by movement against the spec and AAT's fees, and batches.

use alloy_primitives::{Address, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::SolStruct;
use motsu::prelude::*;

use super::{Entry, Run, Snapshot, BOOK};
use crate::{
    order::Trade,
    tests::{fee_of, spec_order, u, DAY, NOW, PRICE},
    IAATExchange::OrderFilled,
    Order,
};

impl Run<'_, '_> {
    /// A new order of a random kind, now and then expired, below the
    /// maker's floor, for a named taker or signed by someone else.
    pub(super) fn new_order(&mut self) {
        let maker = self.trader();
        let [gpt, scoped] = self.ids();
        let (give_id, want_id) = match self.rng.below(4) {
            0 => (gpt, U256::ZERO),
            1 => (U256::ZERO, scoped),
            2 => (scoped, gpt),
            _ => (gpt, scoped),
        };
        let tokens = |id: U256, units: u64| if id.is_zero() { units * 300 } else { units };
        let (give, want) = (self.amount(400), self.amount(400));
        let expiry = match self.rng.below(10) {
            0 => NOW,
            1 => NOW - DAY,
            _ => NOW + DAY,
        };
        let floor = self.floors[maker];
        let nonce = if self.rng.below(8) == 0 {
            floor.saturating_sub(1)
        } else {
            floor + self.rng.below(3)
        };
        let taker = if self.rng.below(6) == 0 {
            let named = self.trader();
            self.traders[named].address()
        } else {
            Address::ZERO
        };
        let order = Order {
            maker: self.traders[maker].address(),
            taker,
            give_id,
            give_amount: u(tokens(give_id, give)),
            want_id,
            want_amount: u(tokens(want_id, want)),
            expiry,
            nonce,
        };
        let forged = self.rng.below(25) == 0;
        let signer = if forged {
            (maker + 1) % self.traders.len()
        } else {
            maker
        };
        let hash = spec_order(&order).eip712_signing_hash(&self.domain);
        let signature = self.traders[signer]
            .signer()
            .sign_hash_sync(&hash)
            .expect("signs")
            .as_bytes()
            .to_vec();
        assert_eq!(
            hash,
            self.m.hash(&order),
            "the exchange hashes as alloy does"
        );
        if self.book.len() == BOOK {
            let gone = self.rng.below(BOOK as u64) as usize;
            self.book.swap_remove(gone);
        }
        self.book.push(Entry {
            order,
            signature,
            hash,
            forged,
        });
    }

    /// One fill by a trader other than the maker, of a random part (now
    /// and then zero or more than remains).
    pub(super) fn fill(&mut self) {
        if self.book.is_empty() {
            return;
        }
        let e = self.pick();
        let o = e.order;
        let maker = self
            .traders
            .iter()
            .position(|t| t.address() == o.maker)
            .unwrap();
        let other = (maker + 1 + self.rng.below(3) as usize) % self.traders.len();
        let taker = if !o.taker.is_zero() && self.rng.below(2) == 0 {
            o.taker
        } else {
            self.traders[other].address()
        };
        if taker == o.maker {
            return;
        }
        let filled = self.model.get(&e.hash).copied().unwrap_or_default().filled;
        let remaining: u64 = (o.give_amount - filled).to();
        let give_fill = u(match self.rng.below(10) {
            0 => 0,
            1 => remaining + 1,
            2 => remaining,
            _ => self.rng.below(remaining.max(1) + 1),
        });
        let before = self.snapshot();
        let predicted = self.predicted_refusal(&e, taker, give_fill);
        let fees = (
            self.m.exchange.sender(taker).fee_bps(),
            self.m.aat.sender(taker).fee_bps(),
        );
        let want_paid = (give_fill * o.want_amount).div_ceil(o.give_amount);
        let can_move = self.legs_can_move(&o, taker, give_fill, want_paid);
        let result = self.m.fill(taker, &o, &e.signature, give_fill.to());
        if let Some((reason, err)) = predicted {
            assert_eq!(result, Err(err), "refused as {reason}");
            *self.counts.refused_by_exchange.entry(reason).or_default() += 1;
            assert_eq!(before, self.snapshot(), "a refused fill moved a balance");
            return;
        }
        match result {
            Err(err) => {
                assert!(!can_move, "a fill whose legs could move failed: {err:?}");
                self.counts.refused_by_legs += 1;
                assert_eq!(before, self.snapshot(), "a failed leg left a balance moved");
                assert_eq!(
                    self.m.exchange.sender(taker).filled(e.hash),
                    filled,
                    "and `filled`"
                );
            }
            Ok(paid) => {
                assert!(can_move, "a fill moved what it could not");
                assert_eq!(paid, want_paid);
                // At least the maker's price, and no more than one unit over.
                assert!(paid * o.give_amount >= give_fill * o.want_amount);
                assert!((paid - u(1)) * o.give_amount < give_fill * o.want_amount);
                self.settled(&e, taker, give_fill, paid, fees, &before);
            }
        }
    }

    /// Checks one successful fill's exact movements and books it.
    fn settled(
        &mut self,
        e: &Entry,
        taker: Address,
        give_fill: U256,
        paid: U256,
        fees: (u16, u16),
        before: &Snapshot,
    ) {
        let o = e.order;
        let (exchange_bps, aat_bps) = fees;
        let mut expected = before.clone();
        let mut moved = |holder: Address, asset: U256, gained: U256, lost: U256| {
            let balance = expected.get_mut(&(holder, asset)).expect("a known holder");
            *balance = *balance + gained - lost;
        };
        let kind = o.trade();
        let fee = match kind {
            Trade::Swap => {
                let (fee_give, fee_want) = (fee_of(give_fill, aat_bps), fee_of(paid, aat_bps));
                moved(o.maker, o.give_id, U256::ZERO, give_fill);
                moved(taker, o.give_id, give_fill - fee_give, U256::ZERO);
                moved(taker, o.want_id, U256::ZERO, paid);
                moved(o.maker, o.want_id, paid - fee_want, U256::ZERO);
                moved(
                    self.m.treasury,
                    U256::ZERO,
                    (fee_give + fee_want) * PRICE,
                    U256::ZERO,
                );
                U256::ZERO
            }
            Trade::Ask | Trade::Bid => {
                let (seller, buyer, id, units, tokens) = if kind == Trade::Ask {
                    (o.maker, taker, o.give_id, give_fill, paid)
                } else {
                    (taker, o.maker, o.want_id, paid, give_fill)
                };
                let fee = fee_of(tokens, exchange_bps);
                moved(seller, id, U256::ZERO, units);
                moved(buyer, id, units, U256::ZERO);
                moved(buyer, U256::ZERO, U256::ZERO, tokens);
                moved(seller, U256::ZERO, tokens - fee, U256::ZERO);
                moved(self.m.treasury, U256::ZERO, fee, U256::ZERO);
                fee
            }
        };
        assert_eq!(
            self.snapshot(),
            expected,
            "what each party got from a {kind:?}"
        );
        self.book_fees(&o, give_fill, paid, fees);
        assert!(self.m.exchange.emitted(&OrderFilled {
            orderHash: e.hash,
            maker: o.maker,
            taker,
            giveId: o.give_id,
            giveFilled: give_fill,
            wantId: o.want_id,
            wantPaid: paid,
            fee,
        }));
        let book = self.model.entry(e.hash).or_default();
        book.filled += give_fill;
        self.counts.fills[kind as usize] += 1;
        if book.filled < o.give_amount {
            self.counts.partial += 1;
        }
    }

    /// Books what a fill burns and mints: AAT's swap fees (burned in kind,
    /// their value minted to the treasury) or the exchange's TokenAI fee.
    fn book_fees(&mut self, o: &Order, give_fill: U256, paid: U256, fees: (u16, u16)) {
        let (exchange_bps, aat_bps) = fees;
        match o.trade() {
            Trade::Swap => {
                let (fee_give, fee_want) = (fee_of(give_fill, aat_bps), fee_of(paid, aat_bps));
                let [gpt, _] = self.ids();
                let index = |id: U256| usize::from(id != gpt);
                self.supply[index(o.give_id)] -= fee_give;
                self.supply[index(o.want_id)] -= fee_want;
                let minted = (fee_give + fee_want) * PRICE;
                self.token_supply += minted;
                self.treasury += minted;
            }
            Trade::Ask => self.treasury += fee_of(paid, exchange_bps),
            Trade::Bid => self.treasury += fee_of(give_fill, exchange_bps),
        }
    }

    /// Two or three fills in one batch, by one taker: all or nothing.
    pub(super) fn batch(&mut self) {
        if self.book.len() < 3 {
            return;
        }
        let taker = self.trader();
        let taker = self.traders[taker].address();
        let count = 2 + self.rng.below(2) as usize;
        let mut model = self.model.clone();
        let (mut entries, mut fills, mut refused) = (Vec::new(), Vec::new(), false);
        for _ in 0..count {
            let e = self.pick();
            let filled = model.get(&e.hash).copied().unwrap_or_default().filled;
            let remaining: u64 = (e.order.give_amount - filled).to();
            let give_fill = u(self.rng.below(remaining + 1));
            let saved = std::mem::replace(&mut self.model, model.clone());
            refused |= self.predicted_refusal(&e, taker, give_fill).is_some();
            self.model = saved;
            model.entry(e.hash).or_default().filled += give_fill;
            entries.push(e);
            fills.push(give_fill);
        }
        let orders: Vec<Order> = entries.iter().map(|e| e.order).collect();
        let signatures: Vec<&[u8]> = entries.iter().map(|e| e.signature.as_slice()).collect();
        let before = self.snapshot();
        let fees = (
            self.m.exchange.sender(taker).fee_bps(),
            self.m.aat.sender(taker).fee_bps(),
        );
        let result = self
            .m
            .exchange
            .sender(taker)
            .fill_batch(&orders, &signatures, &fills)
            .motsu_res();
        match result {
            Err(_) => {
                self.counts.batches_refused += 1;
                assert_eq!(before, self.snapshot(), "a refused batch moved a balance");
            }
            Ok(paid) => {
                assert!(!refused, "a batch filled an order that must not fill");
                for ((e, give_fill), paid) in entries.iter().zip(&fills).zip(&paid) {
                    let o = &e.order;
                    assert_eq!(*paid, (*give_fill * o.want_amount).div_ceil(o.give_amount));
                    self.book_fees(o, *give_fill, *paid, fees);
                }
                self.model = model;
                self.counts.batches += 1;
            }
        }
    }
}
