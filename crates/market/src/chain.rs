//! What the relay asks of the chain: whether a posted order would fill (the
//! exchange's checks, the cheapest first: the order's form and its
//! signature, local for a key, before anything is read from the chain), and
//! what an order held can still fill now. Signatures are checked by `aat_client::signature`,
//! exactly as the exchange checks them (ECDSA locally; a maker with code
//! through its ERC-1271 `isValidSignature`).

use std::fmt;

use aat_client::{
    bindings::{AATExchange, TokenAI, AAT},
    error::is,
    orders::{Exchange, Order, TOKEN_AI},
    signature::{self, Expected},
    ClientError, Policy, Rails,
};
use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, Bytes, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    sol_types::Eip712Domain,
};

/// Why a posted order was not kept. `Display` is the label used in
/// answers and metrics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Gives or wants nothing, or the same id on both sides.
    InvalidOrder,
    /// Not the maker's signature by the exchange's rules.
    BadSignature {
        /// The order's maker, who did not sign it.
        maker: Address,
    },
    /// The chain's clock has reached its expiry.
    Expired {
        /// The order's expiry (seconds since the epoch).
        expiry: u64,
        /// The latest block's timestamp when the order was checked.
        now: u64,
    },
    /// Its maker cancelled it.
    Cancelled,
    /// Its nonce is below its maker's floor.
    NonceTooLow {
        /// The order's nonce.
        nonce: u64,
        /// The maker's floor on the exchange (raised by `cancelUpTo`).
        min_nonce: u64,
    },
    /// Nothing of it remains to fill.
    FullyFilled,
    /// The AAT id it gives or wants was never minted: nobody holds any, so
    /// nothing can fill (post it again once the id exists).
    UnknownCredits {
        /// The AAT id never minted.
        id: U256,
    },
    /// Its maker already has as many open orders as the relay holds for
    /// one maker.
    TooManyOrders {
        /// The order's maker.
        maker: Address,
        /// The most orders the relay holds for one maker
        /// ([`crate::Config::max_orders_per_maker`]).
        limit: usize,
    },
    /// The AAT it gives or wants has expired: AAT moves none of it.
    CreditsExpired {
        /// The expired AAT id.
        id: U256,
        /// Its policy's expiration (seconds since the epoch), which the
        /// chain's time has reached.
        expiration: u64,
    },
    /// The AAT it gives or wants is not tradable and neither side is its
    /// origin pool (or the order is open to anyone): AAT would refuse the
    /// move (`TokenNotTradable`).
    NotTradable {
        /// The non-tradable AAT id.
        id: U256,
        /// Its origin pool, the only account it moves from or to.
        origin_pool: Address,
    },
    /// The exchange (or AAT) is paused: nothing fills until it resumes.
    Paused {
        /// Which contract: `"the exchange"` or `"AAT"`.
        contract: &'static str,
    },
    /// The maker holds none of what it gives.
    NoBalance {
        /// What the order gives: an AAT id, or zero for `TokenAI`.
        id: U256,
    },
    /// The exchange may not move the maker's AAT
    /// (`AAT.setApprovalForAll(exchange, true)`) or TokenAI (`approve`).
    NotApproved {
        /// What the order gives: an AAT id, or zero for `TokenAI`.
        id: U256,
    },
    /// It passed the checks, then the chain voided it before it was kept
    /// (filled, cancelled or expired meanwhile).
    Voided,
}

impl Refusal {
    /// The label (metrics, the answer's `error`).
    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Refusal::InvalidOrder => "invalid_order",
            Refusal::BadSignature { .. } => "bad_signature",
            Refusal::Expired { .. } => "expired",
            Refusal::Cancelled => "cancelled",
            Refusal::NonceTooLow { .. } => "nonce_too_low",
            Refusal::FullyFilled => "fully_filled",
            Refusal::UnknownCredits { .. } => "unknown_credits",
            Refusal::TooManyOrders { .. } => "too_many_orders",
            Refusal::CreditsExpired { .. } => "credits_expired",
            Refusal::NotTradable { .. } => "not_tradable",
            Refusal::Paused { .. } => "paused",
            Refusal::NoBalance { .. } => "no_balance",
            Refusal::NotApproved { .. } => "not_approved",
            Refusal::Voided => "voided",
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::InvalidOrder => f.write_str(
                "the order gives or wants nothing, or the same id on both sides; the exchange refuses it (InvalidOrder)",
            ),
            Refusal::BadSignature { maker } => write!(
                f,
                "the signature is not {maker}'s over this order in the exchange's EIP-712 domain (65 bytes r||s||v, v 27 or 28, low s; or ERC-1271 for a maker with code)"
            ),
            Refusal::Expired { expiry, now } => write!(
                f,
                "the order expired: expiry {expiry} is not after the chain's time {now}"
            ),
            Refusal::Cancelled => f.write_str("the maker cancelled this order on-chain"),
            Refusal::NonceTooLow { nonce, min_nonce } => write!(
                f,
                "the order's nonce {nonce} is below the maker's floor {min_nonce} (cancelUpTo)"
            ),
            Refusal::FullyFilled => f.write_str("nothing of this order remains to fill"),
            Refusal::NotTradable { id, origin_pool } => write!(
                f,
                "AAT id {id} is not tradable: it moves only from or to its origin pool {origin_pool}, so only an order made or reserved (taker) by that pool can fill (TokenNotTradable)"
            ),
            Refusal::Paused { contract } => write!(
                f,
                "{contract} is paused: no order fills until its owner unpauses it; post again then"
            ),
            Refusal::UnknownCredits { id } => write!(
                f,
                "AAT id {id} was never minted: nobody holds any, so nothing can fill; post the order once the id exists"
            ),
            Refusal::TooManyOrders { maker, limit } => write!(
                f,
                "{maker} already has {limit} open orders here, the most one maker may; cancel some or let them fill first"
            ),
            Refusal::CreditsExpired { id, expiration } => write!(
                f,
                "AAT id {id} expired at {expiration}: AAT moves none of it (TokenExpired)"
            ),
            Refusal::NoBalance { id } if id.is_zero() => {
                f.write_str("the maker holds no TokenAI, which the order gives")
            }
            Refusal::NoBalance { id } => {
                write!(f, "the maker holds none of AAT id {id}, which the order gives")
            }
            Refusal::NotApproved { id } if id.is_zero() => f.write_str(
                "the exchange has no TokenAI allowance from the maker: TokenAI.approve(exchange, amount)",
            ),
            Refusal::NotApproved { .. } => f.write_str(
                "the exchange may not move the maker's AAT: AAT.setApprovalForAll(exchange, true)",
            ),
            Refusal::Voided => f.write_str(
                "the order stopped being fillable on-chain while it was checked (filled, cancelled or expired)",
            ),
        }
    }
}

/// A posted order's fate.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The order would not fill; nothing is kept.
    #[error("{0}")]
    Refused(Refusal),
    /// The chain could not be read.
    #[error("reading the chain: {0}")]
    Chain(#[from] ClientError),
}

/// What the chain says an order can fill now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fillable {
    /// The exchange's `remaining`.
    pub remaining: U256,
    /// `remaining`, capped by the maker's balance of what it gives (and its
    /// TokenAI allowance); zero while the exchange may not move it.
    pub now: U256,
}

/// The exchange, the tokens it moves, and its domain.
pub struct Chain {
    /// `AATExchange`: `remaining`, cancels, nonce floors and its pause.
    pub exchange: Exchange<DynProvider>,
    /// The `TokenAI` and AAT the exchange moves, as it names them: makers'
    /// balances, approvals and allowances, and AAT's policies.
    pub rails: Rails<DynProvider>,
    /// The exchange's EIP-712 domain, which order hashes and signatures
    /// are over.
    pub domain: Eip712Domain,
}

impl Chain {
    /// Connects to the node at `rpc` and reads the exchange at `exchange`:
    /// its tokens and its EIP-712 domain.
    ///
    /// # Errors
    ///
    /// `rpc` is not a URL, or the exchange cannot be read there.
    pub async fn connect(rpc: &str, exchange: Address) -> Result<Chain, ClientError> {
        let url = rpc
            .parse()
            .map_err(|e| ClientError::Input(format!("rpc {rpc}: {e}")))?;
        let provider = ProviderBuilder::new().connect_http(url).erased();
        let exchange = Exchange::new(provider, exchange);
        let rails = exchange.rails().await?;
        let domain = exchange.domain().await?;
        Ok(Chain {
            exchange,
            rails,
            domain,
        })
    }

    /// The node the exchange is reached through, for blocks, logs and
    /// calls beyond the exchange's own reads.
    #[must_use]
    pub fn provider(&self) -> &DynProvider {
        &self.exchange.provider
    }

    /// The latest block's number and timestamp.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn head(&self) -> Result<(u64, u64), ClientError> {
        let block = self
            .provider()
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| ClientError::Decode("the node has no latest block".into()))?;
        Ok((block.header.number, block.header.timestamp))
    }

    /// Checks a posted order as a fill would, then what its maker holds and
    /// allows; the order's hash, what it can fill, and when it stops being
    /// fillable (its expiry, or its credits' expiration, the first).
    ///
    /// # Errors
    ///
    /// The first check that fails, or the chain cannot be read.
    pub async fn check(
        &self,
        order: &Order,
        sig: &Bytes,
    ) -> Result<(B256, Fillable, u64), CheckError> {
        let refuse = |r| Err(CheckError::Refused(r));
        if !order.is_well_formed() {
            return refuse(Refusal::InvalidOrder);
        }
        let hash = order.hash(&self.domain);
        if !self.signed_by_maker(order, hash, sig).await? {
            return refuse(Refusal::BadSignature { maker: order.maker });
        }
        let (_, now) = self.head().await?;
        if order.expiry <= now {
            return refuse(Refusal::Expired {
                expiry: order.expiry,
                now,
            });
        }
        if self.exchange.cancelled(hash).await? {
            return refuse(Refusal::Cancelled);
        }
        let min_nonce = self.exchange.min_nonce(order.maker).await?;
        if order.nonce < min_nonce {
            return refuse(Refusal::NonceTooLow {
                nonce: order.nonce,
                min_nonce,
            });
        }
        if let Some(contract) = self.paused().await? {
            return refuse(Refusal::Paused { contract });
        }
        let mut void_at = order.expiry;
        for id in [order.giveId, order.wantId] {
            if id == TOKEN_AI {
                continue;
            }
            let Some(policy) = self.credits_policy(id).await? else {
                return refuse(Refusal::UnknownCredits { id });
            };
            if policy.expiration != 0 && now >= policy.expiration {
                let expiration = policy.expiration;
                return refuse(Refusal::CreditsExpired { id, expiration });
            }
            // A non-tradable id moves only from or to its pool: the maker
            // must be the pool, or the order reserved for it.
            let pool = policy.origin_pool;
            if !policy.tradable && order.maker != pool && order.taker != pool {
                return refuse(Refusal::NotTradable {
                    id,
                    origin_pool: pool,
                });
            }
            if policy.expiration != 0 {
                void_at = void_at.min(policy.expiration);
            }
        }
        let fillable = self.fillable(order).await?;
        if fillable.remaining.is_zero() {
            return refuse(Refusal::FullyFilled);
        }
        let (balance, allowed) = self.funds(order.maker, order.giveId).await?;
        if balance.is_zero() {
            return refuse(Refusal::NoBalance { id: order.giveId });
        }
        if allowed.is_zero() {
            return refuse(Refusal::NotApproved { id: order.giveId });
        }
        Ok((hash, fillable, void_at))
    }

    /// Whether `sig` is `order`'s maker's signature over `hash`, as the
    /// exchange decides it: ECDSA locally; a maker with code asked by
    /// ERC-1271 with the exchange as the caller, as a fill asks it (a wallet
    /// that says yes only to an unset caller is asked what it will answer
    /// on-chain).
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn signed_by_maker(
        &self,
        order: &Order,
        hash: B256,
        sig: &Bytes,
    ) -> Result<bool, ClientError> {
        let as_exchange = signature::Node {
            provider: self.provider().clone(),
            caller: Some(self.exchange.address),
        };
        let verdict =
            signature::verify(&as_exchange, Expected::Account(order.maker), hash, sig).await?;
        Ok(verdict.is_valid())
    }

    /// Whether `order`'s maker still signs it, asked again: a key's
    /// signature always does (no call); a wallet is asked as the exchange
    /// will ask it. `Some(false)` only for a definite no (it reverted, or
    /// answered anything but the magic value); `None` when the node could
    /// not say (a timeout, a rate limit), which is no reason to forget an
    /// order.
    pub async fn still_signed(&self, order: &Order, hash: B256, sig: &Bytes) -> Option<bool> {
        if signature::recover(hash, sig) == Some(order.maker) {
            return Some(true);
        }
        let request = signature::static_call_request(
            Some(self.exchange.address),
            order.maker,
            signature::erc1271_call(hash, sig),
            signature::ERC1271_STIPEND,
        );
        match self.provider().call(request).await {
            Ok(answer) => Some(signature::erc1271_accepts(&answer)),
            // Execution reverted (code 3): the wallet's no.
            Err(err) if err.as_error_resp().is_some_and(|e| e.code == 3) => Some(false),
            Err(_) => None,
        }
    }

    /// The policy of the AAT `id` (`None`: an id never minted, which has
    /// none).
    async fn credits_policy(&self, id: U256) -> Result<Option<Policy>, ClientError> {
        match self.rails.policy(id).await {
            Ok(policy) => Ok(Some(policy)),
            Err(err) if err.spec().is_some_and(is::<AAT::UnknownToken>) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Which contract a fill needs is paused, if one is: the exchange, or
    /// AAT (TokenAI's pause shows as its own error at the fill).
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn paused(&self) -> Result<Option<&'static str>, ClientError> {
        if self.exchange.read(AATExchange::pausedCall {}).await? {
            return Ok(Some("the exchange"));
        }
        if self.rails.read_aat(AAT::pausedCall {}).await? {
            return Ok(Some("AAT"));
        }
        Ok(None)
    }

    /// What `order` can fill now: the exchange's `remaining`, capped by
    /// what its maker holds and allows the exchange to move.
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn fillable(&self, order: &Order) -> Result<Fillable, ClientError> {
        let remaining = self.exchange.remaining(order).await?;
        if remaining.is_zero() {
            return Ok(Fillable {
                remaining,
                now: U256::ZERO,
            });
        }
        Ok(Fillable {
            remaining,
            now: remaining.min(self.spendable(order.maker, order.giveId).await?),
        })
    }

    /// How much of `give` the exchange can move from `maker` now: its
    /// balance, capped by its approval or allowance ([`Chain::funds`]).
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn spendable(&self, maker: Address, give: U256) -> Result<U256, ClientError> {
        let (balance, allowed) = self.funds(maker, give).await?;
        Ok(balance.min(allowed))
    }

    /// `maker`'s balance of `give` (an AAT id, or TokenAI), and how much of
    /// it the exchange may move (all of it when approved for its AAT, none
    /// when not; its allowance for TokenAI). All of a maker's orders giving
    /// `give` draw on these together.
    ///
    /// # Errors
    ///
    /// The chain cannot be read.
    pub async fn funds(&self, maker: Address, give: U256) -> Result<(U256, U256), ClientError> {
        let exchange = self.exchange.address;
        if give == TOKEN_AI {
            return tokio::try_join!(
                self.rails.token_balance(maker),
                self.rails.read_token(TokenAI::allowanceCall {
                    owner: maker,
                    spender: exchange,
                }),
            );
        }
        let (balance, approved) = tokio::try_join!(
            self.rails.balance(maker, give),
            self.rails.read_aat(AAT::isApprovedForAllCall {
                account: maker,
                operator: exchange,
            }),
        )?;
        Ok((balance, if approved { U256::MAX } else { U256::ZERO }))
    }
}
