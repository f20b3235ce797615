//! Stylus programs as they sit in an account, read with the format's one
//! owner (`stylus-program`, which the client deploys with).

pub use stylus_program::{is_program, PREFIX};

/// Why an account's code is not a program this chain runs.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// The code is not a program this format reads: no `0xEFF000` prefix, a
    /// dictionary other than none, bad brotli, or wasm past 128 KiB.
    #[error(transparent)]
    Code(#[from] stylus_program::ProgramError),
    /// The wasm fails a pre-activation check, or wasmi rejects it (an import
    /// the host does not provide).
    #[error(transparent)]
    Load(#[from] stylus_host::LoadError),
}

/// The wasm of a deployed program.
///
/// # Errors
///
/// Not a program, a dictionary other than none (Nitro's built-in one is not
/// shipped here), or corrupt or oversized brotli.
pub fn decompress(code: &[u8]) -> Result<Vec<u8>, ProgramError> {
    Ok(stylus_program::wasm(code)?)
}
