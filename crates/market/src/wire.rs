//! The relay's JSON: orders as makers post them and takers read them.
//! Amounts and ids travel as strings (decimal, or hex with `0x`), because
//! they are 256-bit and JSON numbers are not; they are written back as
//! decimal strings. `expiry` and `nonce` are 64-bit JSON numbers or strings.

use std::{fmt, str::FromStr};

use aat_client::orders::Order;
use alloy::primitives::{Address, Bytes, B256, U256};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::store::StoredOrder;

/// A 256-bit amount or id in JSON: a decimal or `0x` hex string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Uint(pub U256);

impl FromStr for Uint {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let parsed = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            Some(hex) if !hex.is_empty() => U256::from_str_radix(hex, 16),
            Some(_) => return Err(format!("{text:?} is not a number")),
            None => U256::from_str_radix(text, 10),
        };
        parsed
            .map(Uint)
            .map_err(|_| format!("{text:?} is not a 256-bit decimal or 0x hex number"))
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
    pub maker: Address,
    #[serde(default)]
    pub taker: Address,
    pub give_id: Uint,
    pub give_amount: Uint,
    pub want_id: Uint,
    pub want_amount: Uint,
    #[serde(deserialize_with = "u64_field")]
    pub expiry: u64,
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
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostOrder {
    pub order: OrderJson,
    pub signature: Bytes,
}

/// An order the relay holds, as it answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldOrder {
    pub hash: B256,
    pub order: OrderJson,
    pub signature: Bytes,
    /// What the exchange's `remaining` answered when last read.
    pub remaining: Uint,
    /// What can be filled now: `remaining`, less what the maker's balance
    /// (and, for TokenAI, its allowance to the exchange) covers; zero while
    /// the exchange is not approved.
    pub fillable: Uint,
}

impl From<&StoredOrder> for HeldOrder {
    fn from(stored: &StoredOrder) -> HeldOrder {
        HeldOrder {
            hash: stored.hash,
            order: OrderJson::from(&stored.order),
            signature: stored.signature.clone(),
            remaining: Uint(stored.remaining),
            fillable: Uint(stored.fillable),
        }
    }
}

/// One order's part of a quote, ready for `fillBatch`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLeg {
    pub hash: B256,
    pub order: OrderJson,
    pub signature: Bytes,
    pub give_fill: Uint,
    pub want_paid: Uint,
}

/// What buying `amount` of `give` costs at the best total price.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    pub give_id: Uint,
    pub want_id: Uint,
    pub give_total: Uint,
    pub want_total: Uint,
    pub legs: Vec<QuoteLeg>,
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
        assert!("12ab".parse::<Uint>().unwrap_err().contains("12ab"));
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
