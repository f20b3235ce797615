//! Tests on the deployable artifacts themselves: the optimized wasm that
//! `scripts/build` writes to `artifacts/`, run in the in-process Stylus host
//! (`crates/stylus-host`) and reached only through ABI-encoded calldata
//! generated from the spec interfaces.
#![allow(clippy::cast_possible_truncation)] // random draws, reduced modulo small bounds
#![allow(clippy::too_many_lines)] // each test tells one flow end to end, in order

use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, SolCall, SolInterface, SolStruct, SolValue};
use suite_tests::*;

#[test]
fn both_programs_pass_the_pre_activation_checks() {
    for name in ["token-ai.wasm", "aat.wasm"] {
        stylus_host::check(&artifact(name)).unwrap_or_else(|err| panic!("{name}: {err}"));
    }
}

#[test]
fn token_ai_answers_its_metadata() {
    let mut s = Suite::new();
    assert_eq!(s.ok(addr(1), s.token, ITokenAI::nameCall {})._0, "TokenAI");
    assert_eq!(s.ok(addr(1), s.token, ITokenAI::decimalsCall {})._0, 18);
    assert!(
        s.ok(addr(1), s.token, ITokenAI::isMinterCall { account: s.aat })
            ._0
    );
    assert_eq!(s.ok(addr(1), s.aat, IAAT::tokenAICall {})._0, s.token);
    assert_eq!(s.token_balance(addr(1)), U256::ZERO);
}

/// A deployed program runs its constructor once: a second construction
/// call, which would name a new owner, reverts without data and changes
/// nothing (the constructor guard, `abi_core::router::first_construction`).
#[test]
fn a_deployed_program_refuses_a_second_construction() {
    let mut s = Suite::new();
    let mallory = addr(0x66);
    let again = |args: Vec<u8>| {
        let mut calldata = stylus_host::constructor_selector().to_vec();
        calldata.extend_from_slice(&args);
        calldata
    };
    let token_args = ("Mallory".to_string(), "MAL".to_string(), mallory).abi_encode_params();
    let out = s.host.call(mallory, s.token, &again(token_args));
    assert_eq!(out.result, Err(Vec::new()));
    assert_eq!(s.ok(addr(1), s.token, ITokenAI::ownerCall {})._0, OPERATOR);
    assert_eq!(s.ok(addr(1), s.token, ITokenAI::nameCall {})._0, "TokenAI");
    let aat_args = (s.token, mallory, String::new(), mallory).abi_encode_params();
    let out = s.host.call(mallory, s.aat, &again(aat_args));
    assert_eq!(out.result, Err(Vec::new()));
    assert_eq!(s.ok(addr(1), s.aat, IAAT::ownerCall {})._0, OPERATOR);
    assert_eq!(s.ok(addr(1), s.aat, IAAT::treasuryCall {})._0, TREASURY);
}

#[test]
fn institution_flow_on_the_artifacts() {
    let mut s = Suite::new();
    let (uni, ada, alan, bot) = (addr(0x10), addr(0x11), addr(0x12), addr(0x13));
    let expiration = NOW + 120 * 86_400;
    let id = s.mint(uni, uni, gpt(), cs101(), expiration, true, false, 10_000);
    let created = events::<IAAT::TokenTypeCreated>(&s.host.logs(), s.aat);
    assert_eq!(created.len(), 1);
    assert_eq!(
        (created[0].id, created[0].originPool, created[0].expiration),
        (id, uni, expiration)
    );

    for student in [ada, alan] {
        s.ok(
            uni,
            s.aat,
            IAAT::safeTransferFromCall {
                from: uni,
                to: student,
                id,
                value: u(1_000),
                data: Bytes::default(),
            },
        );
    }
    let out = s.send(
        ada,
        s.aat,
        IAAT::safeTransferFromCall {
            from: ada,
            to: alan,
            id,
            value: u(1),
            data: Bytes::default(),
        },
    );
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::TokenNotTradable(IAAT::TokenNotTradable { id })
    );

    s.ok(
        ada,
        s.aat,
        IAAT::setApprovalForAllCall {
            operator: bot,
            approved: true,
        },
    );
    let out = s.send(
        bot,
        s.aat,
        IAAT::consumeCall {
            holder: ada,
            id,
            amount: u(500),
            model: gpt(),
            scope: cs101(),
        },
    );
    let fee = IAAT::consumeCall::abi_decode_returns(out.result.as_ref().unwrap(), true)
        .unwrap()
        .fee;
    assert_eq!(fee, u(10));
    let consumed = events::<IAAT::Consumed>(&out.logs, s.aat);
    assert_eq!(
        (
            consumed[0].holder,
            consumed[0].operator,
            consumed[0].amount,
            consumed[0].fee
        ),
        (ada, bot, u(500), u(10))
    );
    let collected = events::<IAAT::FeeCollected>(&out.logs, s.aat);
    assert_eq!(
        (collected[0].tokenAIMinted, collected[0].treasury),
        (u(10 * GPT_PRICE), TREASURY)
    );
    let minted = events::<ITokenAI::Transfer>(&out.logs, s.token);
    assert_eq!(
        (minted[0].from, minted[0].to, minted[0].value),
        (Address::ZERO, TREASURY, u(10 * GPT_PRICE))
    );
    assert_eq!(s.token_balance(TREASURY), u(10 * GPT_PRICE));
    assert_eq!(s.aat_balance(ada, id), u(490));

    // The term ends: the clock passes the expiration, holders can no longer
    // use or move the credits, and the university reclaims them.
    s.host.set_timestamp(expiration);
    assert!(s.ok(ada, s.aat, IAAT::isExpiredCall { id })._0);
    let out = s.send(
        bot,
        s.aat,
        IAAT::consumeCall {
            holder: ada,
            id,
            amount: u(1),
            model: gpt(),
            scope: cs101(),
        },
    );
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::TokenExpired(IAAT::TokenExpired { id, expiration })
    );
    let out = s.send(
        uni,
        s.aat,
        IAAT::reclaimCall {
            holder: ada,
            id,
            amount: U256::MAX,
        },
    );
    assert_eq!(
        IAAT::reclaimCall::abi_decode_returns(out.result.as_ref().unwrap(), true)
            .unwrap()
            .reclaimed,
        u(490)
    );
    let reclaimed = events::<IAAT::Reclaimed>(&out.logs, s.aat);
    assert_eq!(
        (
            reclaimed[0].originPool,
            reclaimed[0].holder,
            reclaimed[0].amount
        ),
        (uni, ada, u(490))
    );
    let moved = events::<IAAT::TransferSingle>(&out.logs, s.aat);
    assert_eq!(
        (moved[0].from, moved[0].to, moved[0].value),
        (ada, uni, u(490))
    );
}

#[test]
fn expiry_boundary_with_a_moving_clock() {
    let mut s = Suite::new();
    let holder = addr(0x20);
    let expiration = NOW + 100;
    let id = s.mint(
        holder,
        holder,
        gpt(),
        FixedBytes::ZERO,
        expiration,
        false,
        true,
        10,
    );
    s.host.set_timestamp(expiration - 1);
    assert!(!s.ok(holder, s.aat, IAAT::isExpiredCall { id })._0);
    s.ok(
        holder,
        s.aat,
        IAAT::safeTransferFromCall {
            from: holder,
            to: addr(0x21),
            id,
            value: u(1),
            data: Bytes::default(),
        },
    );
    s.host.set_timestamp(expiration);
    assert!(
        s.ok(holder, s.aat, IAAT::isExpiredCall { id })._0,
        "expired at the instant"
    );
    let out = s.send(
        holder,
        s.aat,
        IAAT::safeTransferFromCall {
            from: holder,
            to: addr(0x21),
            id,
            value: u(1),
            data: Bytes::default(),
        },
    );
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::TokenExpired(IAAT::TokenExpired { id, expiration })
    );
}

#[test]
fn conversion_flow_with_a_real_permit() {
    let mut s = Suite::new();
    let company = motsu::prelude::Account::from_seed("company");
    let developer = addr(0x30);
    s.ok(
        GATEWAY,
        s.token,
        ITokenAI::mintCall {
            to: company.address(),
            value: u(5_000_000),
        },
    );
    let cost = s
        .ok(
            developer,
            s.aat,
            IAAT::quoteTokenAICall {
                model: gpt(),
                amount: u(2_000),
            },
        )
        ._0;
    let deadline = U256::from(NOW + 600);
    let permit = Permit {
        owner: company.address(),
        spender: s.aat,
        value: cost,
        nonce: U256::ZERO,
        deadline,
    };
    let domain = eip712_domain! { name: "TokenAI", version: "1", chain_id: 42161, verifying_contract: s.token, };
    assert_eq!(
        s.ok(developer, s.token, ITokenAI::DOMAIN_SEPARATORCall {})
            ._0,
        domain.separator()
    );
    let signature = company
        .signer()
        .sign_hash_sync(&permit.eip712_signing_hash(&domain))
        .unwrap();
    let call = ITokenAI::permitCall {
        owner: company.address(),
        spender: s.aat,
        value: cost,
        deadline,
        v: 27 + u8::from(signature.v()),
        r: signature.r().into(),
        s: signature.s().into(),
    };
    s.ok(developer, s.token, call.clone());
    let replay = s.send(developer, s.token, call);
    let err =
        ITokenAI::ITokenAIErrors::abi_decode(replay.result.as_ref().unwrap_err(), true).unwrap();
    assert!(
        matches!(err, ITokenAI::ITokenAIErrors::ERC2612InvalidSigner(e) if e.owner == company.address())
    );

    let id = s
        .ok(
            company.address(),
            s.aat,
            IAAT::mintWithTokenAICall {
                to: developer,
                model: gpt(),
                scope: FixedBytes::ZERO,
                expiration: 0,
                reclaimable: false,
                tradable: true,
                amount: u(2_000),
            },
        )
        .id;
    assert_eq!(s.aat_balance(developer, id), u(2_000));
    assert_eq!(s.token_balance(company.address()), u(5_000_000) - cost);
    assert_eq!(
        s.ok(developer, s.token, ITokenAI::totalSupplyCall {})._0,
        u(5_000_000) - cost
    );
}

/// x402's `exact` scheme on the artifact: the payer signs EIP-3009 typed
/// data built from `eip712Domain()`'s answer, a facilitator submits it (the
/// `bytes` form), the provider submits a receive (the `v, r, s` form);
/// replays and early or late submissions revert with the spec's errors.
#[test]
fn x402_payments_with_transfer_and_receive_authorizations() {
    let mut s = Suite::new();
    let agent = motsu::prelude::Account::from_seed("agent");
    let (provider, facilitator) = (addr(0x40), addr(0x41));
    s.ok(
        GATEWAY,
        s.token,
        ITokenAI::mintCall {
            to: agent.address(),
            value: u(1_000),
        },
    );
    let token = s.token;
    let domain = s.eip712_domain(token);
    assert_eq!(
        s.ok(facilitator, token, ITokenAI::DOMAIN_SEPARATORCall {})
            ._0,
        domain.separator()
    );
    let payment = TransferWithAuthorization {
        from: agent.address(),
        to: provider,
        value: u(25),
        validAfter: U256::ZERO,
        validBefore: U256::from(NOW + 60),
        nonce: B256::repeat_byte(0x51),
    };
    let signature = agent
        .signer()
        .sign_hash_sync(&payment.eip712_signing_hash(&domain))
        .unwrap();
    let call = ITokenAI::transferWithAuthorization_1Call {
        from: payment.from,
        to: payment.to,
        value: payment.value,
        validAfter: payment.validAfter,
        validBefore: payment.validBefore,
        nonce: payment.nonce,
        signature: signature.as_bytes().to_vec().into(),
    };
    let out = s.send(facilitator, token, call.clone());
    assert!(out.result.is_ok(), "{out:?}");
    let used = events::<ITokenAI::AuthorizationUsed>(&out.logs, token);
    assert_eq!(
        (used[0].authorizer, used[0].nonce),
        (agent.address(), payment.nonce)
    );
    let moved = events::<ITokenAI::Transfer>(&out.logs, token);
    assert_eq!(
        (moved[0].from, moved[0].to, moved[0].value),
        (agent.address(), provider, u(25))
    );
    assert_eq!(s.token_balance(provider), u(25));
    let replay = s.send(facilitator, token, call);
    assert_eq!(
        ITokenAI::ITokenAIErrors::abi_decode(replay.result.as_ref().unwrap_err(), true).unwrap(),
        ITokenAI::ITokenAIErrors::AuthorizationAlreadyUsed(ITokenAI::AuthorizationAlreadyUsed {
            authorizer: agent.address(),
            nonce: payment.nonce
        })
    );

    // A receive, valid from a minute on: too early, then in time, from the payee.
    let receipt = ReceiveWithAuthorization {
        from: agent.address(),
        to: provider,
        value: u(30),
        validAfter: U256::from(NOW + 60),
        validBefore: U256::from(NOW + 120),
        nonce: B256::repeat_byte(0x52),
    };
    let signature = agent
        .signer()
        .sign_hash_sync(&receipt.eip712_signing_hash(&domain))
        .unwrap();
    let call = ITokenAI::receiveWithAuthorization_0Call {
        from: receipt.from,
        to: receipt.to,
        value: receipt.value,
        validAfter: receipt.validAfter,
        validBefore: receipt.validBefore,
        nonce: receipt.nonce,
        v: 27 + u8::from(signature.v()),
        r: signature.r().into(),
        s: signature.s().into(),
    };
    let early = s.send(provider, token, call.clone());
    assert_eq!(
        ITokenAI::ITokenAIErrors::abi_decode(early.result.as_ref().unwrap_err(), true).unwrap(),
        ITokenAI::ITokenAIErrors::AuthorizationNotYetValid(ITokenAI::AuthorizationNotYetValid {
            validAfter: receipt.validAfter
        })
    );
    s.host.set_timestamp(NOW + 61);
    let stranger = s.send(facilitator, token, call.clone());
    assert_eq!(
        ITokenAI::ITokenAIErrors::abi_decode(stranger.result.as_ref().unwrap_err(), true).unwrap(),
        ITokenAI::ITokenAIErrors::CallerMustBePayee(ITokenAI::CallerMustBePayee {
            caller: facilitator,
            payee: provider
        })
    );
    s.ok(provider, token, call.clone());
    assert_eq!(s.token_balance(provider), u(55));
    s.host.set_timestamp(NOW + 120);
    let late = s.send(provider, token, call);
    assert!(matches!(
        ITokenAI::ITokenAIErrors::abi_decode(late.result.as_ref().unwrap_err(), true).unwrap(),
        ITokenAI::ITokenAIErrors::AuthorizationExpired(_)
    ));
    assert!(
        s.ok(
            provider,
            token,
            ITokenAI::authorizationStateCall {
                authorizer: agent.address(),
                nonce: receipt.nonce
            }
        )
        ._0
    );
    assert_eq!(s.token_balance(agent.address()), u(1_000 - 55));
}

/// Pay per use on the artifact: vouchers signed by alloy's signer in the
/// domain `eip712Domain()` declares, a channel, `settle` and `settleBatch`
/// (a forged voucher reported, not fatal), the spec's events and errors, and
/// a channel closed by anyone once it has expired.
#[test]
fn vouchers_and_channels_on_the_artifacts() {
    let mut s = Suite::new();
    let aat = s.aat;
    let (student, agent) = (
        motsu::prelude::Account::from_seed("student"),
        motsu::prelude::Account::from_seed("agent"),
    );
    let (provider, stranger) = (addr(0x50), addr(0x51));
    let id = s.mint(
        student.address(),
        GATEWAY,
        gpt(),
        FixedBytes::ZERO,
        0,
        false,
        true,
        10_000,
    );
    s.mint(
        agent.address(),
        GATEWAY,
        gpt(),
        FixedBytes::ZERO,
        0,
        false,
        true,
        10_000,
    );
    let domain = s.eip712_domain(aat);
    assert_eq!(
        (domain.name.as_deref(), domain.version.as_deref()),
        (Some("AAT"), Some("1"))
    );
    assert_eq!(
        s.ok(addr(1), aat, IAAT::DOMAIN_SEPARATORCall {})._0,
        domain.separator()
    );
    let sign = |holder: &motsu::prelude::Account, cumulative: u64| {
        let voucher = IAAT::Voucher {
            holder: holder.address(),
            provider,
            id,
            cumulativeAmount: u(cumulative),
            deadline: NOW + 3_600,
        };
        let signature = holder
            .signer()
            .sign_hash_sync(&voucher.eip712_signing_hash(&domain))
            .unwrap();
        (
            voucher,
            alloy_primitives::Bytes::from(signature.as_bytes().to_vec()),
        )
    };
    let (v, _) = sign(&student, 1);
    assert_eq!(
        s.ok(addr(1), aat, IAAT::hashVoucherCall { voucher: v.clone() })
            ._0,
        v.eip712_signing_hash(&domain)
    );

    // The student locks 5,000 units for the provider.
    let open = IAAT::openChannelCall {
        provider,
        id,
        amount: u(5_000),
        expiresAt: NOW + 600,
        signer: Address::ZERO,
    };
    let out = s.send(student.address(), aat, open);
    let opened = events::<IAAT::ChannelOpened>(&out.logs, aat);
    assert_eq!(
        (opened[0].locked, opened[0].expiresAt),
        (u(5_000), NOW + 600)
    );

    // One settlement alone: 1,000 units and their 2% from the channel.
    let (voucher, signature) = sign(&student, 1_000);
    let call = IAAT::settleCall {
        voucher,
        signature,
        model: gpt(),
        scope: FixedBytes::ZERO,
    };
    let out = s.send(provider, aat, call.clone());
    let settled = IAAT::settleCall::abi_decode_returns(out.result.as_ref().unwrap(), true).unwrap();
    assert_eq!((settled.consumed, settled.fee), (u(1_000), u(20)));
    let log = &events::<IAAT::VoucherSettled>(&out.logs, aat)[0];
    assert_eq!(
        (log.holder, log.cumulativeAmount, log.fee),
        (student.address(), u(1_000), u(20))
    );
    assert_eq!(s.token_balance(TREASURY), u(20 * GPT_PRICE));
    let out = s.send(stranger, aat, call);
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::NotVoucherProvider(IAAT::NotVoucherProvider {
            caller: stranger,
            provider
        })
    );

    // A batch: the student's next voucher, the agent's, and a forgery.
    let (v1, s1) = sign(&student, 1_500);
    let (v2, s2) = sign(&agent, 700);
    let (forged, _) = sign(&agent, 9_000);
    let (_, wrong) = sign(&student, 9_000);
    let batch = IAAT::settleBatchCall {
        vouchers: vec![v1, v2, forged.clone()],
        signatures: vec![s1, s2, wrong],
        model: gpt(),
        scope: FixedBytes::ZERO,
    };
    let out = s.send(provider, aat, batch);
    let totals =
        IAAT::settleBatchCall::abi_decode_returns(out.result.as_ref().unwrap(), true).unwrap();
    assert_eq!(
        (totals.consumed, totals.fee),
        (u(1_200), u(24)),
        "500 + 700, 10 + 14"
    );
    let rejected = events::<IAAT::VoucherRejected>(&out.logs, aat);
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        IAAT::IAATErrors::abi_decode(&rejected[0].reason, true).unwrap(),
        IAAT::IAATErrors::InvalidVoucherSignature(IAAT::InvalidVoucherSignature {
            holder: agent.address()
        })
    );
    assert_eq!(
        events::<IAAT::FeeCollected>(&out.logs, aat).len(),
        1,
        "one id, one fee event"
    );
    assert_eq!(s.token_balance(TREASURY), u(44 * GPT_PRICE));
    assert_eq!(s.aat_balance(agent.address(), id), u(10_000 - 714));
    let channel = s.ok(
        addr(1),
        aat,
        IAAT::channelOfCall {
            holder: student.address(),
            provider,
            id,
        },
    );
    assert_eq!(channel.locked, u(5_000 - 1_020 - 510));

    // Once expired, anyone closes the channel; the rest returns.
    let close = IAAT::closeChannelCall {
        holder: student.address(),
        provider,
        id,
    };
    let early = s.send(stranger, aat, close.clone());
    assert!(matches!(
        aat_error(&early),
        IAAT::IAATErrors::ChannelNotClosable(_)
    ));
    s.host.set_timestamp(NOW + 600);
    let out = s.send(stranger, aat, close);
    let closed = events::<IAAT::ChannelClosed>(&out.logs, aat);
    assert_eq!(closed[0].returned, u(3_470));
    assert_eq!(s.aat_balance(student.address(), id), u(5_000 + 3_470));
    assert_eq!(s.aat_balance(aat, id), U256::ZERO);
}

/// The review's findings, on the built wasm: a codeless TokenAI refused, the
/// fee rounded up, no ERC-5633 claim, no zero holder or party.
#[test]
fn aat_hardening_on_the_artifacts() {
    let mut s = Suite::new();
    let nobody = addr(0x77);
    let refused = s.host.deploy(
        &artifact("aat.wasm"),
        OPERATOR,
        &(nobody, TREASURY, "u".to_string(), OPERATOR).abi_encode_params(),
    );
    match refused {
        Err(stylus_host::DeployError::Constructor(data)) => assert_eq!(
            IAAT::IAATErrors::abi_decode(&data, true).unwrap(),
            IAAT::IAATErrors::NotAContract(IAAT::NotAContract { account: nobody })
        ),
        other => panic!("a codeless TokenAI was accepted: {other:?}"),
    }

    let aat = s.aat;
    for (id, supported) in [
        ([0xd9, 0xb6, 0x7a, 0x26], true),
        ([0x91, 0x1e, 0xc4, 0x70], false),
    ] {
        let answer = s.ok(
            addr(1),
            aat,
            IAAT::supportsInterfaceCall {
                interfaceId: id.into(),
            },
        );
        assert_eq!(answer._0, supported, "{}", hex(&id));
    }

    // 2% of one unit is one unit: splitting a use into single units pays a
    // unit each time.
    let holder = addr(0x78);
    let id = s.mint(
        holder,
        GATEWAY,
        gpt(),
        FixedBytes::ZERO,
        0,
        false,
        true,
        100,
    );
    let consume = IAAT::consumeCall {
        holder,
        id,
        amount: u(1),
        model: gpt(),
        scope: FixedBytes::ZERO,
    };
    assert_eq!(s.ok(holder, aat, consume.clone()).fee, u(1));
    let out = s.send(holder, aat, consume);
    let collected = events::<IAAT::FeeCollected>(&out.logs, aat);
    assert_eq!(
        (collected[0].feeAmount, collected[0].tokenAIMinted),
        (u(1), u(GPT_PRICE))
    );
    assert_eq!(s.aat_balance(holder, id), u(96));
    assert_eq!(s.token_balance(TREASURY), u(2 * GPT_PRICE));

    // An eth_call from the zero address consumes and swaps nothing.
    let zero = IAAT::IAATErrors::ERC1155InvalidSender(IAAT::ERC1155InvalidSender {
        sender: Address::ZERO,
    });
    let out = s.send(
        Address::ZERO,
        aat,
        IAAT::consumeCall {
            holder: Address::ZERO,
            id,
            amount: u(1),
            model: gpt(),
            scope: FixedBytes::ZERO,
        },
    );
    assert_eq!(aat_error(&out), zero);
    let out = s.send(
        Address::ZERO,
        aat,
        IAAT::swapCall {
            partyA: Address::ZERO,
            idA: id,
            amountA: u(1),
            partyB: holder,
            idB: id,
            amountB: u(1),
        },
    );
    assert_eq!(aat_error(&out), zero);
}

/// OpenZeppelin 0.3.0's `ecdsa` slices the precompile's output unchecked:
/// with a signature the precompile rejects, it trapped. TokenAI must revert
/// with the spec's error instead.
#[test]
fn a_rejected_signature_reverts_with_a_reason() {
    let mut s = Suite::new();
    let owner = addr(0x31);
    let z = B256::ZERO;
    let out = s.send(
        addr(0x32),
        s.token,
        ITokenAI::permitCall {
            owner,
            spender: addr(0x32),
            value: u(1),
            deadline: U256::MAX,
            v: 27,
            r: z,
            s: z,
        },
    );
    let err = ITokenAI::ITokenAIErrors::abi_decode(out.result.as_ref().unwrap_err(), true).unwrap();
    assert_eq!(
        err,
        ITokenAI::ITokenAIErrors::ERC2612InvalidSigner(ITokenAI::ERC2612InvalidSigner {
            signer: Address::ZERO,
            owner
        })
    );
    assert_eq!(s.host.last_trap(), None);
}

#[test]
fn agent_swap_flow_on_the_artifacts() {
    let mut s = Suite::new();
    let (a, b) = (addr(0x40), addr(0x41));
    let vision = b16("vision-xl");
    s.ok(
        OPERATOR,
        s.aat,
        IAAT::setModelPriceCall {
            model: vision,
            tokenAIPerUnit: u(7),
        },
    );
    let id_a = s.mint(a, GATEWAY, gpt(), FixedBytes::ZERO, 0, false, true, 5_000);
    let id_b = s.mint(b, GATEWAY, vision, FixedBytes::ZERO, 0, false, true, 1_000);
    s.ok(
        b,
        s.aat,
        IAAT::setApprovalForAllCall {
            operator: a,
            approved: true,
        },
    );
    let out = s.send(
        a,
        s.aat,
        IAAT::swapCall {
            partyA: a,
            idA: id_a,
            amountA: u(1_000),
            partyB: b,
            idB: id_b,
            amountB: u(500),
        },
    );
    assert!(out.result.is_ok(), "{:?}", out.result);
    assert_eq!(events::<IAAT::Swapped>(&out.logs, s.aat).len(), 1);
    assert_eq!(events::<IAAT::FeeCollected>(&out.logs, s.aat).len(), 2);
    assert_eq!(s.aat_balance(b, id_a), u(980));
    assert_eq!(s.aat_balance(a, id_b), u(490));
    assert_eq!(s.token_balance(TREASURY), u(20 * GPT_PRICE + 10 * 7));
}

#[test]
fn a_failed_fee_mint_rolls_back_everything() {
    let mut s = Suite::new();
    let holder = addr(0x50);
    let id = s.mint(
        holder,
        GATEWAY,
        gpt(),
        FixedBytes::ZERO,
        0,
        false,
        true,
        1_000,
    );
    s.ok(
        OPERATOR,
        s.token,
        ITokenAI::setMinterCall {
            minter: s.aat,
            enabled: false,
        },
    );
    let before = s.host.logs().len();
    let out = s.send(
        holder,
        s.aat,
        IAAT::consumeCall {
            holder,
            id,
            amount: u(500),
            model: gpt(),
            scope: FixedBytes::ZERO,
        },
    );
    // AAT passes TokenAI's revert up unchanged; IAAT declares the same error.
    assert_eq!(
        aat_error(&out),
        IAAT::IAATErrors::UnauthorizedMinter(IAAT::UnauthorizedMinter { account: s.aat })
    );
    assert!(out.logs.is_empty());
    assert_eq!(s.host.logs().len(), before);
    assert_eq!(s.aat_balance(holder, id), u(1_000));
    assert_eq!(
        s.ok(holder, s.aat, IAAT::totalSupplyCall { id })._0,
        u(1_000)
    );
}

#[test]
fn every_spec_function_is_reachable_by_its_selector() {
    let mut s = Suite::new();
    let holder = addr(0x60);
    let id = s.mint(
        holder,
        GATEWAY,
        gpt(),
        FixedBytes::ZERO,
        0,
        false,
        true,
        1_000,
    );
    // A call that reaches its function returns, or reverts with a spec error;
    // one that does not reverts without data.
    let reached = |s: &mut Suite, to: Address, selector: [u8; 4], args: Vec<u8>| {
        let mut calldata = selector.to_vec();
        calldata.extend(args);
        match s.host.call(holder, to, &calldata).result {
            Ok(_) => true,
            Err(data) => data.len() >= 4,
        }
    };
    let z = B256::ZERO;
    // TokenAI's inputs are all static: zero words of the right count, but a
    // live deadline for permit (an expired one is a revert with a reason too).
    for function in ITokenAI::abi::functions().into_values().flatten() {
        let selector = function.selector().0;
        let args = if selector == ITokenAI::permitCall::SELECTOR {
            (
                Address::ZERO,
                Address::ZERO,
                U256::ZERO,
                U256::MAX,
                U256::from(27),
                z,
                z,
            )
                .abi_encode_params()
        } else {
            vec![0u8; 32 * function.inputs.len()]
        };
        let token = s.token;
        assert!(
            reached(&mut s, token, selector, args),
            "TokenAI {}",
            function.signature()
        );
    }
    for selector in IAAT::IAATCalls::selectors() {
        let args = match selector {
            sel if sel == IAAT::balanceOfBatchCall::SELECTOR => {
                (Vec::<Address>::new(), Vec::<U256>::new()).abi_encode_params()
            }
            sel if sel == IAAT::safeBatchTransferFromCall::SELECTOR => (
                holder,
                addr(1),
                vec![id],
                vec![u(1)],
                alloy_primitives::Bytes::new(),
            )
                .abi_encode_params(),
            sel if sel == IAAT::safeTransferFromCall::SELECTOR => {
                (holder, addr(1), id, u(1), alloy_primitives::Bytes::new()).abi_encode_params()
            }
            sel if sel == IAAT::setURICall::SELECTOR => ("x".to_string(),).abi_encode_params(),
            _ => vec![0u8; 32 * 8],
        };
        let aat = s.aat;
        assert!(
            reached(&mut s, aat, selector, args),
            "AAT {}",
            hex(&selector)
        );
    }
}

#[test]
fn unknown_selectors_revert_without_data() {
    let mut s = Suite::new();
    for to in [s.token, s.aat] {
        assert_eq!(
            s.host
                .call(addr(1), to, &[0xde, 0xad, 0xbe, 0xef, 0, 0])
                .result,
            Err(Vec::new())
        );
        assert_eq!(s.host.call(addr(1), to, &[]).result, Err(Vec::new()));
    }
}

/// The entry point reads calldata of up to 2 KiB into a static buffer and
/// longer calldata onto the heap (`abi_core::router::enter`): calls on
/// either side of that answer alike (ABI decoding ignores trailing bytes),
/// writes land, and calldata too short for a selector reverts without data.
#[test]
fn calldata_of_any_length_reaches_the_router() {
    let mut s = Suite::new();
    let reads = [
        ITokenAI::nameCall {}.abi_encode(),
        ITokenAI::isMinterCall { account: s.aat }.abi_encode(),
    ];
    for call in reads {
        let expected = s.host.call(addr(1), s.token, &call).result;
        assert!(expected.is_ok());
        for len in [2_047, 2_048, 2_049, 4_096, 40_000] {
            let mut padded = call.clone();
            padded.resize(len, 0xab);
            let answer = s.host.call(addr(1), s.token, &padded).result;
            assert_eq!(answer, expected, "{len} bytes");
        }
    }
    for (len, value) in [(2_048, 7u64), (2_049, 8), (9_000, 9)] {
        let mut approve = ITokenAI::approveCall {
            spender: addr(2),
            value: u(value),
        }
        .abi_encode();
        approve.resize(len, 0xcd);
        assert!(s.host.call(addr(1), s.token, &approve).result.is_ok());
        let allowance = ITokenAI::allowanceCall {
            owner: addr(1),
            spender: addr(2),
        };
        assert_eq!(
            s.ok(addr(1), s.token, allowance)._0,
            u(value),
            "{len} bytes"
        );
    }
    for short in [&[0x06][..], &[0x06, 0xfd], &[0x06, 0xfd, 0xde]] {
        for to in [s.token, s.aat] {
            assert_eq!(s.host.call(addr(1), to, short).result, Err(Vec::new()));
        }
    }
}

/// A bounded fuzz loop: random calldata, mostly behind real selectors, never
/// traps either program (a trap would be a panic: no reason, no revert data).
#[test]
fn random_calldata_never_traps() {
    let mut s = Suite::new();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let selectors: Vec<(Address, [u8; 4])> = ITokenAI::ITokenAICalls::selectors()
        .map(|sel| (s.token, sel))
        .chain(IAAT::IAATCalls::selectors().map(|sel| (s.aat, sel)))
        .collect();
    for round in 0..600 {
        let (to, selector) = selectors[(next() % selectors.len() as u64) as usize];
        let mut calldata = if next() % 10 == 0 {
            vec![]
        } else {
            selector.to_vec()
        };
        let words = next() % 10;
        for _ in 0..words {
            // Mostly small or structured words, so that calls get deep.
            let mut word = [0u8; 32];
            match next() % 4 {
                0 => word[31] = (next() % 256) as u8,
                1 => word[24..].copy_from_slice(&next().to_be_bytes()),
                2 => word.iter_mut().for_each(|b| *b = next() as u8),
                _ => word[12..20].copy_from_slice(&next().to_be_bytes()),
            }
            calldata.extend_from_slice(&word);
        }
        if next() % 3 == 0 {
            calldata.truncate((next() as usize) % (calldata.len() + 1));
        }
        let sender = [OPERATOR, GATEWAY, addr(0x70)][(next() % 3) as usize];
        let _ = s.host.call(sender, to, &calldata);
        assert_eq!(
            s.host.last_trap(),
            None,
            "round {round}: {} trapped on {}",
            hex(&selector),
            hex(&calldata)
        );
    }
}
