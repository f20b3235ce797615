//! EIP-712 hashing for EIP-2612 permits, and the ecrecover precompile's input.
//!
//! OpenZeppelin's `Erc20Permit` fixes the domain name at compile time
//! (`IEip712::NAME`), while TokenAI takes its name in the constructor; wallets
//! build the domain from `name()`, so the domain here hashes the stored name.
//! Encodings are laid out by hand (fixed 32-byte words) to keep the wasm small.

use alloy_primitives::{b256, Address, B256, U256};

/// `keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")`.
pub const DOMAIN_TYPEHASH: B256 =
    b256!("8b73c3c69bb8fe3d512ecc4cf759cc79239f7b179b0ffacaa9a75d522b39400f");

/// `keccak256("1")`: the domain version.
pub const VERSION_HASH: B256 =
    b256!("c89efdaa54c0f20c7adf612882df0950f5a951637e0307cdcb4c672f298b8bc6");

/// `keccak256("Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")`.
pub const PERMIT_TYPEHASH: B256 =
    b256!("6e71edae12b1b97f4d1f60370fef10105fa2faae0126114a169c64845d6126c9");

fn address_word(address: Address) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(address.as_slice());
    word
}

/// `abi.encode(DOMAIN_TYPEHASH, nameHash, VERSION_HASH, chainId, contract)`,
/// the preimage of the domain separator.
#[must_use]
pub fn domain_preimage(name_hash: B256, chain_id: u64, contract: Address) -> [u8; 160] {
    let mut buf = [0u8; 160];
    buf[..32].copy_from_slice(DOMAIN_TYPEHASH.as_slice());
    buf[32..64].copy_from_slice(name_hash.as_slice());
    buf[64..96].copy_from_slice(VERSION_HASH.as_slice());
    buf[96..128].copy_from_slice(&U256::from(chain_id).to_be_bytes::<32>());
    buf[128..].copy_from_slice(&address_word(contract));
    buf
}

/// `abi.encode(PERMIT_TYPEHASH, owner, spender, value, nonce, deadline)`,
/// the preimage of the permit's struct hash.
#[must_use]
pub fn permit_preimage(
    owner: Address,
    spender: Address,
    value: U256,
    nonce: U256,
    deadline: U256,
) -> [u8; 192] {
    let mut buf = [0u8; 192];
    buf[..32].copy_from_slice(PERMIT_TYPEHASH.as_slice());
    buf[32..64].copy_from_slice(&address_word(owner));
    buf[64..96].copy_from_slice(&address_word(spender));
    buf[96..128].copy_from_slice(&value.to_be_bytes::<32>());
    buf[128..160].copy_from_slice(&nonce.to_be_bytes::<32>());
    buf[160..].copy_from_slice(&deadline.to_be_bytes::<32>());
    buf
}

/// The ecrecover precompile.
pub const ECRECOVER: Address = Address::with_last_byte(1);

/// Half the order of secp256k1: a canonical signature's `s` is at most this.
pub const HALF_ORDER: U256 = alloy_primitives::uint!(
    0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0_U256
);

/// `v` is 27 or 28 and `s` in the lower half order (EIP-2): the one form of
/// a signature that is accepted, so no second form can replay it.
#[must_use]
pub fn is_canonical(v: u8, s: B256) -> bool {
    (v == 27 || v == 28) && U256::from_be_bytes(s.0) <= HALF_ORDER
}

/// The precompile's input: `hash ‖ v ‖ r ‖ s`, each a 32-byte word.
#[must_use]
pub fn ecrecover_input(hash: B256, v: u8, r: B256, s: B256) -> [u8; 128] {
    let mut buf = [0u8; 128];
    buf[..32].copy_from_slice(hash.as_slice());
    buf[63] = v;
    buf[64..96].copy_from_slice(r.as_slice());
    buf[96..].copy_from_slice(s.as_slice());
    buf
}

/// `"\x19\x01" ‖ domainSeparator ‖ structHash`, the preimage of the digest
/// the owner signs.
#[must_use]
pub fn typed_data_preimage(domain_separator: B256, struct_hash: B256) -> [u8; 66] {
    let mut buf = [0u8; 66];
    buf[0] = 0x19;
    buf[1] = 0x01;
    buf[2..34].copy_from_slice(domain_separator.as_slice());
    buf[34..].copy_from_slice(struct_hash.as_slice());
    buf
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, keccak256, U256};
    use alloy_sol_types::SolValue;

    use super::*;

    #[test]
    fn canonical_signatures() {
        let low = B256::from(HALF_ORDER);
        let high = B256::from(HALF_ORDER + U256::from(1));
        assert!(is_canonical(27, low) && is_canonical(28, B256::ZERO));
        assert!(!is_canonical(27, high));
        assert!(!is_canonical(0, low) && !is_canonical(1, low) && !is_canonical(29, low));
        let input = ecrecover_input(
            B256::repeat_byte(1),
            28,
            B256::repeat_byte(2),
            B256::repeat_byte(3),
        );
        assert_eq!(
            input.as_slice(),
            (
                B256::repeat_byte(1),
                U256::from(28),
                B256::repeat_byte(2),
                B256::repeat_byte(3)
            )
                .abi_encode()
                .as_slice()
        );
    }

    #[test]
    fn type_hashes_match_their_strings() {
        assert_eq!(
            DOMAIN_TYPEHASH,
            keccak256(
                "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
            )
        );
        assert_eq!(VERSION_HASH, keccak256("1"));
        assert_eq!(
            PERMIT_TYPEHASH,
            keccak256(
                "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
            )
        );
    }

    #[test]
    fn hand_laid_encodings_equal_abi_encode() {
        let name_hash = keccak256("TokenAI");
        let contract = address!("00000000000000000000000000000000000000aa");
        let expected = (
            DOMAIN_TYPEHASH,
            name_hash,
            VERSION_HASH,
            U256::from(42161u64),
            contract,
        )
            .abi_encode();
        assert_eq!(
            domain_preimage(name_hash, 42161, contract).as_slice(),
            expected.as_slice()
        );

        let owner = address!("1111111111111111111111111111111111111111");
        let spender = address!("2222222222222222222222222222222222222222");
        let (value, nonce, deadline) = (U256::from(7u8), U256::from(3u8), U256::MAX);
        let expected = (PERMIT_TYPEHASH, owner, spender, value, nonce, deadline).abi_encode();
        assert_eq!(
            permit_preimage(owner, spender, value, nonce, deadline).as_slice(),
            expected.as_slice()
        );

        let digest = typed_data_preimage(name_hash, DOMAIN_TYPEHASH);
        assert_eq!(&digest[..2], &[0x19, 0x01]);
        assert_eq!(&digest[2..34], name_hash.as_slice());
        assert_eq!(&digest[34..], DOMAIN_TYPEHASH.as_slice());
    }
}
