//! The random run's other moves: cancels (now and then of another's
//! order), nonce floors, makers emptied by transfers or refilled by mints,
//! approvals withdrawn or limited, fee changes and pauses.

use abi_core::access::OwnPause;
use motsu::prelude::*;

use super::Run;
use crate::tests::{b16, u};

impl Run<'_, '_> {
    pub(super) fn cancel(&mut self) {
        if self.book.is_empty() {
            return;
        }
        let e = self.pick();
        let stranger = self.trader();
        let caller = if self.rng.below(8) == 0 {
            self.traders[stranger].address()
        } else {
            e.order.maker
        };
        let result = self
            .m
            .exchange
            .sender(caller)
            .cancel(&[e.order])
            .motsu_res();
        assert_eq!(result.is_ok(), caller == e.order.maker);
        if result.is_ok() {
            self.model.entry(e.hash).or_default().cancelled = true;
            self.counts.cancels += 1;
        }
        assert_eq!(
            self.m.exchange.sender(caller).cancelled(e.hash),
            self.model.get(&e.hash).is_some_and(|b| b.cancelled)
        );
    }

    pub(super) fn raise_floor(&mut self) {
        let maker = self.trader();
        let given = self.floors[maker] + self.rng.below(3);
        let result = self
            .m
            .exchange
            .sender(self.traders[maker].address())
            .cancel_up_to(given)
            .motsu_res();
        assert_eq!(result.is_ok(), given > self.floors[maker]);
        if result.is_ok() {
            self.floors[maker] = given;
            self.counts.floors += 1;
        }
    }

    /// A trader gives away all it has of one asset, or gets more.
    pub(super) fn move_funds(&mut self) {
        let (from, to) = (self.trader(), self.trader());
        let (from, to) = (self.traders[from].address(), self.traders[to].address());
        let asset = self.rng.below(3);
        if self.rng.below(4) != 0 {
            let amount = u(self.amount(200_000));
            if asset == 2 {
                self.m
                    .token
                    .sender(self.m.owner)
                    .mint(to, amount)
                    .motsu_unwrap();
                self.token_supply += amount;
            } else {
                let id = self.ids()[asset as usize];
                self.m
                    .aat
                    .sender(self.m.owner)
                    .mint(
                        to,
                        self.m.pool,
                        b16("GPT-4-turbo"),
                        if asset == 0 {
                            alloy_primitives::FixedBytes::default()
                        } else {
                            b16("CS101")
                        },
                        0,
                        false,
                        true,
                        amount,
                    )
                    .motsu_unwrap();
                self.supply[asset as usize] += amount;
                assert_eq!(
                    self.m.aat.sender(to).total_supply(id),
                    self.supply[asset as usize]
                );
            }
            return;
        }
        if from == to {
            return;
        }
        if asset == 2 {
            let all = self.m.tai_of(from);
            self.m.token.sender(from).transfer(to, all).motsu_unwrap();
        } else {
            let id = self.ids()[asset as usize];
            let all = self.m.aat_of(from, id);
            self.m
                .aat
                .sender(from)
                .safe_transfer_from(from, to, id, all, &[])
                .motsu_unwrap();
        }
        self.counts.emptied += 1;
    }

    /// A trader withdraws or limits its approvals, or restores them.
    pub(super) fn approvals(&mut self) {
        let trader = self.trader();
        let trader = self.traders[trader].address();
        let operator = self.m.exchange.address();
        match self.rng.below(6) {
            0 => self
                .m
                .aat
                .sender(trader)
                .set_approval_for_all(operator, false)
                .motsu_unwrap(),
            1 => {
                let limit = u(self.rng.below(20_000));
                self.m
                    .token
                    .sender(trader)
                    .approve(operator, limit)
                    .motsu_unwrap();
            }
            _ => self.m.approve(trader),
        }
    }

    pub(super) fn administer(&mut self) {
        let owner = self.m.owner;
        match self.rng.below(3) {
            0 => {
                let bps = self.rng.below(1_001) as u16;
                self.m
                    .exchange
                    .sender(owner)
                    .set_fee_bps(bps)
                    .motsu_unwrap();
            }
            1 => {
                let bps = self.rng.below(1_001) as u16;
                self.m.aat.sender(owner).set_fee_bps(bps).motsu_unwrap();
            }
            _ if !self.paused => {
                self.m.exchange.sender(owner).pause().motsu_unwrap();
                self.paused = true;
            }
            _ => {}
        }
    }
}
