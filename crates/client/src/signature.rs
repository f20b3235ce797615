//! Whether a signature is valid, decided exactly as AAT and TokenAI decide
//! it (`crates/abi-core/src/signature.rs`), so that a gateway never accepts
//! what the chain will refuse at settlement, nor refuses what it accepts:
//!
//! - ECDSA: exactly 65 bytes `r ‖ s ‖ v`, `v` 27 or 28 (not 0/1, not an
//!   EIP-155 value), `s` at most half the curve order (EIP-2), and the key
//!   recovered is the expected signer. The zero address never signs.
//! - ERC-1271, only for an account (not a session key) that has code, and
//!   only when ECDSA did not already succeed: its `isValidSignature(digest,
//!   signature)` answers, within [`ERC1271_STIPEND`] gas, a return whose
//!   whole first 32-byte word is `0x1626ba7e` left-aligned. A revert, too
//!   little gas, short or other return data is a refusal.
//!
//! [`verify`] is the one check: the gateway uses it for vouchers and
//! EIP-3009 authorizations, and [`recover`] is what the client uses when
//! it verifies a receipt. The chain behind ERC-1271 is a parameter
//! ([`Accounts`]) so that a caller can cache who has code.

use std::future::Future;

use alloy::{
    primitives::{Address, Bytes, Signature, B256, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
    sol,
    sol_types::SolCall,
};

use crate::error::ClientError;

sol! {
    /// ERC-1271: how a smart account says a signature is its own.
    function isValidSignature(bytes32 hash, bytes signature) external view returns (bytes4 magic);
}

/// Half the order of secp256k1: a canonical signature's `s` is at most this.
/// (`0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0`).
pub const HALF_ORDER: U256 = U256::from_limbs([
    0xdfe9_2f46_681b_20a0,
    0x5d57_6e73_57a4_501d,
    0xffff_ffff_ffff_ffff,
    0x7fff_ffff_ffff_ffff,
]);

/// ERC-1271's answer for a valid signature (`isValidSignature`'s
/// selector), as the first 4 bytes of a word whose other 28 are zero.
pub const ERC1271_MAGIC: [u8; 4] = isValidSignatureCall::SELECTOR;

/// The most gas an ERC-1271 wallet is given to answer (AAT spec v3: a
/// wallet that needs more is refusing).
pub const ERC1271_STIPEND: u64 = 200_000;

/// Who must have signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// An account (a holder, a payer): its key's ECDSA signature, or, when
    /// it has code, whatever its ERC-1271 `isValidSignature` accepts.
    Account(Address),
    /// A key an account delegated to (a channel's session key): its ECDSA
    /// signature only, and no ERC-1271 call is ever made.
    SessionKey(Address),
}

impl Expected {
    /// The address that must have signed.
    #[must_use]
    pub fn address(self) -> Address {
        match self {
            Expected::Account(a) | Expected::SessionKey(a) => a,
        }
    }
}

/// A signature's verdict, and how it was reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not the expected signer's, by the contracts' rules.
    Invalid,
    /// A canonical ECDSA signature by the expected signer's key: valid for
    /// good (nothing the signer does later can revoke it).
    Ecdsa,
    /// Accepted by the signer's ERC-1271 wallet: valid now, but the wallet
    /// decides again when the contract asks.
    Erc1271,
}

impl Verdict {
    /// Whether the contracts would accept it.
    #[must_use]
    pub fn is_valid(self) -> bool {
        self != Verdict::Invalid
    }
}

/// `signature` as `(v, r, s)` when it is exactly 65 bytes `r ‖ s ‖ v`.
#[must_use]
pub fn split(signature: &[u8]) -> Option<(u8, B256, B256)> {
    let bytes: &[u8; 65] = signature.try_into().ok()?;
    Some((
        bytes[64],
        B256::from_slice(&bytes[..32]),
        B256::from_slice(&bytes[32..64]),
    ))
}

/// `v` is 27 or 28 and `s` in the lower half order (EIP-2): the one form of
/// a signature the contracts accept.
#[must_use]
pub fn is_canonical(v: u8, s: B256) -> bool {
    matches!(v, 27 | 28) && U256::from_be_bytes(s.0) <= HALF_ORDER
}

/// Whose key signed `digest` with `signature`, or `None` when the contracts
/// would not recover anyone: not 65 bytes, `v` not 27 or 28, high `s`, or
/// `r`/`s` out of range.
#[must_use]
pub fn recover(digest: B256, signature: &[u8]) -> Option<Address> {
    let (v, r, s) = split(signature)?;
    if !is_canonical(v, s) {
        return None;
    }
    // libsecp256k1 (through alloy-consensus's `secp256k1` feature), the library the
    // chain's ecrecover uses: it recovers in a fifth of the time k256
    // takes (which also verifies what it recovered), and recovering is most
    // of what a paid request costs the gateway.
    alloy_consensus::crypto::secp256k1::recover_signer_unchecked(
        &Signature::from_scalars_and_parity(r, s, v == 28),
        digest,
    )
    .ok()
}

/// The calldata of `isValidSignature(digest, signature)`.
#[must_use]
pub fn erc1271_call(digest: B256, signature: &[u8]) -> Bytes {
    isValidSignatureCall {
        hash: digest,
        signature: Bytes::copy_from_slice(signature),
    }
    .abi_encode()
    .into()
}

/// Whether a wallet's return data says yes: its whole first word is the
/// magic value, left-aligned.
#[must_use]
pub fn erc1271_accepts(answer: &[u8]) -> bool {
    answer.len() >= 32 && answer[..4] == ERC1271_MAGIC && answer[4..32].iter().all(|b| *b == 0)
}

/// What [`verify`] needs of the chain.
pub trait Accounts {
    /// Whether `account` has code.
    fn has_code(&self, account: Address) -> impl Future<Output = Result<bool, ClientError>> + Send;

    /// A static call of `to` with `data` and at most `gas` for it to run:
    /// its return data, or `None` when it reverted or ran out of gas.
    ///
    /// The node failing (not the call) is an error.
    fn static_call(
        &self,
        to: Address,
        data: Bytes,
        gas: u64,
    ) -> impl Future<Output = Result<Option<Bytes>, ClientError>> + Send;
}

/// A node as [`Accounts`]: `eth_getCode` and `eth_call`, uncached. With a
/// `caller`, its calls come from that address (their `msg.sender` and
/// `tx.origin`), as the contract that will ask would make them: a wallet
/// that answers only an unset caller (zero, as `eth_call` leaves it) is
/// then asked what it will answer on-chain.
#[derive(Clone, Debug)]
pub struct Node<P> {
    /// The node asked: `eth_getCode` for code, `eth_call` for ERC-1271.
    pub provider: P,
    /// The `from` of its calls (the contract that will ask on-chain, such as
    /// the exchange), or `None` to leave it unset.
    pub caller: Option<Address>,
}

/// The gas a call's transaction costs before its code runs: 21,000 and its
/// calldata (EIP-2028), so that the code runs with `gas` exactly.
#[must_use]
pub fn intrinsic_gas(data: &[u8]) -> u64 {
    data.iter().fold(21_000u64, |gas, b| {
        gas.saturating_add(if *b == 0 { 4 } else { 16 })
    })
}

/// The `eth_call` that runs `data` at `to` with `gas` for its code (the
/// transaction's own cost added), from `caller` when one is given.
#[must_use]
pub fn static_call_request(
    caller: Option<Address>,
    to: Address,
    data: Bytes,
    gas: u64,
) -> TransactionRequest {
    let gas_limit = gas.saturating_add(intrinsic_gas(&data));
    let request = TransactionRequest::default()
        .to(to)
        .input(data.into())
        .gas_limit(gas_limit);
    match caller {
        Some(caller) => request.from(caller),
        None => request,
    }
}

/// Runs a static call through `eth_call`, from `caller` when one is given:
/// a node's error answer (a revert, out of gas) is the callee refusing; a
/// failure to get an answer is an error.
///
/// # Errors
///
/// The node cannot be reached.
pub async fn eth_call<P: Provider>(
    provider: &P,
    caller: Option<Address>,
    to: Address,
    data: Bytes,
    gas: u64,
) -> Result<Option<Bytes>, ClientError> {
    match provider
        .call(static_call_request(caller, to, data, gas))
        .await
    {
        Ok(out) => Ok(Some(out)),
        Err(err) if err.as_error_resp().is_some() => Ok(None),
        Err(err) => Err(ClientError::Rpc(err)),
    }
}

impl<P: Provider + Sync> Accounts for Node<P> {
    async fn has_code(&self, account: Address) -> Result<bool, ClientError> {
        Ok(!self.provider.get_code_at(account).await?.is_empty())
    }

    async fn static_call(
        &self,
        to: Address,
        data: Bytes,
        gas: u64,
    ) -> Result<Option<Bytes>, ClientError> {
        eth_call(&self.provider, self.caller, to, data, gas).await
    }
}

/// Whether `signature` over `digest` is `expected`'s, as the contracts
/// decide it (see the module's rules), and how.
///
/// # Errors
///
/// The chain cannot be read (only for an account that may be a wallet).
pub async fn verify<A: Accounts>(
    accounts: &A,
    expected: Expected,
    digest: B256,
    signature: &[u8],
) -> Result<Verdict, ClientError> {
    let signer = expected.address();
    if signer.is_zero() {
        return Ok(Verdict::Invalid);
    }
    if recover(digest, signature) == Some(signer) {
        return Ok(Verdict::Ecdsa);
    }
    let Expected::Account(account) = expected else {
        return Ok(Verdict::Invalid);
    };
    if !accounts.has_code(account).await? {
        return Ok(Verdict::Invalid);
    }
    let answer = accounts
        .static_call(account, erc1271_call(digest, signature), ERC1271_STIPEND)
        .await?;
    Ok(match answer {
        Some(answer) if erc1271_accepts(&answer) => Verdict::Erc1271,
        _ => Verdict::Invalid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{
        primitives::{b256, keccak256},
        signers::{local::PrivateKeySigner, SignerSync},
    };

    /// secp256k1's order.
    const N: U256 = U256::from_limbs([
        0xbfd2_5e8c_d036_4141,
        0xbaae_dce6_af48_a03b,
        0xffff_ffff_ffff_fffe,
        0xffff_ffff_ffff_ffff,
    ]);

    fn join(r: U256, s: U256, v: u8) -> Vec<u8> {
        let mut out = r.to_be_bytes::<32>().to_vec();
        out.extend_from_slice(&s.to_be_bytes::<32>());
        out.push(v);
        out
    }

    /// A signer with code, answering every ERC-1271 call with `answer`.
    struct Wallet(Option<Vec<u8>>);

    impl Accounts for Wallet {
        async fn has_code(&self, _: Address) -> Result<bool, ClientError> {
            Ok(true)
        }
        async fn static_call(
            &self,
            _: Address,
            _: Bytes,
            gas: u64,
        ) -> Result<Option<Bytes>, ClientError> {
            assert_eq!(gas, ERC1271_STIPEND);
            Ok(self.0.clone().map(Bytes::from))
        }
    }

    #[test]
    fn the_constants_are_the_contracts() {
        assert_eq!(N >> 1, HALF_ORDER);
        assert_eq!(
            ERC1271_MAGIC,
            keccak256("isValidSignature(bytes32,bytes)")[..4]
        );
    }

    #[test]
    fn only_the_canonical_65_byte_form_recovers() {
        let key = PrivateKeySigner::random();
        let digest = keccak256("a voucher");
        let signature = key.sign_hash_sync(&digest).unwrap();
        let (r, s, v) = (signature.r(), signature.s(), 27 + u8::from(signature.v()));
        let good = join(r, s, v);
        assert_eq!(recover(digest, &good), Some(key.address()));
        // v as 0/1 or EIP-155 is what alloy's `Signature::try_from` takes and
        // the contracts refuse.
        for other in [v - 27, v + 8, v + 10, 0, 1, 26, 29, 35, 36, 255] {
            assert_ne!(
                recover(digest, &join(r, s, other)),
                Some(key.address()),
                "v {other}"
            );
        }
        // The same signature with s' = n - s and the parity flipped is
        // valid ECDSA, and refused: high s.
        assert_eq!(recover(digest, &join(r, N - s, 55 - v)), None);
        // The boundary: s = n/2 passes the form check, n/2 + 1 does not.
        assert!(is_canonical(27, HALF_ORDER.into()));
        assert!(!is_canonical(28, (HALF_ORDER + U256::from(1)).into()));
        // Only 65 bytes.
        assert_eq!(recover(digest, &good[..64]), None);
        let mut longer = good.clone();
        longer.push(0);
        assert_eq!(recover(digest, &longer), None);
        // r or s out of range.
        assert_eq!(recover(digest, &join(U256::ZERO, s, v)), None);
        assert_eq!(recover(digest, &join(r, U256::ZERO, v)), None);
        assert_eq!(recover(digest, &join(N, s, v)), None);
    }

    #[tokio::test]
    async fn wallets_answer_with_a_whole_word_and_session_keys_never_ask() {
        let digest = b256!("0x1111111111111111111111111111111111111111111111111111111111111111");
        let account = Address::repeat_byte(0xaa);
        let mut magic = [0u8; 32];
        magic[..4].copy_from_slice(&ERC1271_MAGIC);
        let mut dirty = magic;
        dirty[31] = 1;
        let mut long = magic.to_vec();
        long.extend_from_slice(&[7; 32]);
        for (answer, verdict) in [
            (Some(magic.to_vec()), Verdict::Erc1271),
            (Some(long), Verdict::Erc1271),
            (Some(dirty.to_vec()), Verdict::Invalid),
            (Some(ERC1271_MAGIC.to_vec()), Verdict::Invalid),
            (None, Verdict::Invalid),
        ] {
            let wallet = Wallet(answer);
            assert_eq!(
                verify(&wallet, Expected::Account(account), digest, b"sig")
                    .await
                    .unwrap(),
                verdict
            );
            // A session key is ECDSA only, whatever a wallet would say.
            assert_eq!(
                verify(&wallet, Expected::SessionKey(account), digest, b"sig")
                    .await
                    .unwrap(),
                Verdict::Invalid
            );
        }
        let yes = Wallet(Some(magic.to_vec()));
        assert_eq!(
            verify(&yes, Expected::Account(Address::ZERO), digest, b"sig")
                .await
                .unwrap(),
            Verdict::Invalid,
            "the zero address never signs"
        );
        // An ECDSA signature by the account's key needs no wallet.
        let key = PrivateKeySigner::random();
        let signature = key.sign_hash_sync(&digest).unwrap().as_bytes();
        assert_eq!(
            verify(
                &Wallet(None),
                Expected::SessionKey(key.address()),
                digest,
                &signature
            )
            .await
            .unwrap(),
            Verdict::Ecdsa
        );
    }
}
