//! EIP-712 signing in the contracts' own domains: AAT's vouchers, TokenAI's
//! EIP-3009 authorizations and EIP-2612 permits, and the gateway's usage
//! receipts. Domains are read from each contract's `eip712Domain()`
//! (ERC-5267) rather than assumed, so a client signs for the contract it
//! talks to, on the chain it is on.

use alloy::{
    primitives::{Address, Bytes, B256, U256},
    providers::Provider,
    signers::Signer,
    sol_types::{Eip712Domain, SolStruct},
};

use crate::{
    bindings::{TokenAI, TransferWithAuthorization, AAT},
    error::{ClientError, Contract},
};

pub use crate::bindings::{
    CancelAuthorization, Permit, ReceiveWithAuthorization, UsageReceipt, IAAT::Voucher,
};

/// The ERC-5267 `fields` both contracts report: name, version, chain id and
/// verifying contract; no salt, no extensions.
const FIELDS: u8 = 0x0f;

/// `contract`'s EIP-712 domain, as its `eip712Domain()` reports it.
///
/// # Errors
///
/// The call fails, or reports fields this client does not sign with (a
/// salt or extensions).
pub async fn domain_of<P: Provider>(
    provider: &P,
    contract: Address,
) -> Result<Eip712Domain, ClientError> {
    // Both contracts answer ERC-5267 identically; AAT's binding serves both.
    let answer = AAT::new(contract, provider)
        .eip712Domain()
        .call()
        .await
        .map_err(|e| match e {
            alloy::contract::Error::TransportError(err) => {
                ClientError::from_rpc(Contract::Aat, err)
            }
            other => ClientError::Decode(other.to_string()),
        })?;
    if answer.fields.0[0] != FIELDS || !answer.extensions.is_empty() {
        return Err(ClientError::Decode(format!(
            "{contract} reports EIP-712 fields {} with {} extensions; expected 0x0f and none",
            answer.fields,
            answer.extensions.len()
        )));
    }
    Ok(Eip712Domain::new(
        Some(answer.name.into()),
        Some(answer.version.into()),
        Some(answer.chainId),
        Some(answer.verifyingContract),
        None,
    ))
}

/// The domain usage receipts are signed in: the gateway's statement about
/// one AAT deployment, on its chain.
#[must_use]
pub fn receipt_domain(chain_id: u64, aat: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some("AAT usage receipt".into()),
        Some("1".into()),
        Some(U256::from(chain_id)),
        Some(aat),
        None,
    )
}

/// Signs `message`'s EIP-712 digest in `domain`: 65 bytes r ‖ s ‖ v with
/// v = 27 or 28 and low s, the form both contracts accept.
///
/// # Errors
///
/// The signer fails.
pub async fn sign_typed<T: SolStruct, S: Signer + ?Sized>(
    signer: &S,
    domain: &Eip712Domain,
    message: &T,
) -> Result<Bytes, ClientError> {
    let signature = signer
        .sign_hash(&message.eip712_signing_hash(domain))
        .await?;
    Ok(Bytes::from(signature.as_bytes().to_vec()))
}

/// Who signed `message` with the 65-byte `signature`, or `None` when it
/// is not in the one form the contracts accept (see [`recover_hash`]).
#[must_use]
pub fn recover_typed<T: SolStruct>(
    domain: &Eip712Domain,
    message: &T,
    signature: &[u8],
) -> Option<Address> {
    recover_hash(message.eip712_signing_hash(domain), signature)
}

/// Who signed the 32-byte `digest` with the 65-byte `signature`, or `None`
/// when the contracts would not recover anyone from it
/// ([`crate::signature::recover`]: `v` 27 or 28, low `s`, 65 bytes).
#[must_use]
pub fn recover_hash(digest: B256, signature: &[u8]) -> Option<Address> {
    crate::signature::recover(digest, signature)
}

/// A voucher with its holder's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedVoucher {
    /// The voucher: `holder` owes `provider` `cumulativeAmount` units of `id`
    /// in total so far, settleable until `deadline`.
    pub voucher: Voucher,
    /// Its signature in AAT's domain, by the holder or the session key its
    /// channel with `provider` names: 65 bytes r ‖ s ‖ v, or what the holder's
    /// ERC-1271 wallet accepts.
    pub signature: Bytes,
}

/// Signs a voucher for `cumulative` units of `id` owed to `provider` in
/// total so far, valid until `deadline`.
///
/// # Errors
///
/// The signer fails.
pub async fn sign_voucher<S: Signer + ?Sized>(
    signer: &S,
    aat_domain: &Eip712Domain,
    provider: Address,
    id: U256,
    cumulative: U256,
    deadline: u64,
) -> Result<SignedVoucher, ClientError> {
    sign_voucher_for(
        signer.address(),
        signer,
        aat_domain,
        provider,
        id,
        cumulative,
        deadline,
    )
    .await
}

/// Signs `holder`'s voucher with `signer`'s key: the session key the
/// holder's channel with `provider` names (AAT spec v3), or the holder's own.
///
/// # Errors
///
/// The signer fails.
pub async fn sign_voucher_for<S: Signer + ?Sized>(
    holder: Address,
    signer: &S,
    aat_domain: &Eip712Domain,
    provider: Address,
    id: U256,
    cumulative: U256,
    deadline: u64,
) -> Result<SignedVoucher, ClientError> {
    let voucher = Voucher {
        holder,
        provider,
        id,
        cumulativeAmount: cumulative,
        deadline,
    };
    let signature = sign_typed(signer, aat_domain, &voucher).await?;
    Ok(SignedVoucher { voucher, signature })
}

/// An EIP-3009 authorization and its signature, ready for
/// `transferWithAuthorization(..., bytes signature)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedAuthorization {
    /// The message: `value` TokenAI from `from` to `to`, valid in
    /// (`validAfter`, `validBefore`), with a nonce usable once.
    pub authorization: TransferWithAuthorization,
    /// `from`'s signature over it in TokenAI's domain: 65 bytes r ‖ s ‖ v, or
    /// what `from`'s ERC-1271 wallet accepts.
    pub signature: Bytes,
}

impl SignedAuthorization {
    /// The call that settles it (the `bytes signature` overload).
    #[must_use]
    pub fn call(&self) -> TokenAI::transferWithAuthorization_1Call {
        let a = &self.authorization;
        TokenAI::transferWithAuthorization_1Call {
            from: a.from,
            to: a.to,
            value: a.value,
            validAfter: a.validAfter,
            validBefore: a.validBefore,
            nonce: a.nonce,
            signature: self.signature.clone(),
        }
    }
}

/// Signs an EIP-3009 transfer of `value` TokenAI to `to`, valid in
/// (`valid_after`, `valid_before`), with a fresh random nonce.
///
/// # Errors
///
/// The signer fails.
pub async fn sign_transfer_authorization<S: Signer + ?Sized>(
    signer: &S,
    token_domain: &Eip712Domain,
    to: Address,
    value: U256,
    valid_after: u64,
    valid_before: u64,
) -> Result<SignedAuthorization, ClientError> {
    let authorization = TransferWithAuthorization {
        from: signer.address(),
        to,
        value,
        validAfter: U256::from(valid_after),
        validBefore: U256::from(valid_before),
        nonce: B256::random(),
    };
    let signature = sign_typed(signer, token_domain, &authorization).await?;
    Ok(SignedAuthorization {
        authorization,
        signature,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{
        primitives::{address, Signature},
        signers::local::PrivateKeySigner,
    };

    fn aat_domain() -> Eip712Domain {
        Eip712Domain::new(
            Some("AAT".into()),
            Some("1".into()),
            Some(U256::from(412_346)),
            Some(address!("0x00000000000000000000000000000000000000a7")),
            None,
        )
    }

    #[tokio::test]
    async fn vouchers_recover_to_their_holder_and_only_in_their_domain() {
        let holder = PrivateKeySigner::random();
        let domain = aat_domain();
        let provider = Address::repeat_byte(0x11);
        let signed = sign_voucher(&holder, &domain, provider, U256::from(5), U256::from(40), 9)
            .await
            .unwrap();
        assert_eq!(signed.signature.len(), 65);
        assert!(matches!(signed.signature[64], 27 | 28));
        assert_eq!(
            recover_typed(&domain, &signed.voucher, &signed.signature),
            Some(holder.address())
        );
        // Another chain, another amount: another signer (never the holder).
        let mut other = domain.clone();
        other.chain_id = Some(U256::from(1));
        assert_ne!(
            recover_typed(&other, &signed.voucher, &signed.signature),
            Some(holder.address())
        );
        let mut more = signed.voucher.clone();
        more.cumulativeAmount = U256::from(41);
        assert_ne!(
            recover_typed(&domain, &more, &signed.signature),
            Some(holder.address())
        );
        assert_eq!(recover_typed(&domain, &more, &signed.signature[..64]), None);
    }

    #[tokio::test]
    async fn high_s_signatures_are_refused_as_the_contracts_refuse_them() {
        let holder = PrivateKeySigner::random();
        let domain = aat_domain();
        let signed = sign_voucher(&holder, &domain, Address::ZERO, U256::ZERO, U256::ONE, 1)
            .await
            .unwrap();
        let signature = Signature::try_from(&signed.signature[..]).unwrap();
        // The same signature with s' = n - s and the parity flipped.
        let n = U256::from_str_radix(
            "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
            16,
        )
        .unwrap();
        let high = Signature::new(signature.r(), n - signature.s(), !signature.v());
        assert_eq!(
            recover_typed(&domain, &signed.voucher, &high.as_bytes()),
            None
        );
    }

    #[tokio::test]
    async fn authorizations_carry_fresh_nonces_and_settle_through_the_bytes_overload() {
        let payer = PrivateKeySigner::random();
        let domain = Eip712Domain::new(
            Some("TokenAI".into()),
            Some("1".into()),
            Some(U256::from(412_346)),
            Some(Address::repeat_byte(0x7a)),
            None,
        );
        let to = Address::repeat_byte(0x22);
        let a = sign_transfer_authorization(&payer, &domain, to, U256::from(3), 0, 100)
            .await
            .unwrap();
        let b = sign_transfer_authorization(&payer, &domain, to, U256::from(3), 0, 100)
            .await
            .unwrap();
        assert_ne!(a.authorization.nonce, b.authorization.nonce);
        assert_eq!(
            recover_typed(&domain, &a.authorization, &a.signature),
            Some(payer.address())
        );
        let call = a.call();
        assert_eq!(
            (call.from, call.to, call.value),
            (payer.address(), to, U256::from(3))
        );
        assert_eq!(call.signature, a.signature);
    }
}
