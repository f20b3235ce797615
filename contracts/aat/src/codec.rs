//! A small ABI codec for the hand-written router: calldata words in, return
//! data, event data and revert data out. It replaces alloy's generic codec,
//! whose per-signature monomorphizations alone would overflow the 24 KiB
//! program limit. Decoding is strict, as Solidity's: an address, integer,
//! bool or bytes16 with dirty padding, an offset or length out of range, or
//! missing words make the call revert without data.

use alloc::vec::Vec;

use alloy_primitives::{Address, FixedBytes, B256, U256};

/// Malformed calldata.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// Reads ABI-encoded arguments (the calldata after the selector).
pub struct Args<'a> {
    data: &'a [u8],
    next: usize,
}

fn zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0)
}

impl<'a> Args<'a> {
    #[must_use]
    pub fn new(data: &'a [u8]) -> Self {
        Args { data, next: 0 }
    }

    fn word_at(&self, at: usize) -> Result<&'a [u8; 32], Malformed> {
        let end = at.checked_add(32).ok_or(Malformed)?;
        self.data
            .get(at..end)
            .and_then(|w| w.try_into().ok())
            .ok_or(Malformed)
    }

    /// The next head word.
    fn word(&mut self) -> Result<&'a [u8; 32], Malformed> {
        let word = self.word_at(self.next)?;
        self.next += 32;
        Ok(word)
    }

    pub fn u256(&mut self) -> Result<U256, Malformed> {
        Ok(U256::from_be_bytes(*self.word()?))
    }

    pub fn address(&mut self) -> Result<Address, Malformed> {
        let word = self.word()?;
        if !zero(&word[..12]) {
            return Err(Malformed);
        }
        Ok(Address::from_slice(&word[12..]))
    }

    pub fn bool(&mut self) -> Result<bool, Malformed> {
        let word = self.word()?;
        if !zero(&word[..31]) || word[31] > 1 {
            return Err(Malformed);
        }
        Ok(word[31] == 1)
    }

    pub fn u64(&mut self) -> Result<u64, Malformed> {
        let word = self.word()?;
        if !zero(&word[..24]) {
            return Err(Malformed);
        }
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&word[24..]);
        Ok(u64::from_be_bytes(bytes))
    }

    pub fn u16(&mut self) -> Result<u16, Malformed> {
        let word = self.word()?;
        if !zero(&word[..30]) {
            return Err(Malformed);
        }
        Ok(u16::from_be_bytes([word[30], word[31]]))
    }

    pub fn bytes16(&mut self) -> Result<FixedBytes<16>, Malformed> {
        let word = self.word()?;
        if !zero(&word[16..]) {
            return Err(Malformed);
        }
        Ok(FixedBytes::from_slice(&word[..16]))
    }

    /// The position and element count of a dynamic value whose offset is
    /// the next head word.
    fn tail(&mut self, element_size: usize) -> Result<(usize, usize), Malformed> {
        let offset = self.small(self.next)?;
        self.next += 32;
        let len = self.small(offset)?;
        let start = offset.checked_add(32).ok_or(Malformed)?;
        let size = len.checked_mul(element_size).ok_or(Malformed)?;
        let end = start.checked_add(size).ok_or(Malformed)?;
        if end > self.data.len() {
            return Err(Malformed);
        }
        Ok((start, len))
    }

    /// A word at `at` that must be a small number (an offset or length).
    fn small(&self, at: usize) -> Result<usize, Malformed> {
        let word = self.word_at(at)?;
        if !zero(&word[..28]) {
            return Err(Malformed);
        }
        Ok(u32::from_be_bytes([word[28], word[29], word[30], word[31]]) as usize)
    }

    /// `bytes` or `string` (Solidity does not check strings for UTF-8).
    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let (start, len) = self.tail(1)?;
        Ok(&self.data[start..start + len])
    }

    pub fn u256_array(&mut self) -> Result<Vec<U256>, Malformed> {
        let (start, len) = self.tail(32)?;
        Ok((0..len)
            .map(|i| U256::from_be_slice(&self.data[start + 32 * i..start + 32 * i + 32]))
            .collect())
    }

    pub fn address_array(&mut self) -> Result<Vec<Address>, Malformed> {
        let (start, len) = self.tail(32)?;
        (0..len)
            .map(|i| {
                let word = &self.data[start + 32 * i..start + 32 * i + 32];
                if zero(&word[..12]) {
                    Ok(Address::from_slice(&word[12..]))
                } else {
                    Err(Malformed)
                }
            })
            .collect()
    }
}

/// The 32-byte word of a static value.
pub trait Word {
    fn word(&self) -> B256;
}

impl Word for U256 {
    fn word(&self) -> B256 {
        B256::from(self.to_be_bytes::<32>())
    }
}

impl Word for Address {
    fn word(&self) -> B256 {
        self.into_word()
    }
}

impl Word for bool {
    fn word(&self) -> B256 {
        U256::from(u8::from(*self)).word()
    }
}

impl Word for u64 {
    fn word(&self) -> B256 {
        U256::from(*self).word()
    }
}

impl Word for u16 {
    fn word(&self) -> B256 {
        U256::from(*self).word()
    }
}

impl Word for FixedBytes<16> {
    fn word(&self) -> B256 {
        let mut word = B256::ZERO;
        word[..16].copy_from_slice(self.as_slice());
        word
    }
}

/// Static words laid end to end.
#[must_use]
pub fn words(words: &[B256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(32 * words.len());
    for word in words {
        out.extend_from_slice(word.as_slice());
    }
    out
}

/// Appends the tail of a `bytes`/`string`: its length, then the bytes padded
/// to whole words.
pub fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(U256::from(bytes.len()).word().as_slice());
    out.extend_from_slice(bytes);
    out.resize(out.len() + (32 - bytes.len() % 32) % 32, 0);
}

/// Appends the tail of a `uint256[]`: its length, then the elements.
pub fn push_u256_array(out: &mut Vec<u8>, values: &[U256]) {
    out.extend_from_slice(U256::from(values.len()).word().as_slice());
    for value in values {
        out.extend_from_slice(value.word().as_slice());
    }
}

/// A single `bytes`/`string` value, ABI-encoded (as return or event data).
#[must_use]
pub fn encode_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = words(&[U256::from(32).word()]);
    push_bytes(&mut out, bytes);
    out
}

/// Two `uint256[]` values, ABI-encoded (`TransferBatch` data).
#[must_use]
pub fn encode_two_arrays(first: &[U256], second: &[U256]) -> Vec<u8> {
    let second_at = 64 + 32 * (1 + first.len());
    let mut out = words(&[U256::from(64).word(), U256::from(second_at).word()]);
    push_u256_array(&mut out, first);
    push_u256_array(&mut out, second);
    out
}

/// One `uint256[]`, ABI-encoded (as return data).
#[must_use]
pub fn encode_array(values: &[U256]) -> Vec<u8> {
    let mut out = words(&[U256::from(32).word()]);
    push_u256_array(&mut out, values);
    out
}

/// Revert data of a custom error: its selector, then its static arguments.
#[must_use]
pub fn error(selector: [u8; 4], args: &[B256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * args.len());
    out.extend_from_slice(&selector);
    for arg in args {
        out.extend_from_slice(arg.as_slice());
    }
    out
}
