//! AATExchange's signed orders: an order built and signed as a wallet signs
//! it (EIP-712 in the domain the exchange reports through `eip712Domain()`),
//! its hash (the digest signed, what `hashOrder` answers and what `filled`
//! and `cancelled` are keyed by), the exchange's price arithmetic, and the
//! exchange as one handle: fills, cancels and reads, with refusals decoded.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, B256, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::Signer,
    sol_types::{Eip712Domain, SolCall, SolEvent, SolStruct},
};

use crate::{
    bindings::AATExchange,
    error::{ClientError, Contract},
    rails::{send_call, Rails},
    signing,
};

pub use crate::bindings::IAATExchange::Order;

/// The id that stands for TokenAI on either side of an order.
pub const TOKEN_AI: U256 = U256::ZERO;

impl Order {
    /// One side TokenAI or both AAT, never the same id twice, never a zero
    /// amount: what the exchange accepts (else `InvalidOrder`).
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        self.giveId != self.wantId && !self.giveAmount.is_zero() && !self.wantAmount.is_zero()
    }

    /// The digest the maker signs in `domain`, equal to the exchange's
    /// `hashOrder(order)` when `domain` is the exchange's.
    #[must_use]
    pub fn hash(&self, domain: &Eip712Domain) -> B256 {
        self.eip712_signing_hash(domain)
    }

    /// What a taker pays for `give_fill` units: `ceil(give_fill *
    /// wantAmount / giveAmount)`, as the exchange rounds (never below the
    /// maker's price); `None` where the exchange reverts (overflow, or a
    /// zero `giveAmount`).
    #[must_use]
    pub fn want_paid(&self, give_fill: U256) -> Option<U256> {
        if self.giveAmount.is_zero() {
            return None;
        }
        Some(
            give_fill
                .checked_mul(self.wantAmount)?
                .div_ceil(self.giveAmount),
        )
    }
}

/// An order with its maker's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedOrder {
    /// The order as its maker signed it.
    pub order: Order,
    /// The maker's signature over [`Order::hash`] in the exchange's domain: 65
    /// bytes r ‖ s ‖ v, or what the maker's ERC-1271 wallet accepts.
    pub signature: Bytes,
}

/// Signs `order` with `signer`, which must be its maker (a smart-account
/// maker's signature comes from the account's own scheme, checked by
/// ERC-1271; sign its digest, [`Order::hash`], accordingly).
///
/// # Errors
///
/// The order is not the signer's or is not well formed (the exchange would
/// refuse it with `InvalidOrder`), or the signer fails.
pub async fn sign_order<S: Signer + ?Sized>(
    signer: &S,
    exchange_domain: &Eip712Domain,
    order: Order,
) -> Result<SignedOrder, ClientError> {
    if order.maker != signer.address() {
        return Err(ClientError::Input(format!(
            "the order's maker is {} but the signer is {}: sign with the maker's key",
            order.maker,
            signer.address()
        )));
    }
    if !order.is_well_formed() {
        return Err(ClientError::Input(
            "the order gives or wants nothing, or the same id on both sides; the exchange refuses it (InvalidOrder)".into(),
        ));
    }
    let signature = signing::sign_typed(signer, exchange_domain, &order).await?;
    Ok(SignedOrder { order, signature })
}

/// What one `fill` or `fillBatch` did, read from its receipt.
#[derive(Clone, Debug)]
pub struct Fills {
    /// The receipt of the `fill` or `fillBatch` transaction.
    pub receipt: TransactionReceipt,
    /// One per order filled, in the order filled.
    pub filled: Vec<AATExchange::OrderFilled>,
}

/// AATExchange at `address`, reached through `provider`.
#[derive(Clone, Debug)]
pub struct Exchange<P> {
    /// The provider reads go through; its wallet sends fills (as the taker) and
    /// cancels (as the maker).
    pub provider: P,
    /// AATExchange's address.
    pub address: Address,
}

impl<P: Provider> Exchange<P> {
    /// AATExchange at `address`, reached through `provider`; nothing is checked
    /// until the first call.
    pub fn new(provider: P, address: Address) -> Self {
        Exchange { provider, address }
    }

    fn request<C: SolCall>(&self, call: &C) -> TransactionRequest {
        TransactionRequest::default()
            .with_to(self.address)
            .with_input(Bytes::from(call.abi_encode()))
    }

    /// Calls one of the exchange's views.
    ///
    /// # Errors
    ///
    /// The call reverts (decoded) or the node fails.
    pub async fn read<C: SolCall>(&self, call: C) -> Result<C::Return, ClientError> {
        let out = self
            .provider
            .call(self.request(&call))
            .await
            .map_err(|e| ClientError::from_rpc(Contract::Exchange, e))?;
        C::abi_decode_returns(&out)
            .map_err(|e| ClientError::Decode(format!("{}: {e}", C::SIGNATURE)))
    }

    /// Sends an exchange transaction and waits for its receipt.
    ///
    /// # Errors
    ///
    /// See [`send_call`].
    pub async fn send<C: SolCall>(&self, call: C) -> Result<TransactionReceipt, ClientError> {
        send_call(&self.provider, Contract::Exchange, self.request(&call)).await
    }

    /// The exchange's EIP-712 domain, read from the contract.
    ///
    /// # Errors
    ///
    /// The node fails, or the domain has fields this client does not sign.
    pub async fn domain(&self) -> Result<Eip712Domain, ClientError> {
        signing::domain_of(&self.provider, self.address).await
    }

    /// TokenAI and AAT as this exchange knows them (its `tokenAI()` and
    /// `aat()`).
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn rails(&self) -> Result<Rails<P>, ClientError>
    where
        P: Clone,
    {
        let token = self.read(AATExchange::tokenAICall {}).await?;
        let aat = self.read(AATExchange::aatCall {}).await?;
        Ok(Rails::new(self.provider.clone(), token, aat))
    }

    /// `hashOrder(order)`, computed by the contract.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn hash_order(&self, order: &Order) -> Result<B256, ClientError> {
        self.read(AATExchange::hashOrderCall {
            order: order.clone(),
        })
        .await
    }

    /// What can still be filled of `order` now (0 when cancelled, below the
    /// nonce floor, expired or invalid; balances, approvals and the
    /// signature are not looked at).
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn remaining(&self, order: &Order) -> Result<U256, ClientError> {
        self.read(AATExchange::remainingCall {
            order: order.clone(),
        })
        .await
    }

    /// How much of the order with this hash has been filled.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn filled(&self, order_hash: B256) -> Result<U256, ClientError> {
        self.read(AATExchange::filledCall {
            orderHash: order_hash,
        })
        .await
    }

    /// Whether the order with this hash was cancelled by its maker.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn cancelled(&self, order_hash: B256) -> Result<bool, ClientError> {
        self.read(AATExchange::cancelledCall {
            orderHash: order_hash,
        })
        .await
    }

    /// `maker`'s nonce floor: its orders with a lower nonce are void.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn min_nonce(&self, maker: Address) -> Result<u64, ClientError> {
        self.read(AATExchange::minNonceCall { maker }).await
    }

    /// Fills `give_fill` units of `signed`'s give side, as the sender.
    ///
    /// # Errors
    ///
    /// The exchange refuses (`OrderExpired`, `OrderIsCancelled`,
    /// `FillExceedsRemaining`, ..., or AAT's and TokenAI's own errors).
    pub async fn fill(&self, signed: &SignedOrder, give_fill: U256) -> Result<Fills, ClientError> {
        let receipt = self
            .send(AATExchange::fillCall {
                order: signed.order.clone(),
                signature: signed.signature.clone(),
                giveFill: give_fill,
            })
            .await?;
        Ok(self.fills(receipt))
    }

    /// Fills each `(order, giveFill)` in turn in one transaction: all or
    /// nothing.
    ///
    /// # Errors
    ///
    /// The first failing fill's own error.
    pub async fn fill_batch(&self, fills: &[(SignedOrder, U256)]) -> Result<Fills, ClientError> {
        let receipt = self
            .send(AATExchange::fillBatchCall {
                orders: fills.iter().map(|(s, _)| s.order.clone()).collect(),
                signatures: fills.iter().map(|(s, _)| s.signature.clone()).collect(),
                giveFills: fills.iter().map(|(_, fill)| *fill).collect(),
            })
            .await?;
        Ok(self.fills(receipt))
    }

    /// Cancels the sender's `orders`.
    ///
    /// # Errors
    ///
    /// `NotOrderMaker` for an order of another maker.
    pub async fn cancel(&self, orders: &[Order]) -> Result<TransactionReceipt, ClientError> {
        self.send(AATExchange::cancelCall {
            orders: orders.to_vec(),
        })
        .await
    }

    /// Voids every order of the sender with a nonce below `min_nonce`.
    ///
    /// # Errors
    ///
    /// `MinNonceNotRaised` when it is not above the current floor.
    pub async fn cancel_up_to(&self, min_nonce: u64) -> Result<TransactionReceipt, ClientError> {
        self.send(AATExchange::cancelUpToCall {
            minNonce: min_nonce,
        })
        .await
    }

    fn fills(&self, receipt: TransactionReceipt) -> Fills {
        let filled = receipt
            .inner
            .logs()
            .iter()
            .filter(|log| log.address() == self.address)
            .filter_map(|log| AATExchange::OrderFilled::decode_log_data(log.data()).ok())
            .collect();
        Fills { receipt, filled }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::signers::local::PrivateKeySigner;

    fn domain() -> Eip712Domain {
        Eip712Domain::new(
            Some("AATExchange".into()),
            Some("1".into()),
            Some(U256::from(412_346)),
            Some(Address::repeat_byte(0xe0)),
            None,
        )
    }

    fn ask(maker: Address) -> Order {
        Order {
            maker,
            taker: Address::ZERO,
            giveId: U256::from(7),
            giveAmount: U256::from(3),
            wantId: TOKEN_AI,
            wantAmount: U256::from(10),
            expiry: 100,
            nonce: 0,
        }
    }

    #[test]
    fn the_type_signed_is_the_specs() {
        assert_eq!(
            Order::eip712_encode_type(),
            "Order(address maker,address taker,uint256 giveId,uint256 giveAmount,uint256 wantId,uint256 wantAmount,uint64 expiry,uint64 nonce)"
        );
    }

    #[test]
    fn partial_fills_pay_at_least_the_price_as_the_exchange_rounds() {
        let order = ask(Address::ZERO);
        let paid = |fill: u64| order.want_paid(U256::from(fill)).unwrap();
        assert_eq!(
            (paid(1), paid(2), paid(3)),
            (U256::from(4), U256::from(7), U256::from(10))
        );
        let huge = Order {
            wantAmount: U256::MAX,
            ..order.clone()
        };
        assert_eq!(huge.want_paid(U256::from(2)), None);
    }

    #[tokio::test]
    async fn only_the_maker_signs_and_only_well_formed_orders() {
        let maker = PrivateKeySigner::random();
        let signed = sign_order(&maker, &domain(), ask(maker.address()))
            .await
            .unwrap();
        let digest = signed.order.hash(&domain());
        assert_eq!(
            signing::recover_hash(digest, &signed.signature),
            Some(maker.address())
        );
        let other = sign_order(&maker, &domain(), ask(Address::repeat_byte(1))).await;
        assert!(matches!(other, Err(ClientError::Input(_))), "{other:?}");
        let same_id = Order {
            wantId: U256::from(7),
            ..ask(maker.address())
        };
        let refused = sign_order(&maker, &domain(), same_id).await;
        assert!(matches!(refused, Err(ClientError::Input(_))), "{refused:?}");
    }
}
