//! Stylus programs as Arbitrum keeps them in an account, and as
//! cargo-stylus deploys them: `0xEFF000`, a dictionary byte (0: none), then
//! the wasm brotli-compressed at quality 11 with a 4 MiB window; to deploy,
//! that code behind cargo-stylus's init code, which returns it.
//!
//! The one owner of this format: the client deploys with [`code`] and
//! [`init_code`], the devnode reads deployed programs with [`wasm`], and the
//! Stylus host sizes and checks programs with [`compress`] and
//! [`decompress`].

use std::io::{Read, Write};

/// A single-fragment program without a dictionary: what cargo-stylus
/// deploys.
pub const PREFIX: [u8; 4] = [0xEF, 0xF0, 0x00, 0x00];

/// The most bytes a program's wasm may inflate to (Nitro's limit): a chain
/// activates nothing larger.
pub const MAX_WASM: usize = 128 * 1024;

/// Why code is not a program this format reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProgramError {
    /// It does not start with `0xEFF000` and a dictionary byte.
    NotAProgram,
    /// A dictionary other than none (Nitro's built-in one is not shipped
    /// here).
    Dictionary(u8),
    /// The compressed wasm is not brotli.
    NotBrotli(String),
    /// The wasm inflates past [`MAX_WASM`].
    TooLarge {
        /// Bytes inflated before reading stopped: one past `limit`, not the wasm's full size.
        bytes: usize,
        /// The most bytes allowed, [`MAX_WASM`].
        limit: usize,
    },
}

impl core::fmt::Display for ProgramError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ProgramError::NotAProgram => f.write_str("not a Stylus program"),
            ProgramError::Dictionary(d) => write!(f, "dictionary {d} is not supported"),
            ProgramError::NotBrotli(err) => write!(f, "not brotli: {err}"),
            ProgramError::TooLarge { bytes, limit } => {
                write!(f, "the wasm inflates to {bytes} bytes, over {limit}")
            }
        }
    }
}

impl std::error::Error for ProgramError {}

/// `wasm` brotli-compressed as cargo-stylus compresses it (quality 11,
/// 4 MiB window): what the 24 KiB limit applies to.
#[must_use]
pub fn compress(wasm: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        // Writing into a Vec cannot fail.
        let _ = writer.write_all(wasm);
    }
    out
}

/// A program's deployed code: [`PREFIX`] and the compressed wasm.
#[must_use]
pub fn code(wasm: &[u8]) -> Vec<u8> {
    let mut code = PREFIX.to_vec();
    code.extend(compress(wasm));
    code
}

/// Init code returning `code`: cargo-stylus's prelude (`PUSH32 len DUP1
/// PUSH1 0x2b PUSH1 0 CODECOPY PUSH1 0 RETURN`, a version byte) then the
/// code.
#[must_use]
pub fn init_code(code: &[u8]) -> Vec<u8> {
    let mut init = vec![0x7f];
    let mut len = [0u8; 32];
    len[24..].copy_from_slice(&(code.len() as u64).to_be_bytes());
    init.extend(len);
    init.extend([0x80, 0x60, 0x2b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, 0x00]);
    init.extend_from_slice(code);
    init
}

/// Whether `code` is a Stylus program (`0xEFF000` and a dictionary byte).
#[must_use]
pub fn is_program(code: &[u8]) -> bool {
    code.len() > 4 && code[..3] == PREFIX[..3]
}

/// Inflates compressed wasm, refusing any that inflates past [`MAX_WASM`]
/// (a chain would not activate it either).
///
/// # Errors
///
/// Corrupt brotli, or more than [`MAX_WASM`] bytes.
pub fn decompress(compressed: &[u8]) -> Result<Vec<u8>, ProgramError> {
    let mut out = Vec::new();
    brotli::Decompressor::new(compressed, 4096)
        .take(MAX_WASM as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| ProgramError::NotBrotli(e.to_string()))?;
    if out.len() > MAX_WASM {
        return Err(ProgramError::TooLarge {
            bytes: out.len(),
            limit: MAX_WASM,
        });
    }
    Ok(out)
}

/// The wasm of a deployed program.
///
/// # Errors
///
/// Not a program, a dictionary other than none, or corrupt or oversized
/// brotli.
pub fn wasm(code: &[u8]) -> Result<Vec<u8>, ProgramError> {
    if !is_program(code) {
        return Err(ProgramError::NotAProgram);
    }
    if code[3] != 0 {
        return Err(ProgramError::Dictionary(code[3]));
    }
    decompress(&code[4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_reads_back_as_the_wasm_it_was_made_of() {
        let wasm = b"\0asm\x01\0\0\0 a module's bytes".repeat(40);
        let code = code(&wasm);
        assert!(is_program(&code) && code.starts_with(&PREFIX));
        assert_eq!(super::wasm(&code).unwrap(), wasm);
        assert!(compress(&wasm).len() < wasm.len() / 4);
    }

    #[test]
    fn init_code_returns_the_code_after_its_prelude() {
        let init = init_code(&[0xAA; 300]);
        assert_eq!(init[0], 0x7f);
        assert_eq!(&init[31..33], &[0x01, 0x2c], "the length, 300, big-endian");
        assert_eq!(init.len(), 1 + 32 + 10 + 300);
        assert_eq!(init[0x2b - 1], 0x00, "the version byte");
        assert_eq!(&init[0x2b..], &[0xAA; 300]);
    }

    #[test]
    fn what_is_not_a_program_says_why() {
        assert_eq!(wasm(b"\x60\x00"), Err(ProgramError::NotAProgram));
        assert_eq!(
            wasm(&[0xEF, 0xF0, 0x00, 0x01, 0x00]),
            Err(ProgramError::Dictionary(1))
        );
        assert!(matches!(
            wasm(&[0xEF, 0xF0, 0x00, 0x00, 0xFF, 0xFF]),
            Err(ProgramError::NotBrotli(_))
        ));
        let huge = compress(&vec![0u8; MAX_WASM + 1]);
        assert_eq!(
            decompress(&huge),
            Err(ProgramError::TooLarge {
                bytes: MAX_WASM + 1,
                limit: MAX_WASM
            })
        );
    }
}
