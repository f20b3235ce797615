//! The gateway's configuration: a TOML file, with the secrets (the
//! provider's key, the upstream's API key) from the environment and the
//! deployment-specific values overridable on the command line.

use std::{collections::BTreeMap, net::SocketAddr, path::Path};

use aat_client::{policy::bytes16, ClientError};
use alloy::primitives::{Address, FixedBytes, U256};
use serde::Deserialize;

/// Everything the gateway needs to run.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where to listen.
    #[serde(default = "defaults::listen")]
    pub listen: SocketAddr,
    /// Where clients reach this gateway (scheme, host and any path prefix,
    /// e.g. `https://ai.example.edu`), for x402's absolute `resource.url`.
    /// Unset: `http://` and the request's `Host` header (set it behind a
    /// TLS proxy).
    #[serde(default)]
    pub public_url: Option<String>,
    /// The OpenAI-compatible upstream's base URL (requests go to
    /// `{upstream}/v1/...`).
    pub upstream: String,
    /// The environment variable holding the upstream's API key (sent as
    /// `Authorization: Bearer`); unset or empty sends none.
    #[serde(default = "defaults::upstream_key_env")]
    pub upstream_key_env: String,
    /// How long an upstream call may take, in seconds, before it fails (and
    /// is not charged).
    #[serde(default = "defaults::upstream_timeout")]
    pub upstream_timeout_secs: u64,
    /// The chain's JSON-RPC endpoint.
    pub rpc: String,
    /// AAT's address; TokenAI's is read from it.
    pub aat: Address,
    /// The environment variable holding the provider's private key (hex):
    /// the key vouchers are made out to, that settles, and that signs
    /// receipts.
    #[serde(default = "defaults::provider_key_env")]
    pub provider_key_env: String,
    /// `sqlite://path` (embedded; created when missing) or
    /// `postgres://...` (several instances sharing one database).
    #[serde(default = "defaults::database")]
    pub database: String,
    /// SQLite's durability: "full" (the default) or "normal".
    #[serde(default)]
    pub sqlite_sync: crate::ledger::SqliteSync,
    /// This instance's name, unique among instances sharing a database.
    #[serde(default = "defaults::instance")]
    pub instance: String,
    /// How often the chain's logs are read, in milliseconds.
    #[serde(default = "defaults::poll_ms")]
    pub poll_ms: u64,
    /// The models served, by the name clients ask for (`upstream_model`
    /// renames one for the upstream).
    pub models: BTreeMap<String, ModelConfig>,
    /// The `aat-voucher` scheme's terms (`[voucher]`; every setting has a
    /// default).
    #[serde(default)]
    pub voucher: VoucherConfig,
    /// Absent: the `exact` scheme is not offered.
    #[serde(default)]
    pub exact: Option<ExactConfig>,
    /// When the worker settles, and how long charged answers are kept
    /// (`[settlement]`; every setting has a default).
    #[serde(default)]
    pub settlement: SettlementConfig,
}

/// One served model.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// The AAT `model` (up to 16 bytes of text) whose units pay for it.
    pub aat_model: String,
    /// Units charged per prompt token.
    pub prompt_price: u64,
    /// Units charged per completion token.
    pub completion_price: u64,
    /// The most completion tokens one request may ask for; also what a
    /// request without `max_tokens` is limited to.
    #[serde(default = "defaults::max_tokens")]
    pub max_tokens: u64,
    /// The AAT scopes accepted ("" is the unscoped zero scope). Empty:
    /// only unscoped ids.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The name the upstream serves this model under, when it is not the
    /// name clients ask for (an alias): the forwarded request's `model` is
    /// rewritten to it. Unset: forwarded as asked.
    #[serde(default)]
    pub upstream_model: Option<String>,
}

impl ModelConfig {
    /// The `bytes16` model name.
    ///
    /// # Errors
    ///
    /// Longer than 16 bytes.
    pub fn model16(&self) -> Result<FixedBytes<16>, ClientError> {
        bytes16(&self.aat_model)
    }

    /// The accepted scopes as `bytes16`.
    ///
    /// # Errors
    ///
    /// A scope longer than 16 bytes.
    pub fn scopes16(&self) -> Result<Vec<FixedBytes<16>>, ClientError> {
        if self.scopes.is_empty() {
            return Ok(vec![FixedBytes::ZERO]);
        }
        self.scopes.iter().map(|s| bytes16(s)).collect()
    }

    /// The model's and its scopes' `bytes16` names, as `[models.NAME]`
    /// configures them under `name`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Name`]: which of them is over 16 bytes.
    pub fn names16(
        &self,
        name: &str,
    ) -> Result<(FixedBytes<16>, Vec<FixedBytes<16>>), ConfigError> {
        let refused = |field| {
            move |source| ConfigError::Name {
                model: name.to_owned(),
                field,
                source,
            }
        };
        Ok((
            self.model16().map_err(refused("aat_model"))?,
            self.scopes16().map_err(refused("scopes"))?,
        ))
    }
}

/// The `aat-voucher` scheme's terms.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoucherConfig {
    /// When set, only these ids are accepted (besides matching a model).
    #[serde(default)]
    pub accepted_ids: Vec<U256>,
    /// A voucher must stay valid at least this long (seconds), so that it
    /// can still be settled.
    #[serde(default = "defaults::min_validity")]
    pub min_validity_secs: u64,
    /// A channel counts as the holder's budget only while it stays open at
    /// least this long (seconds); after, the balance does.
    #[serde(default = "defaults::channel_margin")]
    pub channel_margin_secs: u64,
    /// The most units a holder may owe beyond its latest voucher, counting
    /// requests in flight: the gateway's exposure per holder. It is never
    /// more than the maximum cost of the request being admitted (a larger
    /// value is clamped to it), so a holder has one request at a time beyond
    /// its voucher; unset: exactly that.
    #[serde(default)]
    pub credit_limit: Option<u64>,
    /// Units beyond what is settled that a holder without an open channel
    /// may owe against its balance alone. A balance guarantees nothing: its
    /// holder can move it before the voucher settles (or lock it in a
    /// channel that names a session key, after which AAT takes no voucher
    /// of the holder's own), so this is credit the provider grants, the most
    /// it can lose to each such holder and id. 0 (the default): vouchers
    /// are served against open channels only.
    #[serde(default)]
    pub balance_credit_units: u64,
    /// The fee (basis points) a holder's budget sets aside for settling
    /// what it owes, when more than AAT's current `feeBps`. AAT's owner can
    /// raise the fee at once, up to `MAX_FEE_BPS` (1,000), and a voucher
    /// then burns more than was budgeted: one paid from a channel alone (a
    /// session key's, or a holder's with nothing else) could no longer
    /// settle. The default, 1,000, makes what is served settleable whatever
    /// the fee becomes; a lower figure lets a holder use more of its
    /// channel between settlements, trusting the fee not to rise meanwhile
    /// (0: the current fee only).
    #[serde(default = "defaults::budget_fee_bps")]
    pub budget_fee_bps: u16,
}

impl Default for VoucherConfig {
    fn default() -> Self {
        VoucherConfig {
            accepted_ids: Vec::new(),
            min_validity_secs: defaults::min_validity(),
            channel_margin_secs: defaults::channel_margin(),
            credit_limit: None,
            balance_credit_units: 0,
            budget_fee_bps: defaults::budget_fee_bps(),
        }
    }
}

/// The `exact` scheme's terms.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExactConfig {
    /// TokenAI (in wei, 18 decimals) per request.
    pub price: U256,
    /// Where payments go; the provider by default.
    #[serde(default)]
    pub pay_to: Option<Address>,
    /// How long an authorization must stay valid (seconds), so that it can
    /// still be settled; what the offer's `maxTimeoutSeconds` says.
    #[serde(default = "defaults::exact_timeout")]
    pub max_timeout_secs: u64,
    /// Settle each authorization before its response goes out, as x402's
    /// reference servers do: the `PAYMENT-RESPONSE` carries the transaction,
    /// and a payment that no longer settles (the payer moved its funds or
    /// canceled the authorization while the upstream answered) withholds a
    /// whole response (a 402). A round trip to the chain per request, one
    /// at a time (one signer). Off (the default): the worker settles them
    /// from a queue, off the request path.
    #[serde(default)]
    pub settle_before_response: bool,
}

/// When and how the worker settles.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettlementConfig {
    /// Settle a holder once this many units are unsettled.
    #[serde(default = "defaults::threshold")]
    pub threshold_units: u64,
    /// Or once its latest voucher is this old (seconds).
    #[serde(default = "defaults::max_age")]
    pub max_age_secs: u64,
    /// Or once its voucher or channel ends within this many seconds.
    #[serde(default = "defaults::expiry_margin")]
    pub expiry_margin_secs: u64,
    /// Vouchers per `settleBatch`.
    #[serde(default = "defaults::batch")]
    pub batch_size: usize,
    /// How often the worker looks, in milliseconds.
    #[serde(default = "defaults::interval")]
    pub interval_ms: u64,
    /// How long a charged request's answer is kept (seconds), so that a
    /// payer it never reached can ask again with the same request and
    /// payment and receive it without being charged twice. 0 keeps none.
    #[serde(default = "defaults::answer_retention")]
    pub answer_retention_secs: u64,
}

impl Default for SettlementConfig {
    fn default() -> Self {
        SettlementConfig {
            threshold_units: defaults::threshold(),
            max_age_secs: defaults::max_age(),
            expiry_margin_secs: defaults::expiry_margin(),
            batch_size: defaults::batch(),
            interval_ms: defaults::interval(),
            answer_retention_secs: defaults::answer_retention(),
        }
    }
}

mod defaults {
    use std::net::SocketAddr;

    pub fn listen() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 8080))
    }
    pub fn upstream_key_env() -> String {
        "UPSTREAM_API_KEY".into()
    }
    pub fn upstream_timeout() -> u64 {
        120
    }
    pub fn provider_key_env() -> String {
        "PROVIDER_KEY".into()
    }
    pub fn database() -> String {
        "sqlite://aat-gateway.db".into()
    }
    pub fn instance() -> String {
        "gateway".into()
    }
    pub fn poll_ms() -> u64 {
        500
    }
    pub fn max_tokens() -> u64 {
        1024
    }
    pub fn min_validity() -> u64 {
        3600
    }
    pub fn channel_margin() -> u64 {
        600
    }
    /// AAT's `MAX_FEE_BPS`.
    pub fn budget_fee_bps() -> u16 {
        1_000
    }
    pub fn exact_timeout() -> u64 {
        300
    }
    pub fn threshold() -> u64 {
        100_000
    }
    pub fn max_age() -> u64 {
        300
    }
    pub fn expiry_margin() -> u64 {
        900
    }
    pub fn batch() -> usize {
        100
    }
    pub fn interval() -> u64 {
        1000
    }
    pub fn answer_retention() -> u64 {
        600
    }
}

impl Config {
    /// Reads and checks a TOML file.
    ///
    /// # Errors
    ///
    /// The file cannot be read, does not parse, or fails [`Config::check`].
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let config: Config = toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
        config.check()?;
        Ok(config)
    }

    /// Refuses what cannot work, with what to change.
    ///
    /// # Errors
    ///
    /// No models, a model or scope name over 16 bytes, a zero price, a
    /// zero batch size.
    pub fn check(&self) -> Result<(), ConfigError> {
        if self.models.is_empty() {
            return Err(ConfigError::NoModels);
        }
        for (name, model) in &self.models {
            model.names16(name)?;
            if model.prompt_price == 0 && model.completion_price == 0 {
                return Err(ConfigError::FreeModel(name.clone()));
            }
            if model.max_tokens == 0 {
                return Err(ConfigError::NoTokens(name.clone()));
            }
        }
        if self.settlement.batch_size == 0 {
            return Err(ConfigError::NoBatch);
        }
        if self
            .exact
            .as_ref()
            .is_some_and(|exact| exact.price.is_zero())
        {
            return Err(ConfigError::FreeExact);
        }
        Ok(())
    }
}

/// Why a configuration is refused, with what to change.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file given.
        path: std::path::PathBuf,
        /// Why reading it failed.
        source: std::io::Error,
    },
    /// The file is not valid TOML, or not this configuration's shape (an
    /// unknown key, a missing one, a value of the wrong type).
    #[error("{}: {source}", path.display())]
    Parse {
        /// The file given.
        path: std::path::PathBuf,
        /// The parser's error, which names the key and position.
        source: Box<toml::de::Error>,
    },
    /// No `[models.NAME]` table: the gateway would serve nothing.
    #[error("configure at least one [models.NAME]")]
    NoModels,
    /// A model's or a scope's name does not fit a `bytes16`.
    #[error("models.{model}.{field}: {source}")]
    Name {
        /// The model's key in `[models.NAME]`.
        model: String,
        /// Which setting is too long: `aat_model` or `scopes`.
        field: &'static str,
        /// The refusal from the `bytes16` conversion.
        source: ClientError,
    },
    /// The named model's prompt and completion prices are both zero.
    #[error("models.{0}: a price of zero would serve it for free")]
    FreeModel(String),
    /// The named model's `max_tokens` is zero.
    #[error("models.{0}.max_tokens must be at least 1")]
    NoTokens(String),
    /// `settlement.batch_size` is zero: no voucher would ever settle.
    #[error("settlement.batch_size must be at least 1")]
    NoBatch,
    /// `[exact]` is configured with a zero `price`.
    #[error("exact.price of zero would serve for free")]
    FreeExact,
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
        upstream = "http://127.0.0.1:9000"
        rpc = "http://127.0.0.1:8547"
        aat = "0x00000000000000000000000000000000000000a7"
        [models.gpt-4o-mini]
        aat_model = "gpt-4o-mini"
        prompt_price = 1
        completion_price = 4
    "#;

    #[test]
    fn a_minimal_file_gets_the_documented_defaults() {
        let config: Config = toml::from_str(MINIMAL).unwrap();
        config.check().unwrap();
        assert_eq!(config.listen.port(), 8080);
        assert_eq!(config.database, "sqlite://aat-gateway.db");
        assert_eq!(config.settlement.batch_size, 100);
        assert!(config.exact.is_none());
        let model = &config.models["gpt-4o-mini"];
        assert_eq!(model.max_tokens, 1024);
        assert_eq!(model.scopes16().unwrap(), vec![FixedBytes::ZERO]);
    }

    #[test]
    fn the_example_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("gateway.example.toml");
        let config = Config::load(&path).unwrap();
        assert_eq!(
            config.exact.unwrap().price,
            U256::from(1_000_000_000_000_000u64)
        );
        assert_eq!(config.models["gpt-4o-mini"].scopes16().unwrap().len(), 2);
    }

    #[test]
    fn mistakes_are_refused_with_what_to_change() {
        let typo = MINIMAL.replace("prompt_price", "prompt_prise");
        assert!(toml::from_str::<Config>(&typo)
            .unwrap_err()
            .to_string()
            .contains("prompt_prise"));
        let long = MINIMAL.replace(
            "aat_model = \"gpt-4o-mini\"",
            "aat_model = \"a-very-long-model-name\"",
        );
        let err = toml::from_str::<Config>(&long)
            .unwrap()
            .check()
            .unwrap_err();
        assert!(
            matches!(&err, ConfigError::Name { model, field: "aat_model", .. } if model == "gpt-4o-mini"),
            "{err}"
        );
        assert!(err
            .to_string()
            .starts_with("models.gpt-4o-mini.aat_model: "));
        let free = MINIMAL
            .replace("prompt_price = 1", "prompt_price = 0")
            .replace("completion_price = 4", "completion_price = 0");
        assert!(matches!(
            toml::from_str::<Config>(&free).unwrap().check(),
            Err(ConfigError::FreeModel(name)) if name == "gpt-4o-mini"
        ));
    }
}
