//! The suite as one handle: typed reads and sends to TokenAI and AAT with
//! refusals decoded, and the product's flows (policies, channels, batch
//! settlement) with their outcomes read back from the receipts.

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, FixedBytes, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::{Eip712Domain, SolCall, SolEvent},
};

use crate::{
    bindings::{TokenAI, AAT},
    error::{ClientError, Contract, SpecError},
    policy::Policy,
    signing::{self, SignedVoucher},
};

/// A provider that signs as `signer` and sends to `url`, filling gas, chain
/// id and nonce. The nonce is read from the chain for every transaction
/// (alloy's simple nonce manager) rather than counted locally: a local
/// count is taken before the gas estimate, so one refused estimate (any
/// revert) would leave a gap that makes every later transaction "nonce too
/// high". One sender per key at a time.
///
/// # Errors
///
/// `url` is not a URL.
pub fn connect(
    url: &str,
    signer: alloy::signers::local::PrivateKeySigner,
) -> Result<alloy::providers::DynProvider, ClientError> {
    let url = url
        .parse()
        .map_err(|e| ClientError::Input(format!("{url}: {e}")))?;
    Ok(alloy::providers::ProviderBuilder::new()
        .disable_recommended_fillers()
        .with_gas_estimation()
        .with_simple_nonce_management()
        .fetch_chain_id()
        .wallet(alloy::network::EthereumWallet::from(signer))
        .connect_http(url)
        .erased())
}

/// Sends `request` from the provider's wallet and waits for its receipt. A
/// refused estimate comes back as the contract's decoded error; a mined
/// failure as [`ClientError::Failed`].
///
/// # Errors
///
/// As above, or the node fails.
pub async fn send_call<P: Provider>(
    provider: &P,
    contract: Contract,
    request: TransactionRequest,
) -> Result<TransactionReceipt, ClientError> {
    let pending = provider
        .send_transaction(request)
        .await
        .map_err(|e| ClientError::from_rpc(contract, e))?;
    let receipt = pending.get_receipt().await.map_err(|e| match e {
        alloy::providers::PendingTransactionError::TransportError(err) => {
            ClientError::from_rpc(contract, err)
        }
        other => ClientError::Decode(other.to_string()),
    })?;
    if receipt.status() {
        Ok(receipt)
    } else {
        Err(ClientError::Failed(receipt.transaction_hash))
    }
}

/// TokenAI and AAT on one chain, reached through one provider.
#[derive(Clone, Debug)]
pub struct Rails<P> {
    /// The provider reads go through; its wallet signs and sends every
    /// transaction.
    pub provider: P,
    /// TokenAI's address.
    pub token: Address,
    /// AAT's address.
    pub aat: Address,
}

/// A holder's channel with a provider for an id (`channelOf`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Channel {
    /// Units locked, held by AAT.
    pub locked: U256,
    /// When it stops being open; zero when there is no channel.
    pub expires_at: u64,
    /// The key that signs its vouchers while it is open; zero: the holder.
    pub signer: Address,
}

impl Channel {
    /// Whether it is open at `now` (its units pay vouchers).
    #[must_use]
    pub fn is_open(&self, now: u64) -> bool {
        now < self.expires_at
    }

    /// Who signs a voucher for it at `now`: its signer while it is open and
    /// names one, else the holder (`None`).
    #[must_use]
    pub fn delegate(&self, now: u64) -> Option<Address> {
        (self.is_open(now) && !self.signer.is_zero()).then_some(self.signer)
    }
}

/// What one `settleBatch` did, from its receipt.
#[derive(Clone, Debug)]
pub struct Settlement {
    /// The receipt of the `settleBatch` transaction.
    pub receipt: TransactionReceipt,
    /// One per voucher that settled something.
    pub settled: Vec<AAT::VoucherSettled>,
    /// One per voucher the contract skipped, with its reason decoded.
    pub rejected: Vec<Rejection>,
}

/// A voucher `settleBatch` skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The voucher's holder.
    pub holder: Address,
    /// The provider it was made out to (the `settleBatch` sender).
    pub provider: Address,
    /// The AAT id it spends.
    pub id: U256,
    /// Why AAT skipped it: `VoucherRejected`'s revert data, decoded as AAT's
    /// (`VoucherExpired`, `InvalidVoucherSignature`,
    /// `ERC1155InsufficientBalance`...).
    pub reason: SpecError,
}

impl<P: Provider> Rails<P> {
    /// TokenAI at `token` and AAT at `aat`, reached through `provider`; nothing
    /// is checked until the first call.
    pub fn new(provider: P, token: Address, aat: Address) -> Self {
        Rails {
            provider,
            token,
            aat,
        }
    }

    fn request<C: SolCall>(to: Address, call: &C) -> TransactionRequest {
        TransactionRequest::default()
            .with_to(to)
            .with_input(Bytes::from(call.abi_encode()))
    }

    async fn read<C: SolCall>(
        &self,
        contract: Contract,
        to: Address,
        call: C,
    ) -> Result<C::Return, ClientError> {
        let out = self
            .provider
            .call(Self::request(to, &call))
            .await
            .map_err(|e| ClientError::from_rpc(contract, e))?;
        C::abi_decode_returns(&out)
            .map_err(|e| ClientError::Decode(format!("{}: {e}", C::SIGNATURE)))
    }

    /// Calls a TokenAI view.
    ///
    /// # Errors
    ///
    /// The call reverts (decoded) or the node fails.
    pub async fn read_token<C: SolCall>(&self, call: C) -> Result<C::Return, ClientError> {
        self.read(Contract::TokenAI, self.token, call).await
    }

    /// Calls an AAT view.
    ///
    /// # Errors
    ///
    /// The call reverts (decoded) or the node fails.
    pub async fn read_aat<C: SolCall>(&self, call: C) -> Result<C::Return, ClientError> {
        self.read(Contract::Aat, self.aat, call).await
    }

    /// Sends a TokenAI transaction and waits for its receipt.
    ///
    /// # Errors
    ///
    /// See [`send_call`].
    pub async fn send_token<C: SolCall>(&self, call: C) -> Result<TransactionReceipt, ClientError> {
        send_call(
            &self.provider,
            Contract::TokenAI,
            Self::request(self.token, &call),
        )
        .await
    }

    /// Sends an AAT transaction and waits for its receipt.
    ///
    /// # Errors
    ///
    /// See [`send_call`].
    pub async fn send_aat<C: SolCall>(&self, call: C) -> Result<TransactionReceipt, ClientError> {
        send_call(
            &self.provider,
            Contract::Aat,
            Self::request(self.aat, &call),
        )
        .await
    }

    /// Lets `minter` mint both AAT and TokenAI (the owner's call on each).
    ///
    /// # Errors
    ///
    /// Either call is refused (`OwnableUnauthorizedAccount`...).
    pub async fn set_minter_of_both(&self, minter: Address) -> Result<(), ClientError> {
        self.send_aat(AAT::setMinterCall {
            minter,
            enabled: true,
        })
        .await?;
        self.send_token(TokenAI::setMinterCall {
            minter,
            enabled: true,
        })
        .await?;
        Ok(())
    }

    /// AAT's EIP-712 domain (vouchers), read from the contract.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn aat_domain(&self) -> Result<Eip712Domain, ClientError> {
        signing::domain_of(&self.provider, self.aat).await
    }

    /// TokenAI's EIP-712 domain (permits, EIP-3009), read from the contract.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn token_domain(&self) -> Result<Eip712Domain, ClientError> {
        signing::domain_of(&self.provider, self.token).await
    }

    /// `id`'s policy.
    ///
    /// # Errors
    ///
    /// `UnknownToken(id)` when it was never minted, or the node fails.
    pub async fn policy(&self, id: U256) -> Result<Policy, ClientError> {
        Ok(self.read_aat(AAT::tokenConfigCall { id }).await?.into())
    }

    /// `holder`'s units of `id`.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn balance(&self, holder: Address, id: U256) -> Result<U256, ClientError> {
        self.read_aat(AAT::balanceOfCall {
            account: holder,
            id,
        })
        .await
    }

    /// `holder`'s TokenAI.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn token_balance(&self, holder: Address) -> Result<U256, ClientError> {
        self.read_token(TokenAI::balanceOfCall { account: holder })
            .await
    }

    /// `holder`'s channel with `provider` for `id` (all zero when there is
    /// none).
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn channel(
        &self,
        holder: Address,
        provider: Address,
        id: U256,
    ) -> Result<Channel, ClientError> {
        let c = self
            .read_aat(AAT::channelOfCall {
                holder,
                provider,
                id,
            })
            .await?;
        Ok(Channel {
            locked: c.locked,
            expires_at: c.expiresAt,
            signer: c.signer,
        })
    }

    /// What `provider` has settled of `holder`'s vouchers for `id`.
    ///
    /// # Errors
    ///
    /// The node fails.
    pub async fn settled(
        &self,
        holder: Address,
        provider: Address,
        id: U256,
    ) -> Result<U256, ClientError> {
        self.read_aat(AAT::settledAmountCall {
            holder,
            provider,
            id,
        })
        .await
    }

    /// Locks `amount` of the sender's `id` for `provider` until `expires_at`
    /// (or adds to the channel). `signer` (zero: the sender) signs the
    /// channel's vouchers while it is open: a session key, whose signatures
    /// spend the channel and nothing else.
    ///
    /// # Errors
    ///
    /// The contract refuses (`ChannelExpiryInvalid`, `ChannelSignerMismatch`,
    /// `ERC1155InsufficientBalance`...).
    pub async fn open_channel(
        &self,
        provider: Address,
        id: U256,
        amount: U256,
        expires_at: u64,
        signer: Address,
    ) -> Result<TransactionReceipt, ClientError> {
        self.send_aat(AAT::openChannelCall {
            provider,
            id,
            amount,
            expiresAt: expires_at,
            signer,
        })
        .await
    }

    /// Settles `vouchers` (all of ids with this `model` and `scope`) in one
    /// `settleBatch`, and reads what settled and what was skipped, and why.
    ///
    /// # Errors
    ///
    /// The whole call is refused (`NotVoucherProvider`, `EnforcedPause`...).
    pub async fn settle_batch(
        &self,
        vouchers: &[SignedVoucher],
        model: FixedBytes<16>,
        scope: FixedBytes<16>,
    ) -> Result<Settlement, ClientError> {
        let receipt = self
            .send_aat(AAT::settleBatchCall {
                vouchers: vouchers.iter().map(|v| v.voucher.clone()).collect(),
                signatures: vouchers.iter().map(|v| v.signature.clone()).collect(),
                model,
                scope,
            })
            .await?;
        let mut settlement = Settlement {
            settled: Vec::new(),
            rejected: Vec::new(),
            receipt,
        };
        for log in settlement.receipt.inner.logs() {
            if log.address() != self.aat {
                continue;
            }
            if let Ok(settled) = AAT::VoucherSettled::decode_log_data(log.data()) {
                settlement.settled.push(settled);
            } else if let Ok(rejected) = AAT::VoucherRejected::decode_log_data(log.data()) {
                settlement.rejected.push(Rejection {
                    holder: rejected.holder,
                    provider: rejected.provider,
                    id: rejected.id,
                    reason: SpecError::decode(Contract::Aat, &rejected.reason),
                });
            }
        }
        Ok(settlement)
    }
}
