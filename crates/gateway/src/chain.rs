//! The gateway's view of the chain, kept off the request path: policies,
//! balances, channels and settled amounts of the holders it serves, TokenAI
//! balances and used EIP-3009 nonces of the payers it serves, and the
//! chain's clock. A key is fetched once, the first time a holder or payer
//! shows up, then kept current by a poller that reads the contracts' logs
//! and re-reads every key a log touched, and AAT's fee, re-read when it is
//! set. Signatures are checked by `aat_client::signature`, locally; only a
//! signer with code (a smart account) costs a call, its ERC-1271
//! `isValidSignature`.

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::Mutex,
    time::Instant,
};

use aat_client::{
    bindings::{TokenAI, AAT},
    signature::{self, Accounts, Expected, Verdict},
    signing::{domain_of, receipt_domain},
    ClientError, Policy, Rails,
};
use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, Bytes, B256, U256},
    providers::{DynProvider, Provider},
    rpc::types::Filter,
    signers::local::PrivateKeySigner,
    sol_types::{Eip712Domain, SolEvent},
};

/// What a holder has for one id with this provider.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Holdings {
    /// The holder's units of the id outside any channel (AAT's `balanceOf`).
    pub balance: U256,
    /// Units still locked in the holder's channel with this provider, open
    /// or expired but not closed (zero when there is none).
    pub locked: U256,
    /// When that channel stops being open, a chain timestamp in seconds
    /// (zero: no channel).
    pub channel_expires: u64,
    /// The key the channel names for its vouchers (zero: the holder).
    pub channel_signer: Address,
    /// What this provider has settled on-chain of the holder's vouchers for
    /// the id, cumulative (AAT's `settledAmount`): the least the holder owes.
    pub settled: U256,
}

#[derive(Default)]
struct State {
    head: u64,
    /// The head's timestamp and when it was read.
    time: Option<(u64, Instant)>,
    accounts: HashMap<(Address, U256), Holdings>,
    policies: HashMap<U256, Policy>,
    token_balances: HashMap<Address, U256>,
    code: HashMap<Address, bool>,
    used_nonces: HashSet<(Address, B256)>,
    /// AAT's `feeBps()`: what settling burns beyond a voucher's units.
    fee_bps: u16,
}

/// The chain as the gateway sees it.
pub struct Chain {
    /// The node, `TokenAI` and AAT, with the provider key as the sender of
    /// every transaction (settlements, `exact` transfers).
    pub rails: Rails<DynProvider>,
    /// The provider's address (`signer`'s): whom vouchers are made out to,
    /// and whose channels and settled amounts are read.
    pub provider: Address,
    /// The chain's id, as the node reported it at start.
    pub chain_id: u64,
    /// AAT's EIP-712 domain, in which vouchers are signed.
    pub aat_domain: Eip712Domain,
    /// `TokenAI`'s EIP-712 domain, in which `exact` (EIP-3009)
    /// authorizations are signed.
    pub token_domain: Eip712Domain,
    /// The domain the gateway signs its usage receipts in.
    pub receipt_domain: Eip712Domain,
    /// The provider key: sends settlements and signs receipts.
    pub signer: PrivateKeySigner,
    state: Mutex<State>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panic while holding the lock leaves plain data behind; keep going.
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Chain {
    /// Connects to `rpc` as `signer` and reads what never changes: the
    /// chain id, TokenAI's address, both EIP-712 domains.
    ///
    /// # Errors
    ///
    /// The node does not answer, or `aat` is not AAT.
    pub async fn connect(
        rpc: &str,
        aat: Address,
        signer: PrivateKeySigner,
    ) -> Result<Chain, ClientError> {
        let provider = aat_client::connect(rpc, signer.clone())?;
        let chain_id = provider.get_chain_id().await?;
        let token = Rails::new(provider.clone(), Address::ZERO, aat)
            .read_aat(AAT::tokenAICall {})
            .await?;
        let rails = Rails::new(provider.clone(), token, aat);
        let chain = Chain {
            aat_domain: domain_of(&provider, aat).await?,
            token_domain: domain_of(&provider, token).await?,
            receipt_domain: receipt_domain(chain_id, aat),
            provider: signer.address(),
            chain_id,
            rails,
            signer,
            state: Mutex::new(State::default()),
        };
        let head = chain.head_block().await?;
        let fee_bps = chain.rails.read_aat(AAT::feeBpsCall {}).await?;
        let mut state = lock(&chain.state);
        state.head = head.0;
        state.time = Some((head.1, Instant::now()));
        state.fee_bps = fee_bps;
        drop(state);
        Ok(chain)
    }

    async fn head_block(&self) -> Result<(u64, u64), ClientError> {
        let block = self
            .rails
            .provider
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await?
            .ok_or_else(|| ClientError::Decode("no latest block".into()))?;
        Ok((block.header.number, block.header.timestamp))
    }

    async fn fetch_holdings(&self, holder: Address, id: U256) -> Result<Holdings, ClientError> {
        let (balance, channel, settled) = tokio::try_join!(
            self.rails.balance(holder, id),
            self.rails.channel(holder, self.provider, id),
            self.rails.settled(holder, self.provider, id),
        )?;
        Ok(Holdings {
            balance,
            locked: channel.locked,
            channel_expires: channel.expires_at,
            channel_signer: channel.signer,
            settled,
        })
    }

    /// Reads the logs since the last poll and re-reads every key they
    /// touched; returns how many logs it read.
    ///
    /// # Errors
    ///
    /// The node fails (the next poll starts from the same block).
    pub async fn poll(&self) -> Result<usize, ClientError> {
        let (head, timestamp) = self.head_block().await?;
        let from = {
            let mut state = lock(&self.state);
            // The clock runs from when this block was first seen: a chain
            // that mines only on demand (the devnode) makes no new block
            // while idle, and time must not stand still meanwhile.
            if state.time.is_none_or(|(seen, _)| seen != timestamp) {
                state.time = Some((timestamp, Instant::now()));
            }
            if head <= state.head {
                return Ok(0);
            }
            state.head + 1
        };
        let filter = Filter::new()
            .address(vec![self.rails.aat, self.rails.token])
            .from_block(from)
            .to_block(head);
        let logs = self.rails.provider.get_logs(&filter).await?;
        let (mut accounts, mut payers) = (HashSet::new(), HashSet::new());
        {
            let mut state = lock(&self.state);
            for log in &logs {
                let topics = log.topics();
                let Some(&signature) = topics.first() else {
                    continue;
                };
                let address = |i: usize| topics.get(i).map(|t| Address::from_word(*t));
                if log.address() == self.rails.aat {
                    let ids: Vec<U256> = if signature == AAT::TransferSingle::SIGNATURE_HASH {
                        AAT::TransferSingle::decode_log_data(log.data())
                            .map(|e| vec![e.id])
                            .unwrap_or_default()
                    } else if signature == AAT::TransferBatch::SIGNATURE_HASH {
                        AAT::TransferBatch::decode_log_data(log.data())
                            .map(|e| e.ids)
                            .unwrap_or_default()
                    } else if signature == AAT::FeeBpsSet::SIGNATURE_HASH {
                        if let Ok(set) = AAT::FeeBpsSet::decode_log_data(log.data()) {
                            state.fee_bps = set.feeBps;
                        }
                        continue;
                    } else if [
                        AAT::ChannelOpened::SIGNATURE_HASH,
                        AAT::ChannelClosed::SIGNATURE_HASH,
                        AAT::VoucherSettled::SIGNATURE_HASH,
                    ]
                    .contains(&signature)
                        && address(2) == Some(self.provider)
                    {
                        if let (Some(holder), Some(id)) = (address(1), topics.get(3)) {
                            accounts.insert((holder, U256::from_be_bytes(id.0)));
                        }
                        continue;
                    } else {
                        continue;
                    };
                    // A transfer touches its `from` and `to`.
                    for party in [address(2), address(3)].into_iter().flatten() {
                        for id in &ids {
                            if state.accounts.contains_key(&(party, *id)) {
                                accounts.insert((party, *id));
                            }
                        }
                    }
                } else if signature == TokenAI::Transfer::SIGNATURE_HASH {
                    for party in [address(1), address(2)].into_iter().flatten() {
                        if state.token_balances.contains_key(&party) {
                            payers.insert(party);
                        }
                    }
                } else if signature == TokenAI::AuthorizationUsed::SIGNATURE_HASH
                    || signature == TokenAI::AuthorizationCanceled::SIGNATURE_HASH
                {
                    if let (Some(payer), Some(nonce)) = (address(1), topics.get(2)) {
                        state.used_nonces.insert((payer, *nonce));
                    }
                }
            }
        }
        for (holder, id) in accounts {
            let tracked = lock(&self.state).accounts.contains_key(&(holder, id));
            if tracked {
                self.refresh(holder, id).await?;
            }
        }
        for payer in payers {
            let balance = self.rails.token_balance(payer).await?;
            lock(&self.state).token_balances.insert(payer, balance);
        }
        lock(&self.state).head = head;
        Ok(logs.len())
    }
}

/// What taking a payment reads of the chain, and the key that signs its
/// receipts: [`Chain`]'s followed view in the gateway, a fixed one in the
/// schemes' unit tests (`payment::tests`), which run without a node.
pub trait ChainView: Send + Sync {
    /// The provider's address: whom vouchers are made out to, and where
    /// `exact` payments go unless configured otherwise.
    fn provider(&self) -> Address;
    /// The chain's time, in seconds.
    fn now(&self) -> u64;
    /// The last block read.
    fn head(&self) -> u64;
    /// AAT's fee in basis points.
    fn fee_bps(&self) -> u16;
    /// AAT's EIP-712 domain, in which vouchers are signed.
    fn aat_domain(&self) -> &Eip712Domain;
    /// TokenAI's EIP-712 domain, in which `exact` authorizations are signed.
    fn token_domain(&self) -> &Eip712Domain;
    /// The domain usage receipts are signed in.
    fn receipt_domain(&self) -> &Eip712Domain;
    /// The provider key, which signs usage receipts.
    fn signer(&self) -> &PrivateKeySigner;
    /// `holder`'s holdings of `id` with this provider.
    fn holdings(
        &self,
        holder: Address,
        id: U256,
    ) -> impl Future<Output = Result<Holdings, ClientError>> + Send;
    /// The same, read again now.
    fn refresh(
        &self,
        holder: Address,
        id: U256,
    ) -> impl Future<Output = Result<Holdings, ClientError>> + Send;
    /// `id`'s policy, or `None` when it was never minted.
    fn policy(&self, id: U256) -> impl Future<Output = Result<Option<Policy>, ClientError>> + Send;
    /// `payer`'s TokenAI balance.
    fn token_balance(
        &self,
        payer: Address,
    ) -> impl Future<Output = Result<U256, ClientError>> + Send;
    /// Whether `payer`'s EIP-3009 `nonce` is used or canceled.
    fn nonce_used(
        &self,
        payer: Address,
        nonce: B256,
    ) -> impl Future<Output = Result<bool, ClientError>> + Send;
    /// Whether `signature` over `digest` is `expected`'s, as the contracts
    /// judge it.
    fn verify(
        &self,
        expected: Expected,
        digest: B256,
        signature: &[u8],
    ) -> impl Future<Output = Result<Verdict, ClientError>> + Send;
}

impl ChainView for Chain {
    fn provider(&self) -> Address {
        self.provider
    }

    /// The chain's time: the latest block's timestamp plus the time since
    /// it was read (a dev chain's clock can be moved; wall time would miss
    /// that).
    fn now(&self) -> u64 {
        match lock(&self.state).time {
            Some((timestamp, read)) => timestamp.saturating_add(read.elapsed().as_secs()),
            None => 0,
        }
    }

    /// The last block the poller has read.
    fn head(&self) -> u64 {
        lock(&self.state).head
    }

    /// AAT's fee in basis points, as of the last poll.
    fn fee_bps(&self) -> u16 {
        lock(&self.state).fee_bps
    }

    fn aat_domain(&self) -> &Eip712Domain {
        &self.aat_domain
    }

    fn token_domain(&self) -> &Eip712Domain {
        &self.token_domain
    }

    fn receipt_domain(&self) -> &Eip712Domain {
        &self.receipt_domain
    }

    fn signer(&self) -> &PrivateKeySigner {
        &self.signer
    }

    /// `holder`'s holdings of `id` with this provider.
    ///
    /// # Errors
    ///
    /// The first time, the node fails.
    async fn holdings(&self, holder: Address, id: U256) -> Result<Holdings, ClientError> {
        if let Some(h) = lock(&self.state).accounts.get(&(holder, id)) {
            return Ok(*h);
        }
        let fetched = self.fetch_holdings(holder, id).await?;
        lock(&self.state)
            .accounts
            .entry((holder, id))
            .or_insert(fetched);
        Ok(fetched)
    }

    /// Reads `holder`'s holdings again (after this gateway settled them).
    ///
    /// # Errors
    ///
    /// The node fails.
    async fn refresh(&self, holder: Address, id: U256) -> Result<Holdings, ClientError> {
        let fetched = self.fetch_holdings(holder, id).await?;
        lock(&self.state).accounts.insert((holder, id), fetched);
        Ok(fetched)
    }

    /// `id`'s policy, or `None` when it was never minted.
    ///
    /// # Errors
    ///
    /// The node fails.
    async fn policy(&self, id: U256) -> Result<Option<Policy>, ClientError> {
        if let Some(p) = lock(&self.state).policies.get(&id) {
            return Ok(Some(*p));
        }
        match self.rails.policy(id).await {
            Ok(policy) => {
                // Policies never change: cached for good.
                lock(&self.state).policies.insert(id, policy);
                Ok(Some(policy))
            }
            Err(err) if err.spec().is_some_and(|e| e.name() == "UnknownToken") => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// `payer`'s TokenAI balance (followed through the logs once read).
    ///
    /// # Errors
    ///
    /// The first time, the node fails.
    async fn token_balance(&self, payer: Address) -> Result<U256, ClientError> {
        if let Some(b) = lock(&self.state).token_balances.get(&payer) {
            return Ok(*b);
        }
        let balance = self.rails.token_balance(payer).await?;
        lock(&self.state)
            .token_balances
            .entry(payer)
            .or_insert(balance);
        Ok(balance)
    }

    /// Whether `payer`'s `nonce` is used or canceled on-chain. A nonce the
    /// logs since this gateway started show used is; any other is asked of
    /// TokenAI (`authorizationState`), since it may have been used before
    /// the gateway started or before it ever saw this payer, and the logs
    /// of all time are not something every node will scan.
    ///
    /// # Errors
    ///
    /// The node fails.
    async fn nonce_used(&self, payer: Address, nonce: B256) -> Result<bool, ClientError> {
        if lock(&self.state).used_nonces.contains(&(payer, nonce)) {
            return Ok(true);
        }
        let used = self
            .rails
            .read_token(TokenAI::authorizationStateCall {
                authorizer: payer,
                nonce,
            })
            .await?;
        if used {
            lock(&self.state).used_nonces.insert((payer, nonce));
        }
        Ok(used)
    }

    /// Whether `signature` over `digest` is `expected`'s, as the contracts
    /// decide it ([`aat_client::signature::verify`]), and how: who has code
    /// is cached, and only a smart account costs a call.
    ///
    /// # Errors
    ///
    /// The node fails (for a new signer or a smart account).
    async fn verify(
        &self,
        expected: Expected,
        digest: B256,
        signature: &[u8],
    ) -> Result<Verdict, ClientError> {
        signature::verify(self, expected, digest, signature).await
    }
}

impl Accounts for Chain {
    async fn has_code(&self, account: Address) -> Result<bool, ClientError> {
        if let Some(c) = lock(&self.state).code.get(&account) {
            return Ok(*c);
        }
        let code = self.rails.provider.get_code_at(account).await?;
        // An account's code can appear later (a counterfactual smart
        // account being deployed); only "has code" is cached for good.
        if !code.is_empty() {
            lock(&self.state).code.insert(account, true);
        }
        Ok(!code.is_empty())
    }

    async fn static_call(
        &self,
        to: Address,
        data: Bytes,
        gas: u64,
    ) -> Result<Option<Bytes>, ClientError> {
        signature::eth_call(&self.rails.provider, None, to, data, gas).await
    }
}
