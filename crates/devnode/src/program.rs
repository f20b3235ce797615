//! Stylus programs as they sit in an account, read with the format's one
//! owner (`stylus-program`, which the client deploys with).

pub use stylus_program::{is_program, PREFIX};

/// Why an account's code is not a program this chain runs.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    #[error(transparent)]
    Code(#[from] stylus_program::ProgramError),
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
