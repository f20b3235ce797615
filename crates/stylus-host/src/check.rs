//! The checks a Stylus chain applies to a program before activation that can
//! be made locally (Nitro's published limits): one memory of at most 128
//! pages, `user_entrypoint: (i32) -> i32` and `memory` exported, no start
//! function, imports only from the host's `vm_hooks` (`pay_for_memory_grow`
//! among them when the memory may grow), no floating point, and the section
//! and size limits. Not a substitute for `cargo stylus check`
//! against a node: it cannot know the chain's own current parameters.

use wasmparser::{CompositeInnerType, ExternalKind, Operator, Parser, Payload, TypeRef, ValType};

/// A program deploys as one fragment up to this many compressed bytes.
pub const MAX_COMPRESSED: usize = 24 * 1024;
/// And up to this many uncompressed bytes.
pub const MAX_RAW: usize = stylus_program::MAX_WASM;
/// The most wasm pages a program's memory has, at start or grown (Nitro's
/// `pageLimit`).
pub const PAGE_LIMIT: usize = 128;

/// The 42 functions a Stylus host provides, module `vm_hooks`.
pub const VM_HOOKS: [&str; 42] = [
    "read_args",
    "write_result",
    "exit_early",
    "storage_load_bytes32",
    "storage_cache_bytes32",
    "storage_flush_cache",
    "transient_load_bytes32",
    "transient_store_bytes32",
    "call_contract",
    "delegate_call_contract",
    "static_call_contract",
    "create1",
    "create2",
    "read_return_data",
    "return_data_size",
    "emit_log",
    "account_balance",
    "account_code",
    "account_code_size",
    "account_codehash",
    "evm_gas_left",
    "evm_ink_left",
    "block_basefee",
    "chainid",
    "block_coinbase",
    "block_gas_limit",
    "block_number",
    "block_timestamp",
    "contract_address",
    "math_div",
    "math_mod",
    "math_pow",
    "math_add_mod",
    "math_mul_mod",
    "msg_reentrant",
    "msg_sender",
    "msg_value",
    "native_keccak256",
    "tx_gas_price",
    "tx_ink_price",
    "tx_origin",
    "pay_for_memory_grow",
];

/// Brotli-compresses like cargo-stylus (quality 11, 4 MiB window).
pub use stylus_program::compress;

/// Brotli-decompresses a deployed program, refusing one that inflates past
/// `MAX_RAW` bytes (a chain would not activate it either).
///
/// # Errors
///
/// Corrupt brotli data, or more than `MAX_RAW` bytes.
pub fn decompress(compressed: &[u8]) -> Result<Vec<u8>, CheckError> {
    stylus_program::decompress(compressed).map_err(|err| match err {
        stylus_program::ProgramError::TooLarge { bytes, limit } => {
            CheckError::TooLarge { bytes, limit }
        }
        stylus_program::ProgramError::NotBrotli(err) => CheckError::NotBrotli(err),
        other => CheckError::NotBrotli(other.to_string()),
    })
}

/// Why a program would not activate: the first rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckError {
    /// Its compressed code is not brotli.
    NotBrotli(String),
    /// The parser does not read it as wasm.
    Malformed(String),
    /// Over `limit` bytes uncompressed (at least `bytes`).
    TooLarge {
        /// Uncompressed bytes: the wasm's size, or what decompression inflated before it stopped.
        bytes: usize,
        /// `MAX_RAW`.
        limit: usize,
    },
    /// Over `limit` bytes brotli-compressed.
    TooLargeCompressed {
        /// Its size compressed as it deploys (`compress`).
        bytes: usize,
        /// `MAX_COMPRESSED`.
        limit: usize,
    },
    /// An import the Stylus host does not provide.
    ForeignImport {
        /// The import's module (the host's is `vm_hooks`).
        module: String,
        /// The imported function's name.
        name: String,
    },
    /// An import that is not a function.
    NotAFunctionImport(String),
    /// A type that is not a function type (the GC proposal's).
    NotAFunctionType,
    /// A memory of more pages than Stylus allows.
    MemoryTooLarge {
        /// Its initial size, in 64 KiB wasm pages.
        pages: u64,
        /// `PAGE_LIMIT`, in pages.
        limit: usize,
    },
    /// Not exactly one memory.
    Memories(u32),
    /// A start function, which Stylus forbids: a program runs only through `user_entrypoint`.
    StartFunction,
    /// A floating-point local or instruction.
    FloatingPoint(String),
    /// `user_entrypoint` or `memory` is not exported.
    MissingExports,
    /// `user_entrypoint` names no function of the program.
    EntrypointNotAFunction,
    /// `user_entrypoint` is not `(i32) -> i32`.
    EntrypointType(String),
    /// A memory that may grow without `vm_hooks::pay_for_memory_grow`
    /// imported as `(i32) -> ()`, through which the chain prices the pages
    /// (Nitro's heap bound refuses it).
    MemoryGrowUnpriced,
}

impl core::fmt::Display for CheckError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CheckError::NotBrotli(err) => write!(f, "not brotli: {err}"),
            CheckError::Malformed(err) => write!(f, "not wasm: {err}"),
            CheckError::TooLarge { bytes, limit } => {
                write!(f, "{bytes} bytes uncompressed, over {limit}")
            }
            CheckError::TooLargeCompressed { bytes, limit } => {
                write!(f, "{bytes} bytes compressed, over {limit}")
            }
            CheckError::ForeignImport { module, name } => {
                write!(f, "import {module}::{name} is not a Stylus host function")
            }
            CheckError::NotAFunctionImport(name) => write!(f, "import {name} is not a function"),
            CheckError::NotAFunctionType => f.write_str("a type that is not a function type"),
            CheckError::MemoryTooLarge { pages, limit } => {
                write!(f, "memory of {pages} pages, over {limit}")
            }
            CheckError::Memories(count) => write!(f, "{count} memories, not exactly one"),
            CheckError::StartFunction => f.write_str("a start function"),
            CheckError::FloatingPoint(what) => write!(f, "floating point: {what}"),
            CheckError::MissingExports => f.write_str("user_entrypoint or memory not exported"),
            CheckError::EntrypointNotAFunction => {
                f.write_str("user_entrypoint is not a function of the program")
            }
            CheckError::EntrypointType(ty) => {
                write!(f, "user_entrypoint has type {ty}, not (i32) -> i32")
            }
            CheckError::MemoryGrowUnpriced => f.write_str(
                "the memory may grow but vm_hooks::pay_for_memory_grow (i32) -> () is not imported",
            ),
        }
    }
}

impl std::error::Error for CheckError {}

#[allow(clippy::needless_pass_by_value)] // the `map_err` callback's signature
fn malformed(err: wasmparser::BinaryReaderError) -> CheckError {
    CheckError::Malformed(err.to_string())
}

/// Runs every local pre-activation check.
///
/// # Errors
///
/// The first rule the program breaks.
pub fn check(wasm: &[u8]) -> Result<(), CheckError> {
    check_size(wasm)?;
    let mut memories = 0;
    let mut entrypoint = false;
    let mut memory_export = false;
    let mut function_types = Vec::new();
    let mut functions: Vec<u32> = Vec::new();
    let mut imported_functions = 0u32;
    let mut entrypoint_index = None;
    let mut memory_grows = false;
    let mut pay_for_memory_grow = None;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(malformed)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.map_err(malformed)?.into_types() {
                        match ty.composite_type.inner {
                            CompositeInnerType::Func(func) => function_types.push(func),
                            _ => return Err(CheckError::NotAFunctionType),
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader {
                    let import = import.map_err(malformed)?;
                    check_import(&import)?;
                    if let ("pay_for_memory_grow", TypeRef::Func(ty)) = (import.name, import.ty) {
                        pay_for_memory_grow = Some(ty);
                    }
                    imported_functions += 1;
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    functions.push(ty.map_err(malformed)?);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    let memory = memory.map_err(malformed)?;
                    memories += 1;
                    memory_grows = memory.maximum != Some(memory.initial);
                    if memory.initial > PAGE_LIMIT as u64 {
                        return Err(CheckError::MemoryTooLarge {
                            pages: memory.initial,
                            limit: PAGE_LIMIT,
                        });
                    }
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(malformed)?;
                    match (export.name, export.kind) {
                        ("user_entrypoint", ExternalKind::Func) => {
                            entrypoint = true;
                            entrypoint_index = Some(export.index);
                        }
                        ("memory", ExternalKind::Memory) => memory_export = true,
                        _ => {}
                    }
                }
            }
            Payload::StartSection { .. } => return Err(CheckError::StartFunction),
            Payload::CodeSectionEntry(body) => check_body(&body)?,
            _ => {}
        }
    }
    if memories != 1 {
        return Err(CheckError::Memories(memories));
    }
    if !entrypoint || !memory_export {
        return Err(CheckError::MissingExports);
    }
    let index = entrypoint_index.unwrap_or_default();
    let ty = index
        .checked_sub(imported_functions)
        .and_then(|i| functions.get(i as usize))
        .and_then(|t| function_types.get(*t as usize))
        .ok_or(CheckError::EntrypointNotAFunction)?;
    if ty.params() != [ValType::I32] || ty.results() != [ValType::I32] {
        return Err(CheckError::EntrypointType(format!("{ty:?}")));
    }
    let pay_type = pay_for_memory_grow.and_then(|t| function_types.get(t as usize));
    if memory_grows
        && !pay_type.is_some_and(|ty| ty.params() == [ValType::I32] && ty.results().is_empty())
    {
        return Err(CheckError::MemoryGrowUnpriced);
    }
    Ok(())
}

/// The program's size, raw and compressed as it deploys, within Stylus's
/// limits.
fn check_size(wasm: &[u8]) -> Result<(), CheckError> {
    if wasm.len() > MAX_RAW {
        return Err(CheckError::TooLarge {
            bytes: wasm.len(),
            limit: MAX_RAW,
        });
    }
    let compressed = compress(wasm).len();
    if compressed > MAX_COMPRESSED {
        return Err(CheckError::TooLargeCompressed {
            bytes: compressed,
            limit: MAX_COMPRESSED,
        });
    }
    Ok(())
}

/// An import is one of the host's functions (`vm_hooks`), nothing else.
fn check_import(import: &wasmparser::Import<'_>) -> Result<(), CheckError> {
    if import.module != "vm_hooks" || !VM_HOOKS.contains(&import.name) {
        return Err(CheckError::ForeignImport {
            module: import.module.to_owned(),
            name: import.name.to_owned(),
        });
    }
    match import.ty {
        TypeRef::Func(_) => Ok(()),
        _ => Err(CheckError::NotAFunctionImport(import.name.to_owned())),
    }
}

/// A function body uses no floating point, in its locals or its code.
fn check_body(body: &wasmparser::FunctionBody<'_>) -> Result<(), CheckError> {
    for local in body.get_locals_reader().map_err(malformed)? {
        let (_, ty) = local.map_err(malformed)?;
        if matches!(ty, ValType::F32 | ValType::F64) {
            return Err(CheckError::FloatingPoint("a local".into()));
        }
    }
    let mut ops = body.get_operators_reader().map_err(malformed)?;
    while !ops.eof() {
        let op = ops.read().map_err(malformed)?;
        if is_float(&op) {
            return Err(CheckError::FloatingPoint(format!("{op:?}")));
        }
    }
    Ok(())
}

fn is_float(op: &Operator<'_>) -> bool {
    let name = format!("{op:?}");
    name.starts_with("F32")
        || name.starts_with("F64")
        || name.contains("Convert") && name.contains('F')
        || name.contains("Trunc") && name.contains('F')
        || name.contains("Demote")
        || name.contains("Promote")
        || name.contains("Reinterpret")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module importing `module::name` as a `() -> ()` function.
    fn importing(module: &str, name: &str) -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([1, 4, 1, 0x60, 0, 0]); // type section: () -> ()
        let byte = |len: usize| u8::try_from(len).expect("a short name");
        let mut import = vec![1, byte(module.len())];
        import.extend(module.as_bytes());
        import.push(byte(name.len()));
        import.extend(name.as_bytes());
        import.extend([0, 0]); // a function of type 0
        wasm.push(2);
        wasm.push(byte(import.len()));
        wasm.extend(import);
        wasm
    }

    #[test]
    fn foreign_imports_are_named() {
        let err = check(&importing("env", "abort")).unwrap_err();
        assert!(err.to_string().contains("env::abort"), "{err}");
        assert_eq!(
            check(&importing("vm_hooks", "make_money")),
            Err(CheckError::ForeignImport {
                module: "vm_hooks".into(),
                name: "make_money".into()
            })
        );
    }

    #[test]
    fn a_module_without_memory_or_entrypoint_is_refused() {
        assert_eq!(
            check(&importing("vm_hooks", "read_args")),
            Err(CheckError::Memories(0))
        );
    }

    #[test]
    fn a_type_that_is_not_a_function_is_refused_not_a_panic() {
        // A type section holding one GC struct type with no fields.
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([1, 3, 1, 0x5f, 0]);
        assert!(check(&wasm).is_err());
    }

    #[test]
    fn compressed_size_is_brotli() {
        let wasm = vec![0u8; 100_000];
        let compressed = compress(&wasm);
        assert!(compressed.len() < 100);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut compressed.as_slice(), &mut out).unwrap();
        assert_eq!(out, wasm);
    }
}
