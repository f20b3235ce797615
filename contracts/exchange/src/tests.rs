//! motsu tests of the exchange with TokenAI and AAT live beside it: each
//! external function's success, every revert it can raise with its exact
//! arguments, its events (compared with alloy's encoding of the spec's
//! event types), its access control, the router on spec-encoded calldata,
//! and invariants over random operation sequences. Orders are signed with
//! alloy's own EIP-712 implementation, in the domain `eip712Domain()`
//! declares, as a wallet signs them.
//!
//! This file holds the market every test sets up; the tests are in
//! `tests/`, one file per part of the interface.

use aat::AAT;
use alloy_primitives::{uint, Address, FixedBytes, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{SolCall, SolError, SolStruct};
use motsu::prelude::*;
use token_ai::TokenAI;

use super::*;

mod admin;
mod cancels;
mod checks;
mod fills;
mod random;
mod routing;

/// motsu's fixed `block.timestamp` (2025-01-01T00:00:00Z).
pub(crate) const NOW: u64 = 1_735_689_600;
pub(crate) const DAY: u64 = 86_400;
/// TokenAI base units per AAT unit of GPT: what AAT's fee mints per unit.
pub(crate) const PRICE: U256 = uint!(1_000_U256);
/// AAT's own fee, 1%, burned in kind on every swap leg.
pub(crate) const AAT_FEE_BPS: u16 = 100;
/// The exchange's fee in these tests, 0.5%.
pub(crate) const FEE_BPS: u16 = 50;
/// What each trader starts with, in AAT units of each id and TokenAI base
/// units.
pub(crate) const FUNDS: u64 = 1_000_000;

pub(crate) fn u(n: u64) -> U256 {
    U256::from(n)
}

/// A `bytes16` name, ASCII right-padded with zeros.
pub(crate) fn b16(name: &str) -> FixedBytes<16> {
    let mut bytes = [0u8; 16];
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    FixedBytes(bytes)
}

/// TokenAI, AAT and the exchange, live and wired together.
pub(crate) struct Market<'a> {
    pub(crate) token: &'a Contract<TokenAI>,
    pub(crate) aat: &'a Contract<AAT>,
    pub(crate) exchange: &'a Contract<AATExchange>,
    pub(crate) owner: Address,
    pub(crate) treasury: Address,
    /// Two tradable GPT credits (one scoped), never expiring: the ids
    /// traded.
    pub(crate) gpt: U256,
    pub(crate) gpt_scoped: U256,
    /// A pool's non-tradable course credit: moves only from or to `pool`.
    pub(crate) course: U256,
    pub(crate) pool: Address,
}

impl<'a> Market<'a> {
    /// Deploys and wires the three contracts: AAT a TokenAI minter with a
    /// 1% fee on a priced model, the exchange at `FEE_BPS`, `owner` a minter
    /// of both; registers the three ids by minting one unit of each to
    /// `pool`.
    pub(crate) fn deploy(
        token: &'a Contract<TokenAI>,
        aat: &'a Contract<AAT>,
        exchange: &'a Contract<AATExchange>,
        owner: Address,
        treasury: Address,
    ) -> Self {
        token
            .sender(owner)
            .constructor(b"TokenAI", b"TAI", owner)
            .motsu_unwrap();
        aat.sender(owner)
            .constructor(
                token.address(),
                treasury,
                b"https://aat.example/{id}",
                owner,
            )
            .motsu_unwrap();
        for minter in [aat.address(), owner] {
            token
                .sender(owner)
                .access()
                .set_minter(minter, true)
                .motsu_unwrap();
        }
        aat.sender(owner)
            .access()
            .set_minter(owner, true)
            .motsu_unwrap();
        aat.sender(owner)
            .set_model_price(b16("GPT-4-turbo"), PRICE)
            .motsu_unwrap();
        aat.sender(owner).set_fee_bps(AAT_FEE_BPS).motsu_unwrap();
        exchange
            .sender(owner)
            .constructor(aat.address(), token.address(), treasury, owner)
            .motsu_unwrap();
        exchange.sender(owner).set_fee_bps(FEE_BPS).motsu_unwrap();
        let pool = Address::with_last_byte(0x9a);
        let mut market = Market {
            token,
            aat,
            exchange,
            owner,
            treasury,
            gpt: U256::ZERO,
            gpt_scoped: U256::ZERO,
            course: U256::ZERO,
            pool,
        };
        market.gpt = market.mint(pool, FixedBytes::ZERO, true, 1);
        market.gpt_scoped = market.mint(pool, b16("CS101"), true, 1);
        market.course = market.mint(pool, b16("CS101"), false, 1);
        market
    }

    /// Mints `amount` GPT units of the pool's policy with `scope` and
    /// `tradable` to `to`; returns the id.
    pub(crate) fn mint(
        &self,
        to: Address,
        scope: FixedBytes<16>,
        tradable: bool,
        amount: u64,
    ) -> U256 {
        self.aat
            .sender(self.owner)
            .mint(
                to,
                self.pool,
                b16("GPT-4-turbo"),
                scope,
                0,
                false,
                tradable,
                u(amount),
            )
            .motsu_unwrap()
    }

    /// Gives `trader` `FUNDS` of both tradable ids and of TokenAI, and
    /// approves the exchange for all of it.
    pub(crate) fn fund(&self, trader: Address) {
        self.mint(trader, FixedBytes::ZERO, true, FUNDS);
        self.mint(trader, b16("CS101"), true, FUNDS);
        self.token
            .sender(self.owner)
            .mint(trader, u(FUNDS))
            .motsu_unwrap();
        self.approve(trader);
    }

    /// `trader` approves the exchange for its AAT and all its TokenAI.
    pub(crate) fn approve(&self, trader: Address) {
        self.aat
            .sender(trader)
            .set_approval_for_all(self.exchange.address(), true)
            .motsu_unwrap();
        self.token
            .sender(trader)
            .approve(self.exchange.address(), U256::MAX)
            .motsu_unwrap();
    }

    pub(crate) fn aat_of(&self, who: Address, id: U256) -> U256 {
        self.aat.sender(who).balance_of(who, id)
    }

    pub(crate) fn tai_of(&self, who: Address) -> U256 {
        self.token.sender(who).balance_of(who)
    }

    /// The EIP-712 domain as a wallet builds it from `eip712Domain()`.
    pub(crate) fn domain(&self) -> alloy_sol_types::Eip712Domain {
        let answer = IAATExchange::eip712DomainCall::abi_decode_returns(
            &self.exchange.sender(Address::ZERO).eip712_domain(),
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

    /// 65 bytes `r ‖ s ‖ v` by `signer` over `order`, as wallets sign it.
    pub(crate) fn sign(&self, signer: &Account, order: &Order) -> Vec<u8> {
        let hash = spec_order(order).eip712_signing_hash(&self.domain());
        signer
            .signer()
            .sign_hash_sync(&hash)
            .expect("signs")
            .as_bytes()
            .to_vec()
    }

    pub(crate) fn fill(
        &self,
        taker: Address,
        order: &Order,
        signature: &[u8],
        give_fill: u64,
    ) -> Result<U256, Error> {
        self.exchange
            .sender(taker)
            .fill(order, signature, u(give_fill))
            .motsu_res()
    }

    pub(crate) fn hash(&self, order: &Order) -> alloy_primitives::B256 {
        self.exchange.sender(self.owner).hash_order(order)
    }
}

/// An order of `maker` giving `give` of `give_id` for `want` of `want_id`,
/// open to anyone for a day, nonce 0.
pub(crate) fn order(maker: Address, give_id: U256, give: u64, want_id: U256, want: u64) -> Order {
    Order {
        maker,
        taker: Address::ZERO,
        give_id,
        give_amount: u(give),
        want_id,
        want_amount: u(want),
        expiry: NOW + DAY,
        nonce: 0,
    }
}

pub(crate) fn spec_order(o: &Order) -> IAATExchange::Order {
    IAATExchange::Order {
        maker: o.maker,
        taker: o.taker,
        giveId: o.give_id,
        giveAmount: o.give_amount,
        wantId: o.want_id,
        wantAmount: o.want_amount,
        expiry: o.expiry,
        nonce: o.nonce,
    }
}

/// The revert data of an AAT or TokenAI error, as the exchange passes it up.
#[allow(clippy::needless_pass_by_value)] // the error as the test writes it
pub(crate) fn passed_up<E: SolError>(err: E) -> Error {
    Error::external(err.abi_encode())
}

/// `ceil(x * bps / 10_000)`: AAT's fee and the exchange's, computed here
/// independently of both.
pub(crate) fn fee_of(x: U256, bps: u16) -> U256 {
    (x * U256::from(bps)).div_ceil(u(10_000))
}
