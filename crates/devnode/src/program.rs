//! Stylus programs as they sit in an account: `0xEFF000`, a dictionary byte
//! (0: none) and the brotli-compressed wasm; and the init code that deploys
//! one (what cargo-stylus sends).

use revm::primitives::Bytes;

/// A single-fragment program without a dictionary: what cargo-stylus deploys.
pub const PREFIX: [u8; 4] = [0xEF, 0xF0, 0x00, 0x00];

/// Whether `code` is a Stylus program (`0xEFF000` and a dictionary byte).
pub fn is_program(code: &[u8]) -> bool {
    code.len() > 4 && code[..3] == PREFIX[..3]
}

/// The wasm of a deployed program.
///
/// # Errors
///
/// A dictionary other than none (Nitro's built-in one is not shipped here),
/// a fragmented program, or corrupt brotli.
pub fn decompress(code: &[u8]) -> Result<Vec<u8>, String> {
    if !is_program(code) {
        return Err("not a Stylus program".into());
    }
    if code[3] != 0 {
        return Err(format!("dictionary {} is not supported", code[3]));
    }
    stylus_host::decompress(&code[4..])
}

/// The code a program's account holds: the prefix and the compressed wasm.
pub fn deployed_code(wasm: &[u8]) -> Vec<u8> {
    let mut code = PREFIX.to_vec();
    code.extend(stylus_host::compress(wasm));
    code
}

/// Init code that returns `code` (cargo-stylus's deployment prelude:
/// `PUSH32 len DUP1 PUSH1 0x2b PUSH1 0 CODECOPY PUSH1 0 RETURN`, a version
/// byte, then the code).
pub fn init_code(code: &[u8]) -> Bytes {
    let mut init = vec![0x7f];
    let mut len = [0u8; 32];
    len[24..].copy_from_slice(&(code.len() as u64).to_be_bytes());
    init.extend(len);
    init.extend([0x80, 0x60, 0x2b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, 0x00]);
    init.extend_from_slice(code);
    init.into()
}
