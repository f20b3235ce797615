//! EIP-712 hashing and ERC-5267's `eip712Domain()` answer, laid out by hand
//! (fixed 32-byte words) to keep the wasm small. Both contracts sign in a
//! domain of name, version "1", chain id and contract address.

use alloc::vec::Vec;

use alloy_primitives::{b256, keccak256, Address, B256, U256};

use crate::codec::{push_bytes, size_word, words, Word};

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
pub const DOMAIN_TYPEHASH: B256 =
    b256!("8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");

/// The domain version of both contracts.
pub const VERSION: [u8; 1] = *b"1";

/// `keccak256("1")`.
pub const VERSION_HASH: B256 =
    b256!("c89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc6");

/// ERC-5267's `fields`: name, version, chainId and verifyingContract are set.
pub const FIELDS: u8 = 0x0f;

/// `keccak256(abi.encode(DOMAIN_TYPEHASH, nameHash, VERSION_HASH, chainId, contract))`.
#[must_use]
pub fn domain_separator(name_hash: B256, chain_id: u64, contract: Address) -> B256 {
    hash_words(&[
        crate::code_word!(DOMAIN_TYPEHASH),
        name_hash,
        crate::code_word!(VERSION_HASH),
        chain_id.word(),
        contract.word(),
    ])
}

/// `keccak256(abi.encode(words...))`: the hash of a struct of static
/// members, its type hash first (the words are hashed where they are: an
/// allocation per hash costs more ink than the hash).
#[must_use]
pub fn hash_words(members: &[B256]) -> B256 {
    keccak256(crate::codec::as_bytes(members))
}

/// `keccak256("\x19\x01" ‖ domainSeparator ‖ structHash)`: the digest signed.
#[must_use]
pub fn digest(domain_separator: B256, struct_hash: B256) -> B256 {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain_separator.as_slice());
    buf[34..].copy_from_slice(struct_hash.as_slice());
    keccak256(buf)
}

/// The return data of ERC-5267's `eip712Domain()`: `(bytes1 fields, string
/// name, string version, uint256 chainId, address verifyingContract,
/// bytes32 salt, uint256[] extensions)` with fields 0x0f, version "1", salt
/// zero and no extensions.
#[must_use]
pub fn domain_answer(name: &[u8], chain_id: u64, contract: Address) -> Vec<u8> {
    let padded = |len: usize| 32 + len.div_ceil(32) * 32;
    let name_at = 7 * 32;
    let version_at = name_at + padded(name.len());
    let extensions_at = version_at + padded(VERSION.len());
    let mut fields = B256::ZERO;
    fields[0] = FIELDS;
    let mut out = words(&[
        fields,
        size_word(name_at),
        size_word(version_at),
        U256::from(chain_id).word(),
        contract.word(),
        B256::ZERO,
        size_word(extensions_at),
    ]);
    push_bytes(&mut out, name);
    push_bytes(&mut out, &crate::codec::in_code(VERSION));
    out.extend_from_slice(size_word(0).as_slice());
    out
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, FixedBytes};
    use alloy_sol_types::{eip712_domain, SolValue};
    use motsu as _;

    use super::*;

    #[test]
    fn constants_are_the_hashes_of_their_strings() {
        assert_eq!(
            DOMAIN_TYPEHASH,
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
            )
        );
        assert_eq!(VERSION_HASH, keccak256(VERSION));
    }

    #[test]
    fn separator_and_digest_equal_alloys() {
        let contract = address!("00000000000000000000000000000000000000aa");
        let domain = eip712_domain! {
            name: "TokenAI", version: "1", chain_id: 42161, verifying_contract: contract,
        };
        let separator = domain_separator(keccak256("TokenAI"), 42161, contract);
        assert_eq!(separator, domain.separator());
        let struct_hash = hash_words(&[B256::repeat_byte(1), B256::repeat_byte(2)]);
        assert_eq!(
            struct_hash,
            keccak256((B256::repeat_byte(1), B256::repeat_byte(2)).abi_encode())
        );
        let mut preimage = vec![0x19, 0x01];
        preimage.extend_from_slice(separator.as_slice());
        preimage.extend_from_slice(struct_hash.as_slice());
        assert_eq!(digest(separator, struct_hash), keccak256(preimage));
    }

    #[test]
    fn the_domain_answer_decodes_as_erc_5267_says() {
        type Domain = (
            FixedBytes<1>,
            String,
            String,
            U256,
            Address,
            B256,
            Vec<U256>,
        );
        let contract = address!("00000000000000000000000000000000000000bb");
        for name in ["AAT", "TokenAI", "a name longer than one word of 32 bytes"] {
            let answer = domain_answer(name.as_bytes(), 412_346, contract);
            let decoded = Domain::abi_decode_params(&answer, true).expect("decodes");
            assert_eq!(
                decoded,
                (
                    FixedBytes([FIELDS]),
                    name.to_string(),
                    "1".to_string(),
                    U256::from(412_346),
                    contract,
                    B256::ZERO,
                    vec![]
                )
            );
            assert_eq!(answer, decoded.abi_encode_params(), "canonical encoding");
        }
    }
}
