//! The gateway judges signatures as the contracts do, by construction
//! (`aat_client::signature`) and here by experiment: thousands of mutated
//! vouchers and EIP-3009 authorizations get the same verdict from the
//! gateway's check as from the deployed AAT and TokenAI on the devnode.

mod common;

use std::time::Instant;

use aat_client::{
    bindings::{TokenAI, TransferWithAuthorization, AAT},
    signature::ERC1271_MAGIC,
    signing::{SignedAuthorization, SignedVoucher, Voucher},
};
use alloy::{
    primitives::{keccak256, Address, Bytes, B256, U256},
    rpc::{client::RpcClient, types::TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::{Eip712Domain, SolCall, SolError},
};
use common::{
    signers::{echo_wallet, magic_word, sign},
    *,
};
use futures_util::StreamExt;

fn u(n: u64) -> U256 {
    U256::from(n)
}

/// A deterministic stream of words, so that a failure can be rerun.
struct Draw(u64);

impl Draw {
    fn word(&mut self) -> B256 {
        self.0 += 1;
        keccak256(format!("admission differential {}", self.0))
    }
    fn below(&mut self, n: u64) -> u64 {
        u64::from_be_bytes(self.word()[..8].try_into().unwrap()) % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n.div_ceil(32))
            .flat_map(|_| self.word().0)
            .take(n)
            .collect()
    }
}

/// secp256k1's order and half of it.
fn order() -> U256 {
    U256::from_str_radix(
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
        16,
    )
    .unwrap()
}

fn join(r: U256, s: U256, v: u8) -> Vec<u8> {
    let mut out = r.to_be_bytes::<32>().to_vec();
    out.extend_from_slice(&s.to_be_bytes::<32>());
    out.push(v);
    out
}

/// Every way of getting a 65-byte signature `good` wrong (or right) that
/// the contracts' rules distinguish: `v` values, high and boundary `s`,
/// out-of-range `r`, lengths and trailing bytes, the compact form.
fn mutations(good: &[u8], draw: &mut Draw) -> Vec<(String, Vec<u8>)> {
    let n = order();
    let half = n >> 1;
    let r = U256::from_be_slice(&good[..32]);
    let s = U256::from_be_slice(&good[32..64]);
    let v = good[64];
    let mut out = vec![("good".to_owned(), good.to_vec())];
    for other in [
        0u8, 1, 2, 26, 27, 28, 29, 30, 31, 35, 36, 37, 38, 100, 127, 128, 254, 255,
    ] {
        out.push((format!("v {other}"), join(r, s, other)));
    }
    out.push(("v - 27".into(), join(r, s, v - 27)));
    out.push(("v + 8 (EIP-155, chain 0)".into(), join(r, s, v + 8)));
    out.push(("high s, parity flipped".into(), join(r, n - s, 55 - v)));
    out.push(("high s, v 0/1".into(), join(r, n - s, 28 - v)));
    out.push(("high s".into(), join(r, n - s, v)));
    for (name, s) in [
        ("s = n/2", half),
        ("s = n/2 + 1", half + u(1)),
        ("s = n - 1", n - u(1)),
        ("s = n", n),
        ("s = 0", U256::ZERO),
        ("s = 2^256 - 1", U256::MAX),
    ] {
        for v in [27, 28] {
            out.push((format!("{name}, v {v}"), join(r, s, v)));
        }
    }
    for (name, r) in [
        ("r = 0", U256::ZERO),
        ("r = n", n),
        ("r = n - 1", n - u(1)),
        ("r = 2^256 - 1", U256::MAX),
        ("r random", U256::from_be_bytes(draw.word().0)),
    ] {
        out.push((name.to_owned(), join(r, s, v)));
    }
    let mut compact = good[..64].to_vec();
    if v == 28 {
        compact[32] |= 0x80;
    }
    out.push(("64 bytes, EIP-2098 compact".into(), compact));
    out.push(("64 bytes, r and s".into(), good[..64].to_vec()));
    out.push(("empty".into(), Vec::new()));
    for tail in [
        vec![0u8],
        vec![v],
        draw.bytes(1),
        draw.bytes(32),
        good.to_vec(),
    ] {
        let mut long = good.to_vec();
        long.extend_from_slice(&tail);
        out.push((format!("{} trailing bytes", tail.len()), long));
    }
    let mut prefixed = vec![0u8];
    prefixed.extend_from_slice(&good[..64]);
    out.push(("a zero byte, then r and s".into(), prefixed));
    out
}

/// What a smart account might be sent: a word the echo wallet answers.
fn wallet_signatures(draw: &mut Draw, ecdsa: &[u8]) -> Vec<(String, Vec<u8>)> {
    let word = magic_word();
    let mut dirty = word.clone();
    dirty[31] = 1;
    let mut long = word.clone();
    long.extend_from_slice(&draw.bytes(33));
    let mut sixty_five = word.clone();
    sixty_five.extend_from_slice(&draw.bytes(33));
    vec![
        ("magic word".into(), word.clone()),
        ("magic word and more".into(), long),
        ("65 bytes starting with the magic word".into(), sixty_five),
        ("magic 4 bytes".into(), ERC1271_MAGIC.to_vec()),
        ("magic 4 bytes, nonzero word".into(), dirty),
        ("magic word, 31 bytes".into(), word[..31].to_vec()),
        ("empty: the wallet reverts".into(), Vec::new()),
        ("random 65 bytes".into(), draw.bytes(65)),
        ("an EOA's signature".into(), ecdsa.to_vec()),
    ]
}

/// The domains a signer might wrongly sign in.
fn wrong_domains(domain: &Eip712Domain, elsewhere: Address) -> Vec<(&'static str, Eip712Domain)> {
    let mut chain = domain.clone();
    chain.chain_id = Some(u(1));
    let mut contract = domain.clone();
    contract.verifying_contract = Some(elsewhere);
    let mut name = domain.clone();
    name.name = Some("Not it".into());
    let mut version = domain.clone();
    version.version = Some("2".into());
    vec![
        ("chain id 1", chain),
        ("another verifying contract", contract),
        ("another name", name),
        ("version 2", version),
    ]
}

/// One differential case: a message, a signature, and what it is.
struct Case<T> {
    label: String,
    message: T,
    signature: Bytes,
}

/// Voucher cases: for each base voucher of Ada's, every mutation of her
/// signature, signatures in wrong domains or by a stranger, a voucher
/// changed after signing; and the smart account's.
fn voucher_cases(
    world: &World,
    domain: &Eip712Domain,
    ada: &PrivateKeySigner,
    wallet: Address,
    id: U256,
    draw: &mut Draw,
) -> Vec<Case<Voucher>> {
    let stranger = PrivateKeySigner::from_bytes(&keccak256("a stranger")).unwrap();
    let voucher = |holder: Address, amount: u64| Voucher {
        holder,
        provider: world.provider_key.address(),
        id,
        cumulativeAmount: u(amount),
        deadline: 4_000_000_000,
    };
    let mut cases = Vec::new();
    let mut push = |label: String, message: Voucher, signature: Vec<u8>| {
        cases.push(Case {
            label,
            message,
            signature: signature.into(),
        });
    };
    for base in 0..30 {
        let v = voucher(ada.address(), draw.below(1 << 40));
        let good = sign(ada, domain, &v);
        for (label, signature) in mutations(&good, draw) {
            push(format!("voucher {base}: {label}"), v.clone(), signature);
        }
        for (label, wrong) in wrong_domains(domain, world.owner.token) {
            push(
                format!("voucher {base}: {label}"),
                v.clone(),
                sign(ada, &wrong, &v),
            );
        }
        push(
            format!("voucher {base}: by a stranger"),
            v.clone(),
            sign(&stranger, domain, &v),
        );
        let mut more = v.clone();
        more.cumulativeAmount += u(1);
        push(
            format!("voucher {base}: amount changed"),
            more,
            good.clone(),
        );
        let mut other = v.clone();
        other.holder = stranger.address();
        push(
            format!("voucher {base}: holder changed"),
            other,
            good.clone(),
        );
        let mut zero = v.clone();
        zero.holder = Address::ZERO;
        push(
            format!("voucher {base}: the zero holder"),
            zero,
            good.clone(),
        );
    }
    for base in 0..10 {
        let v = voucher(wallet, draw.below(1 << 40));
        let ecdsa = sign(ada, domain, &v);
        for (label, signature) in wallet_signatures(draw, &ecdsa) {
            push(
                format!("wallet voucher {base}: {label}"),
                v.clone(),
                signature,
            );
        }
    }
    cases
}

/// EIP-3009 cases, as [`voucher_cases`] makes them.
fn authorization_cases(
    world: &World,
    domain: &Eip712Domain,
    payer: &PrivateKeySigner,
    wallet: Address,
    draw: &mut Draw,
) -> Vec<Case<TransferWithAuthorization>> {
    let stranger = PrivateKeySigner::from_bytes(&keccak256("a stranger")).unwrap();
    let draw_authorization = |from: Address, draw: &mut Draw| TransferWithAuthorization {
        from,
        to: world.provider_key.address(),
        value: u(draw.below(1_000_000) + 1),
        validAfter: U256::ZERO,
        validBefore: u(4_000_000_000),
        nonce: draw.word(),
    };
    let mut cases = Vec::new();
    let mut push = |label: String, message: TransferWithAuthorization, signature: Vec<u8>| {
        cases.push(Case {
            label,
            message,
            signature: signature.into(),
        });
    };
    for base in 0..20 {
        let a = draw_authorization(payer.address(), draw);
        let good = sign(payer, domain, &a);
        for (label, signature) in mutations(&good, draw) {
            push(
                format!("authorization {base}: {label}"),
                a.clone(),
                signature,
            );
        }
        for (label, wrong) in wrong_domains(domain, world.owner.aat) {
            push(
                format!("authorization {base}: {label}"),
                a.clone(),
                sign(payer, &wrong, &a),
            );
        }
        push(
            format!("authorization {base}: by a stranger"),
            a.clone(),
            sign(&stranger, domain, &a),
        );
        let mut more = a.clone();
        more.value += u(1);
        push(
            format!("authorization {base}: value changed"),
            more,
            good.clone(),
        );
    }
    for base in 0..10 {
        let a = draw_authorization(wallet, draw);
        let ecdsa = sign(payer, domain, &a);
        for (label, signature) in wallet_signatures(draw, &ecdsa) {
            push(
                format!("wallet authorization {base}: {label}"),
                a.clone(),
                signature,
            );
        }
    }
    cases
}

/// The deployed contract's verdict on each call: valid unless it reverts
/// with `E` (the signature error; every other outcome is past the check).
async fn chain_verdicts<E: SolError>(
    client: &RpcClient,
    from: Address,
    to: Address,
    calls: Vec<Bytes>,
) -> Vec<bool> {
    let mut verdicts = Vec::with_capacity(calls.len());
    for chunk in calls.chunks(250) {
        let mut batch = client.new_batch();
        let waiters: Vec<_> = chunk
            .iter()
            .map(|data| {
                let request = TransactionRequest::default()
                    .from(from)
                    .to(to)
                    .input(data.clone().into());
                batch
                    .add_call::<_, Bytes>("eth_call", &(request, "latest"))
                    .unwrap()
            })
            .collect();
        batch.send().await.unwrap();
        for waiter in waiters {
            verdicts.push(match waiter.await {
                Ok(_) => true,
                Err(err) => {
                    let data = err
                        .as_error_resp()
                        .and_then(|p| p.as_revert_data())
                        .unwrap_or_else(|| panic!("not a revert: {err}"));
                    !data.starts_with(&E::SELECTOR)
                }
            });
        }
    }
    verdicts
}

/// Compares, case by case, the gateway's verdict with the chain's; returns
/// how many were valid.
fn compare<T>(what: &str, cases: &[Case<T>], gateway: &[bool], chain: &[bool]) -> usize {
    let differ: Vec<String> = cases
        .iter()
        .zip(gateway.iter().zip(chain))
        .filter(|(_, (g, c))| g != c)
        .map(|(case, (g, c))| {
            format!(
                "{} (0x{}): gateway {g}, chain {c}",
                case.label,
                alloy::hex::encode(&case.signature)
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{} of {} {what} cases judged otherwise than the chain:\n{}",
        differ.len(),
        cases.len(),
        differ.join("\n")
    );
    chain.iter().filter(|v| **v).count()
}

/// Item 6: thousands of mutated vouchers and EIP-3009 authorizations get
/// the same verdict from the gateway's check as from the deployed AAT
/// (`settle`) and TokenAI (`transferWithAuthorization`) on the devnode.
#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_judges_every_signature_as_the_contracts_do() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let app = &served.gateway.app;
    let wallet = echo_wallet(&world).await;
    let ada = party(&world, "differential ada").await;
    let id = world.mint(ada.address(), &world.policy("", 0), 1_000).await;
    world.mint(wallet, &world.policy("", 0), 1_000).await;
    let aat_domain = world.owner.aat_domain().await.unwrap();
    let token_domain = world.owner.token_domain().await.unwrap();
    let mut draw = Draw(0);
    let vouchers = voucher_cases(&world, &aat_domain, &ada, wallet, id, &mut draw);
    let authorizations = authorization_cases(&world, &token_domain, &ada, wallet, &mut draw);
    let client = RpcClient::new_http(world.node.url().parse().unwrap());
    let started = Instant::now();

    let gateway: Vec<bool> = futures_util::stream::iter(&vouchers)
        .map(|c| async move {
            let signed = SignedVoucher {
                voucher: c.message.clone(),
                signature: c.signature.clone(),
            };
            app.voucher_verdict(&signed).await.unwrap().is_valid()
        })
        .buffered(16)
        .collect()
        .await;
    let calls = vouchers
        .iter()
        .map(|c| {
            AAT::settleCall {
                voucher: c.message.clone(),
                signature: c.signature.clone(),
                model: world.gpt,
                scope: alloy::primitives::FixedBytes::default(),
            }
            .abi_encode()
            .into()
        })
        .collect();
    let chain = chain_verdicts::<AAT::InvalidVoucherSignature>(
        &client,
        world.provider_key.address(),
        world.owner.aat,
        calls,
    )
    .await;
    let valid_vouchers = compare("voucher", &vouchers, &gateway, &chain);

    let gateway: Vec<bool> = futures_util::stream::iter(&authorizations)
        .map(|c| async move {
            let signed = SignedAuthorization {
                authorization: c.message.clone(),
                signature: c.signature.clone(),
            };
            app.authorization_verdict(&signed).await.unwrap().is_valid()
        })
        .buffered(16)
        .collect()
        .await;
    let calls = authorizations
        .iter()
        .map(|c| {
            SignedAuthorization {
                authorization: c.message.clone(),
                signature: c.signature.clone(),
            }
            .call()
            .abi_encode()
            .into()
        })
        .collect();
    let chain = chain_verdicts::<TokenAI::InvalidAuthorizationSignature>(
        &client,
        world.owner_key.address(),
        world.owner.token,
        calls,
    )
    .await;
    let valid_authorizations = compare("authorization", &authorizations, &gateway, &chain);
    let elapsed = started.elapsed();
    println!(
        "{} vouchers ({valid_vouchers} valid) and {} authorizations ({valid_authorizations} valid) judged alike by the gateway and the contracts in {elapsed:.2?}",
        vouchers.len(),
        authorizations.len()
    );
    // Both verdicts occur, in numbers: the comparison is not vacuous.
    assert!(vouchers.len() + authorizations.len() >= 2_000);
    assert!(valid_vouchers >= 30 + 30 && valid_vouchers < vouchers.len() / 5);
    assert!(valid_authorizations >= 20 + 30 && valid_authorizations < authorizations.len() / 5);
}
