//! Stylus programs as they sit in an account: `0xEFF000`, a dictionary byte
//! (0: none) and the brotli-compressed wasm. (Making one is the client's
//! side: `aat_client::deploy`.)

/// A single-fragment program without a dictionary: what cargo-stylus deploys.
pub const PREFIX: [u8; 4] = [0xEF, 0xF0, 0x00, 0x00];

/// Whether `code` is a Stylus program (`0xEFF000` and a dictionary byte).
pub fn is_program(code: &[u8]) -> bool {
    code.len() > 4 && code[..3] == PREFIX[..3]
}

/// Why an account's code is not a program this chain runs.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error("not a Stylus program")]
    NotAProgram,
    /// Nitro's built-in dictionary is not shipped here.
    #[error("dictionary {0} is not supported")]
    Dictionary(u8),
    #[error(transparent)]
    Wasm(#[from] stylus_host::CheckError),
    #[error(transparent)]
    Load(#[from] stylus_host::LoadError),
}

/// The wasm of a deployed program.
///
/// # Errors
///
/// A dictionary other than none (Nitro's built-in one is not shipped here),
/// a fragmented program, or corrupt brotli.
pub fn decompress(code: &[u8]) -> Result<Vec<u8>, ProgramError> {
    if !is_program(code) {
        return Err(ProgramError::NotAProgram);
    }
    if code[3] != 0 {
        return Err(ProgramError::Dictionary(code[3]));
    }
    Ok(stylus_host::decompress(&code[4..])?)
}
