//! The generated ABI (`abi/*.json`, written by `scripts/build` from the
//! contracts' own `export-abi`) must list exactly the functions, events and
//! errors of the spec interfaces: same selectors, same topics, same
//! mutability and outputs, nothing missing, nothing extra. And each
//! contract's router must dispatch exactly the spec's functions.

use std::{collections::BTreeMap, path::PathBuf};

use alloy_json_abi::JsonAbi;
use alloy_sol_types::{sol, SolEvent};

sol!(
    #[sol(abi)]
    "../spec/ITokenAI.sol"
);
sol!(
    #[sol(abi)]
    "../spec/IAAT.sol"
);
sol!(
    #[sol(abi)]
    "../spec/IAATExchange.sol"
);

/// `type name, ...`: wallets and dApps show arguments by these names, so
/// they are part of the interface too.
fn named(params: &[alloy_json_abi::Param]) -> String {
    let named: Vec<String> = params
        .iter()
        .map(|p| format!("{} {}", p.selector_type(), p.name))
        .collect();
    named.join(", ")
}

/// One comparable line per ABI item, keyed by selector or topic.
fn items(abi: &JsonAbi) -> BTreeMap<String, String> {
    let mut items = BTreeMap::new();
    for f in abi.functions() {
        let outputs: Vec<String> = f
            .outputs
            .iter()
            .map(|p| p.selector_type().into_owned())
            .collect();
        items.insert(
            format!("function {}", f.selector()),
            format!(
                "{} ({}) {:?} returns ({})",
                f.signature(),
                named(&f.inputs),
                f.state_mutability,
                outputs.join(",")
            ),
        );
    }
    for e in abi.events() {
        let indexed: Vec<bool> = e.inputs.iter().map(|p| p.indexed).collect();
        items.insert(
            format!("event {}", e.selector()),
            format!(
                "{} indexed {:?} anonymous {} names {:?}",
                e.signature(),
                indexed,
                e.anonymous,
                e.inputs.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()
            ),
        );
    }
    for e in abi.errors() {
        items.insert(
            format!("error {}", e.selector()),
            format!("{} ({})", e.signature(), named(&e.inputs)),
        );
    }
    items
}

fn generated(name: &str) -> JsonAbi {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../abi")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err}; run scripts/build first", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

fn assert_same(name: &str, spec: &JsonAbi) {
    let (want, got) = (items(spec), items(&generated(name)));
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, v)| want.get(*k) != Some(v))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{name}: the generated ABI differs from the spec\n  spec only: {missing:#?}\n  generated only: {extra:#?}"
    );
    assert!(
        want.len() > 40,
        "{name}: the spec parsed to only {} items",
        want.len()
    );
}

#[test]
fn token_ai_abi_matches_spec() {
    assert_same("TokenAI", &ITokenAI::abi::contract());
}

#[test]
fn aat_abi_matches_spec() {
    assert_same("AAT", &IAAT::abi::contract());
}

#[test]
fn exchange_abi_matches_spec() {
    assert_same("AATExchange", &IAATExchange::abi::contract());
}

#[test]
fn comparison_catches_a_missing_function() {
    let spec = ITokenAI::abi::contract();
    let mut trimmed = generated("TokenAI");
    trimmed.functions.remove("permit");
    assert_ne!(items(&spec), items(&trimmed));
}

/// Each contract's router dispatches exactly its spec's functions (the
/// routing tests beside each contract check that each reaches its
/// function), and the administration functions, errors and events of
/// `abi_core::access` are each spec's own.
#[test]
fn every_spec_function_is_routed_and_nothing_else() {
    use abi_core::access;
    let specs = [
        (
            "TokenAI",
            ITokenAI::abi::contract(),
            [token_ai::router::SELECTORS, access::SELECTORS],
            access::ERROR_SELECTORS,
        ),
        (
            "AAT",
            IAAT::abi::contract(),
            [aat::router::SELECTORS, access::SELECTORS],
            access::ERROR_SELECTORS,
        ),
        (
            "AATExchange",
            IAATExchange::abi::contract(),
            [
                exchange::router::SELECTORS,
                access::OWNER_AND_PAUSE_SELECTORS,
            ],
            access::OWNER_AND_PAUSE_ERROR_SELECTORS,
        ),
    ];
    for (name, spec, tables, access_errors) in specs {
        let functions: Vec<u32> = spec
            .functions()
            .map(|f| u32::from_be_bytes(f.selector().0))
            .collect();
        abi_core::testing::assert_same_selectors(name, &tables, &functions);
        let errors: Vec<[u8; 4]> = spec.errors().map(|e| e.selector().0).collect();
        assert!(
            access_errors.iter().all(|e| errors.contains(e)),
            "{name}: an access error is not the spec's"
        );
        let events: Vec<_> = spec.events().map(|e| e.selector()).collect();
        let mut access_events = vec![
            access::Paused::SIGNATURE_HASH,
            access::Unpaused::SIGNATURE_HASH,
            access::OwnershipTransferStarted::SIGNATURE_HASH,
            access::OwnershipTransferred::SIGNATURE_HASH,
        ];
        if name != "AATExchange" {
            access_events.push(access::MinterSet::SIGNATURE_HASH);
        }
        assert!(
            access_events.iter().all(|e| events.contains(e)),
            "{name}: an access event is not the spec's"
        );
    }
}
