//! Prints a Stylus contract's ABI, as a Solidity interface and as a JSON
//! ABI, for `cargo stylus export-abi` and `scripts/build`.
//!
//! A contract's ABI is its spec file: the router dispatches the selectors of
//! the call types `sol!` generates from it, and the contract emits and
//! reverts with its event and error types. So the interface printed is the
//! spec file itself (with its `NatSpec`, which wallets and integrators read),
//! and the JSON ABI is what `sol!` generates from the same file, with the
//! constructor, which an interface cannot declare, and the struct names
//! solc gives tuple parameters (`"internalType": "struct IAAT.Voucher"`),
//! which `sol!` leaves out and typed clients generate structs from.

use alloy_json_abi::{Constructor, InternalType, JsonAbi, Param};

/// A contract's spec, as its `export-abi` binary passes it.
pub struct Spec {
    /// The interface's name, e.g. `IAAT`.
    pub name: &'static str,
    /// The spec file's text.
    pub source: &'static str,
    /// The JSON ABI `sol!` generated from it.
    pub abi: JsonAbi,
    /// Each struct it declares, as its EIP-712 type:
    /// `Name(type name,...)` (`SolStruct::eip712_encode_type`).
    pub structs: Vec<String>,
    /// The constructor, e.g. `constructor(address owner)`.
    pub constructor: &'static str,
}

/// A struct's name and its members' types and names.
fn parse_struct(encode_type: &str) -> (&str, Vec<(&str, &str)>) {
    let (name, members) = encode_type.split_once('(').unwrap_or((encode_type, ")"));
    let members = members.strip_suffix(')').unwrap_or(members);
    let members = members
        .split(',')
        .filter_map(|member| member.split_once(' '))
        .collect();
    (name, members)
}

/// Gives each tuple parameter whose components are a struct's members that
/// struct's name, as solc does.
fn name_structs(params: &mut [Param], structs: &[(&str, Vec<(&str, &str)>)], contract: &str) {
    for param in params {
        let base = param.ty.trim_end_matches("[]");
        if base == "tuple" {
            let members: Vec<(&str, &str)> = param
                .components
                .iter()
                .map(|c| (c.ty.as_str(), c.name.as_str()))
                .collect();
            if let Some((name, _)) = structs.iter().find(|(_, m)| *m == members) {
                param.internal_type = Some(InternalType::Struct {
                    contract: Some(contract.to_owned()),
                    ty: format!("{name}{}", &param.ty[base.len()..]),
                });
            }
        }
        name_structs(&mut param.components, structs, contract);
    }
}

/// The JSON ABI: the spec's, with its constructor and struct names.
///
/// # Errors
///
/// When the constructor is not a valid human-readable constructor.
pub fn json_abi(spec: Spec) -> Result<JsonAbi, alloy_json_abi::parser::Error> {
    let mut abi = spec.abi;
    abi.constructor = Some(Constructor::parse(spec.constructor)?);
    let structs: Vec<_> = spec.structs.iter().map(|s| parse_struct(s)).collect();
    for function in abi.functions.values_mut().flatten() {
        name_structs(&mut function.inputs, &structs, spec.name);
        name_structs(&mut function.outputs, &structs, spec.name);
    }
    Ok(abi)
}

/// The contract binary's `main` under the `export-abi` feature.
///
/// Arguments: none or `abi` print the Solidity interface (what
/// `cargo stylus export-abi` expects), `constructor` the constructor
/// signature, `json` the JSON ABI. A constructor that does not parse exits
/// with status 1.
///
/// # Panics
///
/// If the JSON ABI fails to serialize, which `JsonAbi` never does.
pub fn export(spec: Spec) {
    let command = std::env::args().nth(1).unwrap_or_default();
    let (interface, constructor) = (spec.source, spec.constructor);
    match command.as_str() {
        "constructor" => println!("{constructor}"),
        "json" | "--json" => match json_abi(spec) {
            Ok(abi) => println!(
                "{}",
                serde_json::to_string_pretty(&abi).expect("a JSON ABI always serializes")
            ),
            Err(err) => {
                eprintln!("abi-export: {constructor}: {err}");
                std::process::exit(1);
            }
        },
        _ => print!("{interface}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(abi: JsonAbi, structs: &[&str], constructor: &'static str) -> Spec {
        Spec {
            name: "IBox",
            source: "interface IBox {}",
            abi,
            structs: structs.iter().map(|s| (*s).to_owned()).collect(),
            constructor,
        }
    }

    #[test]
    fn the_constructor_joins_the_interface() {
        let abi =
            JsonAbi::parse(["function get(uint256 id) external view returns (uint256)"]).unwrap();
        let abi = json_abi(spec(
            abi,
            &[],
            "constructor(string memory name, address owner)",
        ))
        .unwrap();
        assert_eq!(abi.functions().count(), 1);
        let constructor = abi.constructor().unwrap();
        assert_eq!(constructor.inputs[0].ty, "string");
        assert_eq!(constructor.inputs[1].name, "owner");
    }

    #[test]
    fn a_malformed_constructor_is_an_error() {
        assert!(json_abi(spec(JsonAbi::new(), &[], "constructor(address")).is_err());
    }

    #[test]
    fn tuples_of_a_structs_members_take_its_name() {
        let pair = |who: &str, ty: &str, name: &str| {
            format!(
                r#"{{"name":"{name}","type":"{ty}","components":[{{"name":"{who}","type":"address"}},{{"name":"amount","type":"uint256"}}]}}"#
            )
        };
        let json = format!(
            r#"[{{"type":"function","name":"put","inputs":[{},{},{}],"outputs":[],"stateMutability":"nonpayable"}}]"#,
            pair("who", "tuple", "pair"),
            pair("who", "tuple[]", "pairs"),
            pair("other", "tuple", "stranger"),
        );
        let abi: JsonAbi = serde_json::from_str(&json).unwrap();
        let abi = json_abi(spec(
            abi,
            &["Pair(address who,uint256 amount)"],
            "constructor()",
        ))
        .unwrap();
        let put = &abi.function("put").unwrap()[0];
        let named = |i: usize| {
            put.inputs[i]
                .internal_type
                .as_ref()
                .map(ToString::to_string)
        };
        assert_eq!(named(0).as_deref(), Some("struct IBox.Pair"));
        assert_eq!(named(1).as_deref(), Some("struct IBox.Pair[]"));
        assert_eq!(named(2), None, "other member names: another struct");
    }
}
