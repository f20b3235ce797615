//! Takes Multicall3's code from alloy-provider's `IMulticall3` binding, and
//! StylusDeployer's creation code and the CREATE2 factory's keyless
//! deployment transaction from cargo-stylus's own library, `stylus-tools`
//! (pinned in Cargo.toml and Cargo.lock), whose source `cargo fetch`
//! unpacks: the module holding them is private, and compiling the crate
//! would build wasmer for two constants, so its source is read here rather
//! than the bytes copied by hand. Genesis then checks that both land at
//! their canonical addresses, which only the exact bytes can do.

use std::{env, fmt::Write as _, fs, path::PathBuf};

/// Must equal the `stylus-tools` pin in Cargo.toml.
const STYLUS_TOOLS: &str = "stylus-tools-0.10.10";
const CONSTANTS: [&str; 2] = ["STYLUS_DEPLOYER", "CREATE2_FACTORY_RAW_TX"];

fn registry_sources() -> Vec<PathBuf> {
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let Ok(entries) = fs::read_dir(home.join("registry").join("src")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path().join(STYLUS_TOOLS).join("src/devnet/bytecode.rs"))
        .filter(|p| p.is_file())
        .collect()
}

/// The concatenated string literals of `pub const NAME: &str = ...;`.
fn constant(source: &str, name: &str) -> Option<String> {
    let start = source.find(&format!("pub const {name}: &str"))?;
    let body = &source[start..];
    let body = &body[body.find('=')?..body.find(';')?];
    let hex: String = body.split('"').skip(1).step_by(2).collect();
    (!hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// alloy-provider's version in the services' lockfile (the devnode's own
/// alloy depends on it through the client and the tests): the crate whose
/// `IMulticall3` binding carries Multicall3's creation code.
fn alloy_provider_version() -> String {
    let lock = fs::read_to_string("../Cargo.lock").expect("crates/Cargo.lock reads");
    let at = lock
        .find("name = \"alloy-provider\"")
        .expect("alloy-provider is in crates/Cargo.lock");
    let version = &lock[at..];
    let version = &version[version.find("version = \"").expect("a version") + 11..];
    version[..version.find('"').expect("a quoted version")].to_owned()
}

/// Multicall3's runtime code: its creation code, as alloy-provider ships
/// it, less the 32-byte constructor that copies the rest (no arguments,
/// nothing after). Genesis checks the result's hash.
fn multicall3() -> String {
    let crate_dir = format!("alloy-provider-{}", alloy_provider_version());
    let home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default();
    let path = fs::read_dir(home.join("registry").join("src"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            e.path()
                .join(&crate_dir)
                .join("src/provider/multicall/bindings.rs")
        })
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{crate_dir} is not unpacked: run `cargo fetch` in crates/"));
    let source = fs::read_to_string(&path).expect("alloy-provider's bindings read");
    let start = source
        .find("bytecode = \"")
        .expect("IMulticall3's bytecode")
        + 12;
    let hex = &source[start..];
    let hex = &hex[..hex.find('"').expect("a closing quote")];
    assert!(hex.starts_with("608060405234801561001057600080fd5b50610ee0806100206000396000f3fe"));
    hex[64..].to_owned()
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../Cargo.lock");
    let sources = registry_sources();
    let Some(path) = sources.first() else {
        panic!(
            "{STYLUS_TOOLS} is not unpacked in cargo's registry: run `cargo fetch` in crates/ \
             (the scripts do), then build again"
        );
    };
    let source = fs::read_to_string(path).expect("stylus-tools' bytecode module reads");
    let mut out = String::new();
    for name in CONSTANTS {
        let hex = constant(&source, name)
            .unwrap_or_else(|| panic!("{} has no constant {name}", path.display()));
        let _ = writeln!(out, "pub const {name}: &str = \"{hex}\";");
    }
    let _ = writeln!(out, "pub const MULTICALL3: &str = \"{}\";", multicall3());
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("system.rs");
    fs::write(dest, out).expect("OUT_DIR is writable");
}
