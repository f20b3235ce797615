//! `aat-client`: the typed client of the AI Access Rails.
//!
//! Everything an integrator needs to talk to TokenAI, AAT and AATExchange
//! from Rust:
//! bindings generated from the committed `abi/*.json` ([`bindings`]), token
//! ids computed off-chain ([`policy`]), EIP-712 vouchers, EIP-3009
//! authorizations and usage receipts signed in the contracts' own domains
//! ([`signing`]) and checked by the contracts' own rules ([`signature`]),
//! every spec error decoded with its arguments ([`error`]), deployment
//! exactly as cargo-stylus deploys ([`deploy`]), the transactions of the
//! product's flows with their outcomes read from the receipts ([`rails`]),
//! and the exchange's signed orders, fills and cancels ([`orders`]).

pub mod bindings;
pub mod deploy;
pub mod error;
pub mod orders;
pub mod policy;
pub mod rails;
pub mod relay;
pub mod signature;
pub mod signing;
pub mod x402;

pub use bindings::{AATExchange, TokenAI, AAT};
pub use error::{ClientError, Contract, SpecError};
pub use orders::{Exchange, Order, SignedOrder};
pub use policy::{bytes16, Policy};
pub use rails::{connect, Channel, Rails, Settlement};
pub use relay::Relay;
pub use signing::{SignedVoucher, UsageReceipt};
