//! The order relay (`aat-market`) from a taker's or a maker's side: its
//! JSON (this module owns the format; the relay serves these types) and an
//! HTTP handle that posts signed orders, reads the book and takes quotes
//! ready for [`Exchange::fill_batch`](crate::orders::Exchange::fill_batch).
//!
//! Amounts and ids travel as strings (decimal, or hex with `0x`), because
//! they are 256-bit and JSON numbers are not; they are written back as
//! decimal strings. `expiry` and `nonce` are 64-bit JSON numbers or strings.

use std::{fmt, fmt::Write as _, str::FromStr};

use alloy::primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    error::ClientError,
    orders::{Order, SignedOrder},
};

/// A 256-bit amount or id in JSON: a decimal or `0x` hex string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Uint(pub U256);

/// Text that is not a [`Uint`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a 256-bit decimal or 0x hex number")]
pub struct NotAUint(pub String);

impl FromStr for Uint {
    type Err = NotAUint;

    fn from_str(text: &str) -> Result<Self, NotAUint> {
        let text = text.trim();
        let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
            Some(_) => return Err(NotAUint(text.to_owned())),
            None => U256::from_str_radix(text, 10),
        };
        parsed.map(Uint).map_err(|_| NotAUint(text.to_owned()))
    }
}

impl fmt::Display for Uint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Uint {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Uint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(u64),
        }
        match Raw::deserialize(d)? {
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
            Raw::Number(n) => Ok(Uint(U256::from(n))),
        }
    }
}

/// A 64-bit field (`expiry`, `nonce`): a JSON number or a decimal string.
fn u64_field<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let value = Uint::deserialize(d)?;
    u64::try_from(value.0).map_err(|_| serde::de::Error::custom(format!("{value} exceeds 2^64-1")))
}

/// An order as JSON, field for field the spec's `Order`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderJson {
    /// The account that signs the order and gives `giveId`.
    pub maker: Address,
    /// The only account that may fill it; zero (the default when absent) lets
    /// anyone fill it.
    #[serde(default)]
    pub taker: Address,
    /// `giveId`: what the maker gives; 0 is TokenAI, any other id an AAT id.
    pub give_id: Uint,
    /// `giveAmount`: the units of `giveId` the whole order gives (TokenAI in
    /// base units, 18 decimals).
    pub give_amount: Uint,
    /// `wantId`: what the maker takes in return; 0 is TokenAI.
    pub want_id: Uint,
    /// `wantAmount`: the units of `wantId` the maker takes for all of
    /// `giveAmount`, which sets the price.
    pub want_amount: Uint,
    /// Unix seconds in the chain's time: fillable while `block.timestamp` is
    /// below it.
    #[serde(deserialize_with = "u64_field")]
    pub expiry: u64,
    /// The maker's nonce: the order is void once the maker's `minNonce` is
    /// above it (`cancelUpTo`).
    #[serde(deserialize_with = "u64_field")]
    pub nonce: u64,
}

impl From<&OrderJson> for Order {
    fn from(o: &OrderJson) -> Order {
        Order {
            maker: o.maker,
            taker: o.taker,
            giveId: o.give_id.0,
            giveAmount: o.give_amount.0,
            wantId: o.want_id.0,
            wantAmount: o.want_amount.0,
            expiry: o.expiry,
            nonce: o.nonce,
        }
    }
}

impl From<&Order> for OrderJson {
    fn from(o: &Order) -> OrderJson {
        OrderJson {
            maker: o.maker,
            taker: o.taker,
            give_id: Uint(o.giveId),
            give_amount: Uint(o.giveAmount),
            want_id: Uint(o.wantId),
            want_amount: Uint(o.wantAmount),
            expiry: o.expiry,
            nonce: o.nonce,
        }
    }
}

/// `POST /orders`'s body.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostOrder {
    /// The order to keep.
    pub order: OrderJson,
    /// The maker's signature over the order's hash in the exchange's EIP-712
    /// domain, `0x` hex.
    pub signature: Bytes,
}

impl From<&SignedOrder> for PostOrder {
    fn from(signed: &SignedOrder) -> PostOrder {
        PostOrder {
            order: OrderJson::from(&signed.order),
            signature: signed.signature.clone(),
        }
    }
}

/// An order the relay holds, as it answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldOrder {
    /// The order's EIP-712 hash (`hashOrder`): its key in `GET /orders/{hash}`
    /// and in the exchange's `filled` and `cancelled`.
    pub hash: B256,
    /// The order as posted.
    pub order: OrderJson,
    /// Its maker's signature, as posted.
    pub signature: Bytes,
    /// What the exchange's `remaining` answered when last read.
    pub remaining: Uint,
    /// What can be filled now: `remaining`, less what the maker's balance
    /// (and, for TokenAI, its allowance to the exchange) covers; zero while
    /// the exchange is not approved.
    pub fillable: Uint,
}

impl HeldOrder {
    /// The order with its signature, as the exchange takes it.
    #[must_use]
    pub fn signed(&self) -> SignedOrder {
        SignedOrder {
            order: Order::from(&self.order),
            signature: self.signature.clone(),
        }
    }
}

/// `GET /orders`'s answer: a pair's best open orders.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Book {
    /// `giveId`: the id the listed orders give.
    pub give_id: Uint,
    /// `wantId`: the id they take in return.
    pub want_id: Uint,
    /// How many of the pair's orders are open (more than `orders` may show).
    pub open: usize,
    /// The best open orders, cheapest per unit first, at most 100.
    pub orders: Vec<HeldOrder>,
}

/// One order's part of a quote, ready for `fillBatch`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLeg {
    /// The order's EIP-712 hash (`hashOrder`).
    pub hash: B256,
    /// The order to fill.
    pub order: OrderJson,
    /// Its maker's signature, passed to `fillBatch` with it.
    pub signature: Bytes,
    /// `giveFill`: the units of the order's give side this leg takes.
    pub give_fill: Uint,
    /// `wantPaid`: what the taker pays for them in `wantId`, as the exchange
    /// charges it: `ceil(giveFill * wantAmount / giveAmount)`.
    pub want_paid: Uint,
}

/// What buying `amount` of `give` costs at the best total price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// `giveId`: the id bought.
    pub give_id: Uint,
    /// `wantId`: the id paid with.
    pub want_id: Uint,
    /// `giveTotal`: what the makers give in all, the `amount` asked for (on a
    /// bid the exchange's fee comes out of the TokenAI the taker receives).
    pub give_total: Uint,
    /// `wantTotal`: what the taker pays in all, the sum of the legs'
    /// `wantPaid`.
    pub want_total: Uint,
    /// The orders to fill, best price first, with what to take of each: they
    /// fill together in one `fillBatch` (a maker's legs are bounded by its
    /// funds).
    pub legs: Vec<QuoteLeg>,
}

impl Quote {
    /// The legs as `fillBatch` takes them: each order with its signature
    /// and the units of its `give` side to take.
    #[must_use]
    pub fn fills(&self) -> Vec<(SignedOrder, U256)> {
        self.legs
            .iter()
            .map(|leg| {
                (
                    SignedOrder {
                        order: Order::from(&leg.order),
                        signature: leg.signature.clone(),
                    },
                    leg.give_fill.0,
                )
            })
            .collect()
    }
}

/// A relay refusal's body: `{"error": label, "message": ...}`.
#[derive(Deserialize)]
struct Refusal {
    error: String,
    message: String,
}

/// The relay at `base` (e.g. `http://127.0.0.1:8090`).
#[derive(Clone, Debug)]
pub struct Relay {
    /// The HTTP client its requests go through.
    pub http: reqwest::Client,
    /// The relay's base URL, without a trailing `/`.
    pub base: String,
}

impl Relay {
    /// The relay at `base` (a trailing `/` dropped), with a new HTTP client;
    /// nothing is sent until the first call.
    #[must_use]
    pub fn new(base: impl Into<String>) -> Self {
        Relay {
            http: reqwest::Client::new(),
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    /// Posts `signed`; the relay checks it against the chain before it
    /// keeps it.
    ///
    /// # Errors
    ///
    /// [`ClientError::Relay`] with the relay's reason (`bad_signature`,
    /// `insufficient_balance`, `not_approved`, `expired`, ...) when it
    /// refuses the order; the network.
    pub async fn post(&self, signed: &SignedOrder) -> Result<HeldOrder, ClientError> {
        let request = self
            .http
            .post(format!("{}/orders", self.base))
            .json(&PostOrder::from(signed));
        self.answer(request).await
    }

    /// The best (up to 100) open orders that give `give` for `want`, best
    /// price first, and how many are open.
    ///
    /// # Errors
    ///
    /// The relay refuses the request, or the network.
    pub async fn orders(&self, give: U256, want: U256) -> Result<Book, ClientError> {
        let url = format!("{}/orders?give={give}&want={want}", self.base);
        self.answer(self.http.get(url)).await
    }

    /// The order with `hash`, as the relay holds it.
    ///
    /// # Errors
    ///
    /// `not_found` when the relay does not hold it, or the network.
    pub async fn order(&self, hash: B256) -> Result<HeldOrder, ClientError> {
        self.answer(self.http.get(format!("{}/orders/{hash}", self.base)))
            .await
    }

    /// The orders and fill amounts that buy `amount` of `give`, paying in
    /// `want`, at the best total price; `taker` counts orders reserved for
    /// it too.
    ///
    /// # Errors
    ///
    /// `insufficient_liquidity` when the book cannot fill `amount`,
    /// `zero_amount`, or the network.
    pub async fn quote(
        &self,
        give: U256,
        want: U256,
        amount: U256,
        taker: Option<Address>,
    ) -> Result<Quote, ClientError> {
        // Decimal numbers and hex addresses: nothing to escape.
        let mut url = format!(
            "{}/quote?give={give}&want={want}&amount={amount}",
            self.base
        );
        if let Some(taker) = taker {
            let _ = write!(url, "&taker={taker}");
        }
        self.answer(self.http.get(url)).await
    }

    async fn answer<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Input(format!("the relay at {}: {e}", self.base)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ClientError::Decode(format!("the relay's answer: {e}")))?;
        if !status.is_success() {
            let (label, message) = match serde_json::from_slice::<Refusal>(&body) {
                Ok(refusal) => (refusal.error, refusal.message),
                Err(_) => (
                    status.as_str().to_owned(),
                    String::from_utf8_lossy(&body).into_owned(),
                ),
            };
            return Err(ClientError::Relay {
                status: status.as_u16(),
                label,
                message,
            });
        }
        serde_json::from_slice(&body)
            .map_err(|e| ClientError::Decode(format!("the relay's answer: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_as_decimal_or_hex_and_garbage_is_explained() {
        assert_eq!("0".parse::<Uint>().unwrap(), Uint(U256::ZERO));
        assert_eq!("255".parse::<Uint>().unwrap(), Uint(U256::from(255)));
        assert_eq!("0xff".parse::<Uint>().unwrap(), Uint(U256::from(255)));
        assert!("0x".parse::<Uint>().is_err());
        assert!("-1".parse::<Uint>().is_err());
        assert!("12ab"
            .parse::<Uint>()
            .unwrap_err()
            .to_string()
            .contains("12ab"));
    }

    #[test]
    fn orders_round_trip_through_json() {
        let text = r#"{"maker":"0x00000000000000000000000000000000000000aa","giveId":"0x07",
            "giveAmount":"30","wantId":"0","wantAmount":100,"expiry":18446744073709551615,"nonce":"3"}"#;
        let parsed: OrderJson = serde_json::from_str(text).unwrap();
        let order = Order::from(&parsed);
        assert_eq!(order.giveId, U256::from(7));
        assert_eq!((order.expiry, order.nonce), (u64::MAX, 3));
        assert_eq!(order.taker, Address::ZERO);
        let back = serde_json::to_value(OrderJson::from(&order)).unwrap();
        assert_eq!(back["giveId"], "7");
        assert_eq!(back["wantAmount"], "100");
        let unknown = r#"{"maker":"0x00000000000000000000000000000000000000aa","giveId":"1",
            "giveAmount":"1","wantId":"0","wantAmount":"1","expiry":1,"nonce":0,"price":2}"#;
        assert!(serde_json::from_str::<OrderJson>(unknown).is_err());
    }
}
