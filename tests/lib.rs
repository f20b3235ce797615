//! Suite-level tests live beside this file, one integration test each:
//! `abi_completeness` compares the generated ABI with the spec; `flows` runs
//! the product's end-to-end flows with TokenAI and AAT both live (motsu);
//! `artifacts` runs the same flows on the deployable wasm in the in-process
//! Stylus host. (The cost report runs on the devnode: crates/devnode.)
//!
//! This library is the harness the artifact tests use: the spec's types, the
//! deployed suite, and decoding helpers.

use std::path::PathBuf;

use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::{sol, SolCall, SolEvent, SolInterface, SolValue};
use stylus_host::{Host, Log, Outcome};

sol!(
    #[sol(all_derives, abi)]
    "../spec/ITokenAI.sol"
);
sol!(
    #[sol(all_derives)]
    "../spec/IAAT.sol"
);
pub use abi_core::testing::{Permit, ReceiveWithAuthorization, TransferWithAuthorization};

/// The host's block timestamp at start, in unix seconds: 2025-01-01 00:00 UTC.
pub const NOW: u64 = 1_735_689_600;
/// TokenAI base units per AAT unit of GPT-4-turbo, as `Suite::new` prices it.
pub const GPT_PRICE: u64 = 1_000;

/// The bytes of `artifacts/<name>`, the deployable wasm `scripts/build` writes.
///
/// # Panics
///
/// When the file cannot be read (not built yet).
#[must_use]
pub fn artifact(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../artifacts")
        .join(name);
    std::fs::read(&path)
        .unwrap_or_else(|err| panic!("{}: {err}; run scripts/build first", path.display()))
}

/// Test account `n`: the address whose last byte is `n`, the rest zero.
#[must_use]
pub fn addr(n: u8) -> Address {
    Address::with_last_byte(n)
}

/// Deploys both contracts and owns them.
pub const OPERATOR: Address = Address::with_last_byte(0xA0);
/// AAT's treasury, which the fee hook mints TokenAI to.
pub const TREASURY: Address = Address::with_last_byte(0xA1);
/// The fiat gateway: a minter of both TokenAI and AAT.
pub const GATEWAY: Address = Address::with_last_byte(0xA2);

/// `name` (at most 16 bytes) as a `bytes16` model or scope, right-padded with zeros.
#[must_use]
pub fn b16(name: &str) -> FixedBytes<16> {
    let mut bytes = [0u8; 16];
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    FixedBytes(bytes)
}

/// `U256::from(n)`, for amounts and ids written as literals.
#[must_use]
pub fn u(n: u64) -> U256 {
    U256::from(n)
}

/// The deployed suite.
pub struct Suite {
    /// The in-process Stylus host both contracts run in.
    pub host: Host,
    /// TokenAI's address.
    pub token: Address,
    /// AAT's address.
    pub aat: Address,
}

impl Default for Suite {
    fn default() -> Self {
        Self::new()
    }
}

impl Suite {
    /// Deploys TokenAI and AAT from `artifacts/` and wires them: AAT and the
    /// gateway are TokenAI minters, the gateway an AAT minter, GPT priced
    /// at `GPT_PRICE`, a 2% fee.
    ///
    /// # Panics
    ///
    /// When an artifact is missing, or a deployment or a wiring call fails.
    #[must_use]
    pub fn new() -> Self {
        let mut host = Host::new();
        let token = host
            .deploy(
                &artifact("token-ai.wasm"),
                OPERATOR,
                &("TokenAI".to_string(), "TAI".to_string(), OPERATOR).abi_encode_params(),
            )
            .unwrap_or_else(|err| panic!("TokenAI deploys: {err:?} {:?}", host.last_trap()));
        let aat = host
            .deploy(
                &artifact("aat.wasm"),
                OPERATOR,
                &(
                    token,
                    TREASURY,
                    "https://aat.example/{id}.json".to_string(),
                    OPERATOR,
                )
                    .abi_encode_params(),
            )
            .expect("AAT deploys");
        let mut suite = Suite { host, token, aat };
        suite.ok(
            OPERATOR,
            token,
            ITokenAI::setMinterCall {
                minter: aat,
                enabled: true,
            },
        );
        suite.ok(
            OPERATOR,
            token,
            ITokenAI::setMinterCall {
                minter: GATEWAY,
                enabled: true,
            },
        );
        suite.ok(
            OPERATOR,
            aat,
            IAAT::setMinterCall {
                minter: GATEWAY,
                enabled: true,
            },
        );
        suite.ok(
            OPERATOR,
            aat,
            IAAT::setModelPriceCall {
                model: b16("GPT-4-turbo"),
                tokenAIPerUnit: u(GPT_PRICE),
            },
        );
        suite.ok(OPERATOR, aat, IAAT::setFeeBpsCall { feeBps: 200 });
        suite
    }

    /// Sends `call` from `from` to `to`: its outcome, reverted or not.
    #[allow(clippy::needless_pass_by_value)] // the call as the test writes it
    pub fn send<C: SolCall>(&mut self, from: Address, to: Address, call: C) -> Outcome {
        self.host.call(from, to, &call.abi_encode())
    }

    /// A call that must succeed; returns its decoded return value.
    ///
    /// # Panics
    ///
    /// When the call reverts, or its return data does not decode.
    pub fn ok<C: SolCall>(&mut self, from: Address, to: Address, call: C) -> C::Return {
        let outcome = self.send(from, to, call);
        let data = outcome
            .result
            .unwrap_or_else(|data| panic!("{} reverted: {}", C::SIGNATURE, hex(&data)));
        C::abi_decode_returns(&data, true).unwrap_or_else(|err| panic!("{}: {err}", C::SIGNATURE))
    }

    /// `who`'s TokenAI balance, in base units.
    pub fn token_balance(&mut self, who: Address) -> U256 {
        self.ok(who, self.token, ITokenAI::balanceOfCall { account: who })
            ._0
    }

    /// The EIP-712 domain a contract declares through ERC-5267's
    /// `eip712Domain()`, as an x402 client builds it (nothing assumed).
    ///
    /// # Panics
    ///
    /// When the call reverts, or the answer's fields are not 0x0f (name, version, chain id,
    /// contract) or it has a salt or extensions.
    pub fn eip712_domain(&mut self, contract: Address) -> alloy_sol_types::Eip712Domain {
        let answer = self.ok(addr(1), contract, ITokenAI::eip712DomainCall {});
        assert_eq!(answer.fields.0, [0x0f], "name, version, chain id, contract");
        assert!(answer.salt.is_zero() && answer.extensions.is_empty());
        alloy_sol_types::Eip712Domain::new(
            Some(answer.name.into()),
            Some(answer.version.into()),
            Some(answer.chainId),
            Some(answer.verifyingContract),
            None,
        )
    }

    /// `who`'s balance of the AAT id `id`, in units.
    pub fn aat_balance(&mut self, who: Address, id: U256) -> U256 {
        self.ok(who, self.aat, IAAT::balanceOfCall { account: who, id })
            ._0
    }
}

/// `data` as lowercase hex, without `0x`.
#[must_use]
pub fn hex(data: &[u8]) -> String {
    alloy_primitives::hex::encode(data)
}

/// The `IAAT` error `outcome` reverted with.
///
/// # Panics
///
/// When the call succeeded, or its revert data is not an `IAAT` error.
#[must_use]
pub fn aat_error(outcome: &Outcome) -> IAAT::IAATErrors {
    let data = outcome.result.as_ref().expect_err("the call should revert");
    IAAT::IAATErrors::abi_decode(data, true)
        .unwrap_or_else(|err| panic!("revert data {} is no IAAT error: {err}", hex(data)))
}

/// The events of type `E` that `from` emitted among `logs`, decoded, in order.
///
/// # Panics
///
/// When a log bearing `E`'s signature hash does not decode as `E`.
#[must_use]
pub fn events<E: SolEvent>(logs: &[Log], from: Address) -> Vec<E> {
    logs.iter()
        .filter(|log| log.address == from && log.topics.first() == Some(&E::SIGNATURE_HASH))
        .map(|log| {
            E::decode_raw_log(log.topics.iter().copied(), &log.data, true).expect("the log decodes")
        })
        .collect()
}

/// The model `GPT-4-turbo`, which `Suite::new` prices.
#[must_use]
pub fn gpt() -> FixedBytes<16> {
    b16("GPT-4-turbo")
}

/// The scope `CS101-Fall2024`.
#[must_use]
pub fn cs101() -> FixedBytes<16> {
    b16("CS101-Fall2024")
}

impl Suite {
    /// Mints `amount` units of the policy to `to` as the gateway (fiat path); returns the id.
    #[allow(clippy::too_many_arguments)]
    pub fn mint(
        &mut self,
        to: Address,
        pool: Address,
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
        expiration: u64,
        reclaimable: bool,
        tradable: bool,
        amount: u64,
    ) -> U256 {
        let call = IAAT::mintCall {
            to,
            originPool: pool,
            model,
            scope,
            expiration,
            reclaimable,
            tradable,
            amount: u(amount),
        };
        self.ok(GATEWAY, self.aat, call).id
    }
}
