//! A small ABI codec for hand-written routers: calldata words in, return
//! data, event data and revert data out. It replaces alloy's generic codec,
//! whose per-signature monomorphizations alone would overflow the 24 KiB
//! program limit. Decoding is strict, as Solidity's: an address, integer,
//! bool or fixed-size bytes value with dirty padding, an offset or length out
//! of range, or missing words make the call revert without data.

use alloc::vec::Vec;

use alloy_primitives::{Address, FixedBytes, B256, U256};

/// Malformed calldata.
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed;

/// Reads ABI-encoded arguments (the calldata after the selector, or the
/// inside of a dynamic value).
pub struct Args<'a> {
    data: &'a [u8],
    next: usize,
}

/// The big-endian `u64` at `at` (at most 24) in `word`.
#[must_use]
pub fn read_u64(word: &[u8; 32], at: usize) -> u64 {
    // Safe: `at + 8 <= 32`, and an unaligned read is allowed.
    u64::from_be(unsafe { word.as_ptr().add(at.min(24)).cast::<u64>().read_unaligned() })
}

/// The bits of a word's first `n` bytes, as four little-endian pieces
/// (the wasm's own order: byte `k` of a piece is its bits `8k..8k + 8`).
/// Computed at compile time for the paddings the decoder checks.
const fn prefix_mask(n: usize) -> [u64; 4] {
    let mut mask = [0u64; 4];
    let mut i = 0;
    while i < 4 {
        let bytes = if n >= 8 * (i + 1) {
            8
        } else {
            n.saturating_sub(8 * i)
        };
        mask[i] = if bytes == 8 {
            u64::MAX
        } else {
            (1u64 << (8 * bytes)) - 1
        };
        i += 1;
    }
    mask
}

/// The paddings the decoder checks, in bytes: an address's, an offset's or
/// a length's, a `u64`'s, a `u16`'s, a `u8`'s or a `bool`'s.
const ADDRESS: usize = 12;
const SMALL: usize = 28;
const U64: usize = 24;
const U16: usize = 30;
const U8: usize = 31;

/// Whether the bytes of `word` under `mask` are zero: four masked reads
/// and no branch, with no byte swap (zero is zero in either order). A byte
/// loop, or a `match` on the padding's length (a `br_table`), would cost
/// several times as much ink per word decoded.
#[inline(always)]
fn clean(word: &[u8; 32], mask: &[u64; 4]) -> bool {
    let piece = |i: usize| {
        // Safe: `8 * i + 8 <= 32`, and an unaligned read is allowed.
        u64::from_le(unsafe { word.as_ptr().add(8 * i).cast::<u64>().read_unaligned() }) & mask[i]
    };
    piece(0) | piece(1) | piece(2) | piece(3) == 0
}

/// `word`, rebuilt from four 8-byte reads. For a word known when compiling
/// (an event's signature hash, a mapping's domain, a type hash) LLVM folds
/// the reads into immediates, so the constant stays out of the program's
/// data segments, which Nitro charges for on every call (0.75 gas a byte,
/// cached or not); a plain 32-byte copy is lowered as a copy out of them.
#[inline(always)]
#[must_use]
pub fn inline_word(word: &B256) -> B256 {
    // Unrolled by hand, and no closure (at opt-level "z" a closure stays a
    // call, and its reads cannot fold): LLVM recognizes a loop of copies
    // as one memcpy.
    let mut out = [0u8; 32];
    out[..8].copy_from_slice(&read_u64_ne(word, 0).to_ne_bytes());
    out[8..16].copy_from_slice(&read_u64_ne(word, 8).to_ne_bytes());
    out[16..24].copy_from_slice(&read_u64_ne(word, 16).to_ne_bytes());
    out[24..].copy_from_slice(&read_u64_ne(word, 24).to_ne_bytes());
    B256::new(out)
}

/// A word's four 8-byte pieces in the wasm's own (little-endian) order:
/// what `code_word!` turns into immediates, at compile time.
#[must_use]
pub const fn pieces(word: &B256) -> [u64; 4] {
    let mut pieces = [0u64; 4];
    let mut i = 0;
    while i < 32 {
        pieces[i / 8] |= (word.0[i] as u64) << (8 * (i % 8));
        i += 1;
    }
    pieces
}

/// The word made of `pieces` (as `pieces` splits one).
#[inline(always)]
#[must_use]
pub fn of_pieces(pieces: [u64; 4]) -> B256 {
    // Safe: [u64; 4] and [u8; 32] have one size and every bit pattern;
    // `to_le` puts each piece's bytes in the order `pieces` took them.
    // (No `map`: at opt-level "z" it stays a call, 28 gas a word.)
    let [a, b, c, d] = pieces;
    B256::new(unsafe {
        core::mem::transmute::<[u64; 4], [u8; 32]>([a.to_le(), b.to_le(), c.to_le(), d.to_le()])
    })
}

/// A constant word (an event's signature hash, a type hash) made of four
/// 8-byte immediates in the code, not copied out of the data segments.
/// Nitro charges every call of a program 0.75 gas for each byte of its
/// data, 24 gas a call for a 32-byte constant whether or not the call uses
/// it; LLVM lowers the stores of a known word into an array to such a copy
/// (`inline_word` avoids it only where its reads fold, at `opt-level` 3).
/// Each piece is combined by XOR with a zero `black_box` hides, which keeps the four
/// from that merging, at well under a gas of ink where the word is used.
#[macro_export]
macro_rules! code_word {
    ($word:expr) => {{
        const PIECES: [u64; 4] = $crate::codec::pieces(&$word);
        let zero = ::core::hint::black_box(0u64);
        $crate::codec::of_pieces([
            PIECES[0] ^ zero,
            PIECES[1] ^ zero,
            PIECES[2] ^ zero,
            PIECES[3] ^ zero,
        ])
    }};
}

/// A constant of at most 8 bytes (a selector, a version string) made in
/// the code, as an immediate: `black_box` keeps LLVM from turning it into a
/// static, which would sit in the data segments Nitro charges every call
/// for. Longer constants: `code_word!` over [`left_aligned`].
#[inline(always)]
#[must_use]
pub fn in_code<const N: usize>(bytes: [u8; N]) -> [u8; N] {
    const { assert!(N <= 8, "an immediate holds at most 8 bytes") };
    core::hint::black_box(bytes)
}

/// `bytes` (at most 32) at the start of a zero word: a constant string
/// for `code_word!`, which makes it in the code; the string is the word's
/// first `bytes.len()` bytes.
///
/// # Panics
///
/// At compile time, for more than 32 bytes.
#[must_use]
pub const fn left_aligned(bytes: &[u8]) -> B256 {
    assert!(bytes.len() <= 32, "a word holds at most 32 bytes");
    let mut word = [0u8; 32];
    let mut i = 0;
    while i < bytes.len() {
        word[i] = bytes[i];
        i += 1;
    }
    B256::new(word)
}

#[inline(always)]
fn read_u64_ne(word: &B256, at: usize) -> u64 {
    let mut limb = [0u8; 8];
    limb.copy_from_slice(&word.0[at..at + 8]);
    u64::from_ne_bytes(limb)
}

/// A big-endian word as a `U256`, limb by limb: ruint's conversion loops
/// over the bytes, a metered basic block each.
#[must_use]
pub fn u256_of(word: &[u8; 32]) -> U256 {
    U256::from_limbs([
        read_u64(word, 24),
        read_u64(word, 16),
        read_u64(word, 8),
        read_u64(word, 0),
    ])
}

impl<'a> Args<'a> {
    /// Reads `data` from its first word.
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

    /// The next head word, whose first `PADDING` bytes must be zero. One
    /// function per padding: its mask is in the code, not in the data
    /// segments (which Nitro charges for on every call).
    fn padded<const PADDING: usize>(&mut self) -> Result<&'a [u8; 32], Malformed> {
        let word = self.word()?;
        if !clean(word, &const { prefix_mask(PADDING) }) {
            return Err(Malformed);
        }
        Ok(word)
    }

    /// A `uint256`: the next head word, any value.
    ///
    /// # Errors
    ///
    /// `Malformed` when the data ends before the word does.
    pub fn u256(&mut self) -> Result<U256, Malformed> {
        Ok(u256_of(self.word()?))
    }

    /// A `bytes32`: the next head word, as it is.
    ///
    /// # Errors
    ///
    /// `Malformed` when the data ends before the word does.
    pub fn b256(&mut self) -> Result<B256, Malformed> {
        Ok(B256::from(*self.word()?))
    }

    /// An `address`: the low 20 bytes of the next head word.
    ///
    /// # Errors
    ///
    /// `Malformed` when the word is missing or its 12 high bytes are not zero.
    pub fn address(&mut self) -> Result<Address, Malformed> {
        Ok(Address::from_slice(&self.padded::<ADDRESS>()?[12..]))
    }

    /// A `bool`: a word that is 0 or 1.
    ///
    /// # Errors
    ///
    /// `Malformed` when the word is missing or is neither 0 nor 1.
    pub fn bool(&mut self) -> Result<bool, Malformed> {
        let word = self.padded::<U8>()?;
        match word[31] {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Malformed),
        }
    }

    /// A `uint8`.
    ///
    /// # Errors
    ///
    /// `Malformed` when the word is missing or above 255.
    pub fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.padded::<U8>()?[31])
    }

    /// A `uint16`.
    ///
    /// # Errors
    ///
    /// `Malformed` when the word is missing or above 2^16 - 1.
    pub fn u16(&mut self) -> Result<u16, Malformed> {
        let word = self.padded::<U16>()?;
        Ok(u16::from_be_bytes([word[30], word[31]]))
    }

    /// A `uint64`.
    ///
    /// # Errors
    ///
    /// `Malformed` when the word is missing or above 2^64 - 1.
    pub fn u64(&mut self) -> Result<u64, Malformed> {
        Ok(read_u64(self.padded::<U64>()?, 24))
    }

    /// A `bytesN` value: left-aligned, the rest of the word zero.
    ///
    /// # Errors
    ///
    /// `Malformed` when the word is missing, a byte past the first `N` is not zero, or
    /// `N` exceeds 32.
    pub fn fixed<const N: usize>(&mut self) -> Result<FixedBytes<N>, Malformed> {
        let word = self.word()?;
        if N > 32 || word[N..].iter().any(|b| *b != 0) {
            return Err(Malformed);
        }
        Ok(FixedBytes::from_slice(&word[..N]))
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
        if !clean(word, &const { prefix_mask(SMALL) }) {
            return Err(Malformed);
        }
        Ok(u32::from_be_bytes([word[28], word[29], word[30], word[31]]) as usize)
    }

    /// `bytes` or `string` (Solidity does not check strings for UTF-8).
    ///
    /// # Errors
    ///
    /// `Malformed` when its offset or length word is missing or above 2^32 - 1, or the
    /// bytes run past the data.
    pub fn bytes(&mut self) -> Result<&'a [u8], Malformed> {
        let (start, len) = self.tail(1)?;
        Ok(&self.data[start..start + len])
    }

    /// An array of static elements `words` words long each: one `Args`
    /// reading each element's words in turn.
    ///
    /// # Errors
    ///
    /// `Malformed` when its offset or length word is missing or above 2^32 - 1, or the
    /// elements run past the data.
    pub fn array(&mut self, words: usize) -> Result<(usize, Args<'a>), Malformed> {
        let (start, len) = self.tail(32 * words)?;
        Ok((
            len,
            Args {
                data: &self.data[start..start + 32 * words * len],
                next: 0,
            },
        ))
    }

    /// A `uint256[]`.
    ///
    /// # Errors
    ///
    /// `Malformed` when its offset or length word is missing or above 2^32 - 1, or the
    /// elements run past the data.
    pub fn u256_array(&mut self) -> Result<Vec<U256>, Malformed> {
        let (len, mut items) = self.array(1)?;
        (0..len).map(|_| items.u256()).collect()
    }

    /// An `address[]`.
    ///
    /// # Errors
    ///
    /// `Malformed` when its offset or length word is missing or above 2^32 - 1, or the
    /// elements run past the data, or an element's 12 high bytes are not zero.
    pub fn address_array(&mut self) -> Result<Vec<Address>, Malformed> {
        let (len, mut items) = self.array(1)?;
        (0..len).map(|_| items.address()).collect()
    }

    /// `bytes[]`: each element's offset counts from the start of the
    /// array's offset words.
    ///
    /// # Errors
    ///
    /// `Malformed` when the array's or any element's offset or length word is missing or
    /// above 2^32 - 1, or the array or an element runs past the data.
    pub fn bytes_array(&mut self) -> Result<Vec<&'a [u8]>, Malformed> {
        let (start, len) = self.tail(32)?;
        let mut inner = Args {
            data: &self.data[start..],
            next: 0,
        };
        (0..len).map(|_| inner.bytes()).collect()
    }
}

/// The 32-byte word of a static value.
pub trait Word {
    /// The value's ABI word: numbers and addresses right-aligned, `bytesN` left-aligned,
    /// the rest zero.
    fn word(&self) -> B256;
}

impl Word for U256 {
    /// Limb by limb, as four big-endian `u64`s: ruint's conversion loops
    /// over the bytes, a metered basic block each.
    fn word(&self) -> B256 {
        let [l0, l1, l2, l3] = *self.as_limbs();
        let big_endian = [l3.to_be(), l2.to_be(), l1.to_be(), l0.to_be()];
        // Safe: [u64; 4] and [u8; 32] have one size and every bit pattern.
        B256::new(unsafe { core::mem::transmute::<[u64; 4], [u8; 32]>(big_endian) })
    }
}

impl Word for B256 {
    fn word(&self) -> B256 {
        *self
    }
}

impl Word for Address {
    /// Twelve zero bytes, then the address: built from three reads of it,
    /// without a copy loop.
    fn word(&self) -> B256 {
        let at = self.0 .0.as_ptr();
        // Safe: 4 + 8 + 8 bytes of a 20-byte array; unaligned reads are
        // allowed; [u64; 4] and [u8; 32] have one size and every bit pattern.
        unsafe {
            let head = u64::from(at.cast::<u32>().read_unaligned());
            let pieces = [
                0,
                head << 32,
                at.add(4).cast::<u64>().read_unaligned(),
                at.add(12).cast::<u64>().read_unaligned(),
            ];
            B256::new(core::mem::transmute::<[u64; 4], [u8; 32]>(pieces))
        }
    }
}

/// Words laid end to end, as bytes, without a copy.
#[must_use]
pub fn as_bytes(words: &[B256]) -> &[u8] {
    // Safe: `B256` is `[u8; 32]`, so a slice of them is 32 bytes each, in order.
    unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), 32 * words.len()) }
}

/// The word of an unsigned integer of at most 64 bits: its big-endian
/// bytes at the end of a zero word (cheaper in wasm than through `U256`).
fn small_word(n: u64) -> B256 {
    // Safe: [u64; 4] and [u8; 32] have one size and every bit pattern.
    B256::new(unsafe { core::mem::transmute::<[u64; 4], [u8; 32]>([0, 0, 0, n.to_be()]) })
}

impl Word for bool {
    fn word(&self) -> B256 {
        small_word(u64::from(*self))
    }
}

impl Word for u8 {
    fn word(&self) -> B256 {
        small_word(u64::from(*self))
    }
}

impl Word for u16 {
    fn word(&self) -> B256 {
        small_word(u64::from(*self))
    }
}

impl Word for u64 {
    fn word(&self) -> B256 {
        small_word(*self)
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

/// The word of a small number (an offset or a length).
#[must_use]
pub fn size_word(n: usize) -> B256 {
    small_word(n as u64)
}

/// Appends the tail of a `bytes`/`string`: its length, then the bytes padded
/// to whole words.
pub fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(size_word(bytes.len()).as_slice());
    out.extend_from_slice(bytes);
    out.resize(out.len() + (32 - bytes.len() % 32) % 32, 0);
}

/// Appends the tail of a `uint256[]`: its length, then the elements.
pub fn push_u256_array(out: &mut Vec<u8>, values: &[U256]) {
    out.extend_from_slice(size_word(values.len()).as_slice());
    for value in values {
        out.extend_from_slice(value.word().as_slice());
    }
}

/// A single `bytes`/`string` value, ABI-encoded (as return or event data).
#[must_use]
pub fn encode_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = words(&[size_word(32)]);
    push_bytes(&mut out, bytes);
    out
}

/// Two `uint256[]` values, ABI-encoded (`TransferBatch` data).
#[must_use]
pub fn encode_two_arrays(first: &[U256], second: &[U256]) -> Vec<u8> {
    let second_at = 64 + 32 * (1 + first.len());
    let mut out = words(&[size_word(64), size_word(second_at)]);
    push_u256_array(&mut out, first);
    push_u256_array(&mut out, second);
    out
}

/// One `uint256[]`, ABI-encoded (as return data).
#[must_use]
pub fn encode_array(values: &[U256]) -> Vec<u8> {
    let mut out = words(&[size_word(32)]);
    push_u256_array(&mut out, values);
    out
}

/// Calldata of a call with static arguments, or the revert data of a
/// custom error: the selector, then the words.
#[must_use]
pub fn selector_and_words(selector: [u8; 4], head: &[B256]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + 32 * head.len());
    out.extend_from_slice(&selector);
    for word in head {
        out.extend_from_slice(word.as_slice());
    }
    out
}

#[cfg(test)]
mod tests;
