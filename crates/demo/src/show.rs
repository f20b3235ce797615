//! How the demo shows what happens: one line per step (actor, action,
//! transaction, gas, the balances it changed), a spinner while a step
//! waits, and the final table of every party's holdings.

use std::fmt::Write as _;
use std::{
    collections::BTreeMap,
    io::{IsTerminal, Write},
    time::Duration,
};

use aat_client::{ClientError, Rails};
use alloy::{
    primitives::{Address, U256},
    providers::DynProvider,
};

/// One thing a party can hold.
#[derive(Clone, Debug)]
pub enum Asset {
    TokenAI,
    Credits {
        label: &'static str,
        id: U256,
    },
    /// Units of `id` a holder has locked in its channel with `provider`.
    Channel {
        label: &'static str,
        id: U256,
        provider: Address,
    },
}

impl Asset {
    pub fn label(&self) -> String {
        match self {
            Asset::TokenAI => "TAI".into(),
            Asset::Credits { label, .. } | Asset::Channel { label, .. } => (*label).into(),
        }
    }
}

/// Who is in the story, and what they hold.
pub struct Book {
    pub parties: Vec<(&'static str, Address)>,
    pub assets: Vec<Asset>,
}

/// Holdings by (party, asset).
pub type Snapshot = BTreeMap<(usize, usize), U256>;

impl Book {
    /// Everything everyone holds now.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn snapshot(&self, rails: &Rails<DynProvider>) -> Result<Snapshot, ClientError> {
        let mut out = Snapshot::new();
        for (p, (_, address)) in self.parties.iter().enumerate() {
            for (a, asset) in self.assets.iter().enumerate() {
                let value = match asset {
                    Asset::TokenAI => rails.token_balance(*address).await,
                    Asset::Credits { id, .. } => rails.balance(*address, *id).await,
                    Asset::Channel { id, provider, .. } => rails
                        .channel(*address, *provider, *id)
                        .await
                        .map(|c| c.locked),
                }?;
                out.insert((p, a), value);
            }
        }
        Ok(out)
    }

    /// What changed between two snapshots, as `Name ASSET before→after`.
    pub fn changes(&self, before: &Snapshot, after: &Snapshot) -> String {
        let mut out = Vec::new();
        for (key, value) in after {
            let old = before.get(key).copied().unwrap_or_default();
            if old != *value {
                let (name, _) = self.parties[key.0];
                let asset = &self.assets[key.1];
                out.push(format!(
                    "{name} {} {}→{}",
                    asset.label(),
                    amount(old, asset),
                    amount(*value, asset)
                ));
            }
        }
        out.join(", ")
    }

    /// The table of everyone's holdings.
    pub fn table(&self, snapshot: &Snapshot) -> String {
        let mut out = format!("{:<14}", "");
        for asset in &self.assets {
            let _ = write!(out, "{:>18}", asset.label());
        }
        out.push('\n');
        for (p, (name, _)) in self.parties.iter().enumerate() {
            let _ = write!(out, "{name:<14}");
            for (a, asset) in self.assets.iter().enumerate() {
                let value = snapshot.get(&(p, a)).copied().unwrap_or_default();
                let _ = write!(out, "{:>18}", amount(value, asset));
            }
            out.push('\n');
        }
        out
    }
}

/// `n` with thousands separators.
#[allow(clippy::needless_pass_by_value)] // numbers as the story has them
pub fn grouped(n: impl ToString) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// TokenAI in TAI with up to 4 decimals; credits as integers.
pub fn amount(value: U256, asset: &Asset) -> String {
    match asset {
        Asset::TokenAI => {
            let unit = U256::from(10u64).pow(U256::from(18u64));
            let whole = value / unit;
            let frac = (value % unit) / U256::from(100_000_000_000_000u64);
            if frac.is_zero() {
                grouped(whole)
            } else {
                format!("{}.{:04}", grouped(whole), frac.to::<u64>())
            }
        }
        _ => grouped(value),
    }
}

/// Runs `work` with a spinner on the terminal (stderr) saying `label`.
pub async fn waiting<T>(label: &str, work: impl std::future::Future<Output = T>) -> T {
    if !std::io::stderr().is_terminal() {
        return work.await;
    }
    let label = label.to_owned();
    let spinner = tokio::spawn(async move {
        let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
        for i in 0.. {
            eprint!("\r{} {label}…", frames[i % frames.len()]);
            let _ = std::io::stderr().flush();
            tokio::time::sleep(Duration::from_millis(80)).await;
        }
    });
    let out = work.await;
    spinner.abort();
    eprint!("\r\x1b[2K");
    out
}

/// `0x1234…cdef`.
#[allow(clippy::needless_pass_by_value)] // hashes as the story has them
pub fn short(hash: impl ToString) -> String {
    let text = hash.to_string();
    if text.len() > 14 {
        format!("{}…{}", &text[..6], &text[text.len() - 4..])
    } else {
        text
    }
}
