//! Prints a Stylus contract's complete ABI, as a Solidity interface and as a
//! JSON ABI, for `cargo stylus export-abi` and `scripts/build`.
//!
//! stylus-sdk 0.9 generates the interface's functions (from the contract's
//! `#[public] impl`) and errors (from its error enum), but no events: a
//! contract has no way to declare what it emits. Each contract therefore
//! passes the events it emits, and this crate writes them into the interface.
//! It also drops `error Panic(uint256)`: the contracts revert with Solidity's
//! built-in panic on overflow, and solc never declares its built-ins either.
//! The JSON ABI is parsed from the finished interface, so both always agree.

use std::fmt;

use alloy_json_abi::{Event, InternalType, JsonAbi, Param};

/// The built-in errors a Solidity ABI never declares.
const BUILTIN_ERRORS: [&str; 2] = ["error Panic(uint256);", "error Error(string);"];

/// Licence and pragma of the printed interface, as in the spec files.
const HEADER: &str = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.23;\n";

/// A formatter of generated Solidity: `GenerateAbi::fmt_abi` or
/// `GenerateAbi::fmt_constructor_signature` of the contract's entrypoint.
/// Taken as plain functions so that this crate does not turn on
/// stylus-sdk's `export-abi` feature for the whole workspace.
pub type Formatter = fn(&mut fmt::Formatter<'_>) -> fmt::Result;

/// What stylus-sdk generates for a contract.
#[derive(Clone, Copy)]
pub struct Generated {
    /// `<Contract as GenerateAbi>::fmt_abi`.
    pub interface: Formatter,
    /// `<Contract as GenerateAbi>::fmt_constructor_signature`.
    pub constructor: Formatter,
}

struct Printer(Formatter);

impl fmt::Display for Printer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (self.0)(f)
    }
}

/// The contract's Solidity interface: the SDK's functions and errors, the
/// given events, without built-in errors.
#[must_use]
pub fn solidity_interface(generated: Generated, events: &[Event]) -> String {
    let generated = Printer(generated.interface).to_string();
    let mut lines: Vec<String> = Vec::new();
    for line in generated.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || BUILTIN_ERRORS.contains(&trimmed) {
            continue;
        }
        // A blank line between the functions and the errors.
        if trimmed.starts_with("error ") && !lines.last().is_some_and(|l| l.contains("error ")) {
            lines.push(String::new());
        }
        if trimmed == "}" {
            lines.push(String::new());
            let mut declarations: Vec<String> = events
                .iter()
                .map(|event| format!("    {};", event.full_signature()))
                .collect();
            declarations.sort();
            lines.extend(declarations);
        }
        lines.push(line.trim_end().to_owned());
    }
    format!("{HEADER}\n{}\n", lines.join("\n"))
}

/// The constructor's Solidity signature, e.g. `constructor(address owner)`.
#[must_use]
pub fn constructor_signature(generated: Generated) -> String {
    Printer(generated.constructor).to_string().trim().to_owned()
}

/// A struct of the interface: its name, its members (type and name), and
/// them as a human-readable tuple type, `tuple(address,...)` (alloy's
/// parser takes no member names; `name_structs` adds them back).
struct Struct {
    name: String,
    members: Vec<(String, String)>,
    tuple: String,
}

/// The structs an interface declares, one `struct Name { type name; ... }`
/// a line.
fn structs(interface: &str) -> Vec<Struct> {
    interface
        .lines()
        .filter_map(|line| line.trim().strip_prefix("struct "))
        .filter_map(|rest| {
            let (name, body) = rest.split_once('{')?;
            let members: Vec<(String, String)> = body
                .trim_end_matches('}')
                .split(';')
                .filter_map(|member| member.trim().split_once(' '))
                .map(|(ty, name)| (ty.to_owned(), name.trim().to_owned()))
                .collect();
            let types: Vec<&str> = members.iter().map(|(ty, _)| ty.as_str()).collect();
            Some(Struct {
                name: name.trim().to_owned(),
                tuple: format!("tuple({})", types.join(",")),
                members,
            })
        })
        .collect()
}

/// `declaration` with each parameter typed by a struct typed by its tuple,
/// which human-readable ABI parsers understand.
fn expand_structs(declaration: &str, structs: &[Struct]) -> String {
    let mut out = declaration.to_owned();
    for s in structs {
        for opener in ["(", ", "] {
            for suffix in ["[] ", " "] {
                out = out.replace(
                    &format!("{opener}{}{suffix}", s.name),
                    &format!("{opener}{}{suffix}", s.tuple),
                );
            }
        }
    }
    out
}

/// Gives each tuple parameter whose member types are a struct's the
/// struct's member names and its name, as solc's JSON ABI does
/// (`"internalType": "struct IAAT.Voucher"`), so that clients take it as an
/// object with named fields and typed clients generate the struct by name.
fn name_structs(params: &mut [Param], structs: &[Struct], contract: &str) {
    for param in params {
        let base = param.ty.trim_end_matches("[]");
        if base == "tuple" {
            let types: Vec<&str> = param.components.iter().map(|c| c.ty.as_str()).collect();
            let found = structs.iter().find(|s| {
                s.members
                    .iter()
                    .map(|(ty, _)| ty.as_str())
                    .eq(types.iter().copied())
            });
            if let Some(found) = found {
                for (component, (_, name)) in param.components.iter_mut().zip(&found.members) {
                    component.name.clone_from(name);
                }
                let array = &param.ty[base.len()..];
                param.internal_type = Some(InternalType::Struct {
                    contract: Some(contract.to_owned()),
                    ty: format!("{}{array}", found.name),
                });
            }
        }
        name_structs(&mut param.components, structs, contract);
    }
}

/// The JSON ABI of the interface and constructor.
///
/// # Errors
///
/// When a declaration of the interface is not valid human-readable ABI.
pub fn json_abi(
    generated: Generated,
    events: &[Event],
) -> Result<JsonAbi, alloy_json_abi::parser::Error> {
    let interface = solidity_interface(generated, events);
    let constructor = constructor_signature(generated);
    let structs = structs(&interface);
    let declarations = interface
        .lines()
        .map(str::trim)
        .filter(|line| {
            ["function ", "event ", "error "]
                .iter()
                .any(|kind| line.starts_with(kind))
        })
        .map(|line| expand_structs(line.trim_end_matches(';'), &structs))
        .chain((!constructor.is_empty()).then_some(constructor));
    let declarations: Vec<String> = declarations.collect();
    let mut abi = JsonAbi::parse(declarations.iter().map(String::as_str))?;
    let contract = interface
        .lines()
        .find_map(|line| line.trim().strip_prefix("interface "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_owned();
    for function in abi.functions.values_mut().flatten() {
        name_structs(&mut function.inputs, &structs, &contract);
        name_structs(&mut function.outputs, &structs, &contract);
    }
    Ok(abi)
}

/// The selector-table entries (selector, declaration) whose declaration
/// does not parse or has another selector, and the selectors listed twice:
/// empty when a hand-written router dispatches exactly what it declares.
/// `struct_declarations` are the structs the declarations use.
#[must_use]
pub fn selector_table_errors(
    tables: &[&[(u32, &str)]],
    struct_declarations: &[&str],
) -> Vec<String> {
    let structs = structs(&struct_declarations.join("\n"));
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (selector, declaration) in tables.iter().flat_map(|table| table.iter()) {
        match alloy_json_abi::Function::parse(&expand_structs(declaration, &structs)) {
            Ok(function) if u32::from_be_bytes(function.selector().0) == *selector => {}
            Ok(function) => errors.push(format!(
                "{declaration}: selector {selector:08x}, declared {}",
                function.selector()
            )),
            Err(err) => errors.push(format!("{declaration}: {err}")),
        }
        if !seen.insert(*selector) {
            errors.push(format!("{selector:08x} is listed twice"));
        }
    }
    errors
}

/// The contract binary's `main` under the `export-abi` feature.
///
/// Arguments: none or `abi` print the Solidity interface (what
/// `cargo stylus export-abi` expects), `constructor` the constructor
/// signature, `json` the JSON ABI.
pub fn export(generated: Generated, events: &[Event]) {
    let command = std::env::args().nth(1).unwrap_or_default();
    match command.as_str() {
        "constructor" => println!("{}", constructor_signature(generated)),
        "json" | "--json" => match json_abi(generated, events) {
            Ok(abi) => println!(
                "{}",
                serde_json::to_string_pretty(&abi).expect("a JSON ABI always serializes")
            ),
            Err(err) => {
                eprintln!("abi-export: {err}");
                std::process::exit(1);
            }
        },
        _ => print!("{}", solidity_interface(generated, events)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interface(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "interface IThing  {{\n    function get(uint256 id) external view returns (uint256);\n\n    error Gone(uint256);\n\n    error Panic(uint256);\n}}\n"
        )
    }

    fn constructor(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "constructor(address owner)")
    }

    const GENERATED: Generated = Generated {
        interface,
        constructor,
    };

    #[test]
    fn events_are_added_and_builtins_dropped() {
        let event = Event::parse("event Moved(address indexed from, uint256 value)").unwrap();
        let text = solidity_interface(GENERATED, &[event]);
        assert!(text.starts_with(HEADER));
        assert!(text.contains("    error Gone(uint256);"));
        assert!(!text.contains("Panic"));
        let moved = text
            .find("event Moved(address indexed from, uint256 value);")
            .unwrap();
        assert!(
            moved < text.rfind('}').unwrap(),
            "events go inside the interface"
        );
    }

    #[test]
    fn selector_tables_are_checked() {
        let transfer = "function transfer(address to, uint256 value) external returns (bool)";
        assert!(selector_table_errors(&[&[(0xa9059cbb, transfer)]], &[]).is_empty());
        assert_eq!(selector_table_errors(&[&[(1, transfer)]], &[]).len(), 1);
        assert_eq!(
            selector_table_errors(&[&[(0xa9059cbb, transfer)], &[(0xa9059cbb, transfer)]], &[])
                .len(),
            1
        );
        assert_eq!(selector_table_errors(&[&[(1, "function (")]], &[]).len(), 1);
        // keccak("put((address,uint256)[])")[..4]
        let put = "function put(Pair[] calldata pairs) external";
        let pair = "struct Pair { address who; uint256 amount; }";
        let selector = u32::from_be_bytes(
            alloy_json_abi::Function::parse("function put((address,uint256)[] pairs)")
                .unwrap()
                .selector()
                .0,
        );
        assert!(selector_table_errors(&[&[(selector, put)]], &[pair]).is_empty());
        assert_eq!(selector_table_errors(&[&[(selector, put)]], &[]).len(), 1);
    }

    fn with_struct(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "interface IBox {{\n    struct Pair {{ address who; uint256 amount; }}\n    function put(Pair calldata pair, Pair[] calldata pairs) external;\n}}\n"
        )
    }

    #[test]
    fn structs_become_named_tuples() {
        let generated = Generated {
            interface: with_struct,
            constructor,
        };
        let abi = json_abi(generated, &[]).unwrap();
        let put = &abi.function("put").unwrap()[0];
        assert_eq!(
            put.signature(),
            "put((address,uint256),(address,uint256)[])"
        );
        assert_eq!(put.inputs[0].components[1].name, "amount");
        assert_eq!(
            put.inputs[0].internal_type.as_ref().unwrap().to_string(),
            "struct IBox.Pair"
        );
        assert_eq!(
            put.inputs[1].internal_type.as_ref().unwrap().to_string(),
            "struct IBox.Pair[]"
        );
    }

    #[test]
    fn the_json_abi_has_every_item() {
        let event = Event::parse("event Moved(address indexed from, uint256 value)").unwrap();
        let abi = json_abi(GENERATED, &[event]).unwrap();
        assert_eq!(abi.functions().count(), 1);
        assert_eq!(abi.errors().count(), 1);
        assert_eq!(abi.events().count(), 1);
        assert!(abi.events().next().unwrap().inputs[0].indexed);
        assert_eq!(abi.constructor().unwrap().inputs[0].ty, "address");
    }
}
