//! Who plays the story: one dev account each, by name and role. The parties
//! are fields, so no step finds an account by its position.

use aat_client::Rails;
use alloy::{primitives::Address, providers::DynProvider, signers::local::PrivateKeySigner};

use crate::error::{service, DemoError};

/// The parties' names and roles, in the order they take the dev accounts.
pub const ROLES: [(&str, &str); 10] = [
    (
        "Operator",
        "deploys and owns the suite; sells TokenAI and LLAMA credits (fiat); its desk makes a market",
    ),
    (
        "University",
        "issues the CS101 course credits and reclaims them after the course",
    ),
    (
        "Ada",
        "student: chats through the provider's gateway, paying by voucher",
    ),
    (
        "Alan",
        "student: his study app pays by a session key his channel names",
    ),
    (
        "Grace",
        "receives GIFT credits a donor bought for her; sells some on the market",
    ),
    ("Donor", "buys GIFT credits with TokenAI for others"),
    (
        "Agent Alice",
        "AI agent: pays Agent Bob per request in TokenAI (exact); buys GIFT on the market",
    ),
    ("Agent Bob", "AI agent: sells a service over x402"),
    (
        "Agent Carol",
        "AI agent holding only TokenAI: buys LLAMA credits on the market, then pays by voucher",
    ),
    (
        "Provider",
        "runs the AI gateway and settles vouchers on-chain",
    ),
];

/// A party: its key and its own client of the suite.
#[derive(Clone)]
pub struct Party {
    pub name: &'static str,
    pub key: PrivateKeySigner,
    pub rails: Rails<DynProvider>,
}

impl Party {
    pub fn address(&self) -> Address {
        self.key.address()
    }
}

/// Everyone in the story.
pub struct Cast {
    pub operator: Party,
    pub university: Party,
    pub ada: Party,
    pub alan: Party,
    pub grace: Party,
    pub donor: Party,
    pub alice: Party,
    pub bob: Party,
    pub carol: Party,
    pub provider: Party,
}

impl Cast {
    /// The parties of [`ROLES`], on `keys` in that order, connected to `url`.
    ///
    /// # Errors
    ///
    /// Fewer keys than parties, or a bad URL.
    pub fn new(url: &str, keys: &[PrivateKeySigner]) -> Result<Cast, DemoError> {
        if keys.len() < ROLES.len() {
            return Err(DemoError::Accounts {
                needed: ROLES.len(),
                have: keys.len(),
            });
        }
        let mut parties = ROLES
            .iter()
            .zip(keys)
            .map(|((name, _), key)| {
                let provider = aat_client::connect(url, key.clone())
                    .map_err(|e| service("the devnode")(e.to_string()))?;
                Ok(Party {
                    name,
                    key: key.clone(),
                    rails: Rails::new(provider, Address::ZERO, Address::ZERO),
                })
            })
            .collect::<Result<Vec<_>, DemoError>>()?
            .into_iter();
        let mut next = || {
            parties.next().ok_or(DemoError::Accounts {
                needed: ROLES.len(),
                have: keys.len(),
            })
        };
        Ok(Cast {
            operator: next()?,
            university: next()?,
            ada: next()?,
            alan: next()?,
            grace: next()?,
            donor: next()?,
            alice: next()?,
            bob: next()?,
            carol: next()?,
            provider: next()?,
        })
    }

    /// Every party's name, role and address, in [`ROLES`]' order.
    pub fn roles(&self) -> Vec<(&'static str, &'static str, Address)> {
        let parties = [
            &self.operator,
            &self.university,
            &self.ada,
            &self.alan,
            &self.grace,
            &self.donor,
            &self.alice,
            &self.bob,
            &self.carol,
            &self.provider,
        ];
        ROLES
            .iter()
            .zip(parties)
            .map(|((name, role), party)| (*name, *role, party.address()))
            .collect()
    }

    /// Points every party's client at the deployed suite.
    pub fn use_suite(&mut self, token: Address, aat: Address) {
        for party in [
            &mut self.operator,
            &mut self.university,
            &mut self.ada,
            &mut self.alan,
            &mut self.grace,
            &mut self.donor,
            &mut self.alice,
            &mut self.bob,
            &mut self.carol,
            &mut self.provider,
        ] {
            party.rails.token = token;
            party.rails.aat = aat;
        }
    }
}
