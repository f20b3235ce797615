//! Who signed a digest: ECDSA through the ecrecover precompile, accepting
//! only the canonical form of a signature (`v` 27 or 28, `s` in the lower
//! half order, as EIP-2 requires), and ERC-1271 for signers with code (smart
//! accounts), in the order OpenZeppelin's `SignatureChecker` uses.
//!
//! OpenZeppelin Stylus 0.3.0's `ecdsa` is not used: it slices the
//! precompile's output unchecked, so a signature the precompile rejects
//! (empty output) traps the program instead of reverting with a reason.

use alloc::vec::Vec;

use alloy_primitives::{b256, Address, B256};
use stylus_sdk::{call::RawCall, hostio, prelude::*};

use crate::{
    cmp,
    codec::{push_bytes, size_word, words, Word},
};

/// The ecrecover precompile.
pub const ECRECOVER: Address = Address::with_last_byte(1);

/// Half the order of secp256k1: a canonical signature's `s` is at most this.
pub const HALF_ORDER: B256 =
    b256!("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

/// `isValidSignature(bytes32,bytes)`'s selector: what an ERC-1271 account
/// answers (as the first word of its return data) for a valid signature.
pub const ERC1271_MAGIC: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

/// `keccak256("")`: the code hash of an account without code.
pub const EMPTY_CODE_HASH: B256 =
    b256!("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");

/// `v` is 27 or 28 and `s` in the lower half order (EIP-2): the one form of
/// a signature that is accepted, so no second form can replay it.
#[must_use]
pub fn is_canonical(v: u8, s: B256) -> bool {
    (v == 27 || v == 28)
        && crate::codec::u256_of(&s.0) <= crate::codec::u256_of(&crate::code_word!(HALF_ORDER).0)
}

/// Whether `account` has code (a contract, or a smart account).
///
/// Through `WasmVM`, not `.vm()`: see `log::emit`.
#[must_use]
pub fn has_code(account: Address) -> bool {
    let hash = stylus_sdk::host::WasmVM {}.code_hash(account);
    !crate::cmp::is_zero_word(&hash.0) && !is_empty_code_hash(&hash)
}

/// `hash == EMPTY_CODE_HASH`, 8 bytes at a time against immediates: the
/// constant itself would sit in the data segments, which Nitro charges
/// every call for.
fn is_empty_code_hash(hash: &B256) -> bool {
    use crate::codec::read_u64;
    read_u64(hash, 0) == 0xc5d2_4601_86f7_233c
        && read_u64(hash, 8) == 0x927e_7db2_dcc7_03c0
        && read_u64(hash, 16) == 0xe500_b653_ca82_273b
        && read_u64(hash, 24) == 0x7bfa_d804_5d85_a470
}

/// The address whose key signed `digest` as `(v, r, s)`, or the zero
/// address when the signature is not canonical or the precompile rejects it.
#[must_use]
pub fn recover(digest: B256, v: u8, r: B256, s: B256) -> Address {
    if !is_canonical(v, s) {
        return Address::ZERO;
    }
    let input = [digest, v.word(), r, s];
    // `ECRECOVER`, its one non-zero byte through `black_box`: LLVM copies a
    // constant array (even through `codec::in_code`) out of the data
    // segments.
    let mut precompile = [0u8; 20];
    precompile[19] = core::hint::black_box(ECRECOVER.0[19]);
    let mut output = [0u8; 32];
    let mut output_len = 0usize;
    // The host functions themselves rather than `RawCall`, whose call
    // allocates the input and the output and converts a zero value byte by
    // byte (about 300 gas of a voucher's 20,000). A static call to a
    // precompile cannot touch this contract's storage, so the storage cache
    // need not be flushed first.
    // Safe: the pointers are to live arrays of the lengths passed.
    let recovered = unsafe {
        hostio::static_call_contract(
            precompile.as_ptr(),
            crate::codec::as_bytes(&input).as_ptr(),
            128,
            u64::MAX,
            &raw mut output_len,
        ) == 0
            && output_len == 32
            && hostio::read_return_data(output.as_mut_ptr(), 0, 32) == 32
    };
    if recovered {
        Address::from_slice(&output[12..])
    } else {
        Address::ZERO
    }
}

/// `signature` as `(v, r, s)` when it is 65 bytes `r ‖ s ‖ v`.
#[must_use]
pub fn split(signature: &[u8]) -> Option<(u8, B256, B256)> {
    if signature.len() != 65 {
        return None;
    }
    Some((
        signature[64],
        B256::from_slice(&signature[..32]),
        B256::from_slice(&signature[32..64]),
    ))
}

/// `r ‖ s ‖ v`: the `bytes` form of a `(v, r, s)` signature.
#[must_use]
pub fn join(v: u8, r: B256, s: B256) -> Vec<u8> {
    let mut signature = Vec::with_capacity(65);
    signature.extend_from_slice(r.as_slice());
    signature.extend_from_slice(s.as_slice());
    signature.push(v);
    signature
}

/// The most gas an ERC-1271 `isValidSignature` call is given. A wallet's
/// check is a signature recovery or two (a few thousand gas); without a cap
/// a hostile wallet could answer a free `eth_call` and then burn all the gas
/// of the transaction that settles it, sinking everyone else's payments in
/// the same batch. With it, the most a wallet costs a batch is this.
pub const ERC1271_STIPEND: u64 = 200_000;

/// Whether the key of `signer` signed `digest`: a canonical 65-byte ECDSA
/// signature only, never ERC-1271 (a channel's session key). The zero
/// address never signs.
#[must_use]
pub fn is_signed_by_key(signer: Address, digest: B256, signature: &[u8]) -> bool {
    !cmp::is_null(&signer)
        && split(signature).is_some_and(|(v, r, s)| cmp::same(&recover(digest, v, r, s), &signer))
}

/// Whether `signer` signed `digest`: a canonical 65-byte ECDSA signature by
/// its key, or, when `signer` has code, its ERC-1271 `isValidSignature`
/// (given at most `ERC1271_STIPEND` gas) answering the magic value in a
/// whole first word. A revert, running out of gas, short or other return
/// data is a refusal. The zero address never signs.
#[must_use]
pub fn is_valid(signer: Address, digest: B256, signature: &[u8]) -> bool {
    is_signed_by_key(signer, digest, signature)
        || (!cmp::is_null(&signer)
            && has_code(signer)
            && erc1271_accepts(signer, digest, signature))
}

fn erc1271_accepts(account: Address, digest: B256, signature: &[u8]) -> bool {
    let magic = crate::codec::in_code(ERC1271_MAGIC);
    let mut calldata = magic.to_vec();
    calldata.extend(words(&[digest, size_word(64)]));
    push_bytes(&mut calldata, signature);
    let mut magic_word = B256::ZERO;
    magic_word[..4].copy_from_slice(&magic);
    // The account may read this contract: flush the storage cache so that
    // it sees the current state. A static call cannot change it.
    let answer = unsafe {
        RawCall::new_static()
            .gas(ERC1271_STIPEND)
            .flush_storage_cache()
            .call(account, &calldata)
    };
    matches!(answer, Ok(data) if data.len() >= 32 && data[..32] == magic_word[..])
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{keccak256, U256};

    use super::*;

    #[test]
    fn canonical_signatures() {
        let low = HALF_ORDER;
        let high = B256::from(U256::from_be_bytes(HALF_ORDER.0) + U256::from(1));
        assert!(is_canonical(27, low) && is_canonical(28, B256::ZERO));
        assert!(!is_canonical(27, high));
        assert!(!is_canonical(0, low) && !is_canonical(1, low) && !is_canonical(29, low));
        assert_eq!(
            ERC1271_MAGIC,
            keccak256("isValidSignature(bytes32,bytes)")[..4]
        );
        assert_eq!(EMPTY_CODE_HASH, keccak256([]));
        assert!(is_empty_code_hash(&EMPTY_CODE_HASH));
        for byte in [0, 7, 8, 15, 16, 23, 24, 31] {
            let mut other = EMPTY_CODE_HASH;
            other[byte] ^= 1;
            assert!(!is_empty_code_hash(&other), "byte {byte}");
        }
    }

    #[test]
    fn split_and_join_are_inverse() {
        let (r, s) = (B256::repeat_byte(2), B256::repeat_byte(3));
        let joined = join(28, r, s);
        assert_eq!(joined.len(), 65);
        assert_eq!(split(&joined), Some((28, r, s)));
        assert_eq!(split(&joined[..64]), None);
        assert_eq!(split(&[0u8; 66]), None);
    }
}
