//! End-to-end flows with TokenAI and AAT both live (motsu runs the contracts'
//! Rust natively; AAT's calls into TokenAI cross between the two for real).

use aat::{policy, AAT, IAAT, RECLAIM_ALL};
use alloy_primitives::{uint, Address, FixedBytes, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, SolError, SolStruct};
use motsu::prelude::*;
use suite_tests::{b16, u, Permit, NOW};
use token_ai::{ITokenAI, TokenAI};

const SEMESTER: u64 = 120 * 86_400;
/// 0.002 TokenAI per GPT unit.
const GPT_PRICE: U256 = uint!(2_000_000_000_000_000_U256);
const ONE_TOKEN_AI: U256 = uint!(1_000_000_000_000_000_000_U256);

/// The operator's deployment: TokenAI, AAT wired as its minter, a deposit
/// gateway minting TokenAI and a fiat gateway minting AAT, GPT priced, 2% fee.
fn deploy(
    token: &Contract<TokenAI>,
    aat: &Contract<AAT>,
    operator: Address,
    treasury: Address,
    gateway: Address,
) {
    token
        .sender(operator)
        .constructor(b"TokenAI", b"TAI", operator)
        .motsu_unwrap();
    aat.sender(operator)
        .constructor(
            token.address(),
            treasury,
            b"https://aat.example/{id}.json",
            operator,
        )
        .motsu_unwrap();
    token
        .sender(operator)
        .access()
        .set_minter(aat.address(), true)
        .motsu_unwrap();
    token
        .sender(operator)
        .access()
        .set_minter(gateway, true)
        .motsu_unwrap();
    aat.sender(operator)
        .access()
        .set_minter(gateway, true)
        .motsu_unwrap();
    aat.sender(operator)
        .set_model_price(b16("GPT-4-turbo"), GPT_PRICE)
        .motsu_unwrap();
    aat.sender(operator).set_fee_bps(200).motsu_unwrap();
}

#[motsu::test]
fn institution_flow(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    operator: Address,
    treasury: Address,
    gateway: Address,
    university: Address,
    ada: Address,
    alan: Address,
    tutor_bot: Address,
) {
    deploy(&token, &aat, operator, treasury, gateway);
    let (gpt, cs101, expiration) = (b16("GPT-4-turbo"), b16("CS101-Fall2024"), NOW + SEMESTER);

    // The university buys course credits through the fiat gateway.
    let id = aat
        .sender(gateway)
        .mint(
            university,
            university,
            gpt,
            cs101,
            expiration,
            true,
            false,
            u(1_000_000),
        )
        .motsu_unwrap();
    assert!(aat.sender(ada).is_soulbound(id));

    // It distributes them to its students.
    aat.sender(university)
        .safe_transfer_from(university, ada, id, u(100_000), &[])
        .motsu_unwrap();
    aat.sender(university)
        .safe_transfer_from(university, alan, id, u(100_000), &[])
        .motsu_unwrap();

    // Credits are personal: Ada cannot pass hers to Alan.
    let err = aat
        .sender(ada)
        .safe_transfer_from(ada, alan, id, u(1), &[])
        .motsu_unwrap_err();
    assert_eq!(err, IAAT::TokenNotTradable { id }.into());

    // Ada lets the course's tutor bot spend for her; it consumes per use.
    aat.sender(ada)
        .set_approval_for_all(tutor_bot, true)
        .motsu_unwrap();
    let fee = aat
        .sender(tutor_bot)
        .consume(ada, id, u(40_000), gpt, cs101)
        .motsu_unwrap();
    assert_eq!(fee, u(800));
    assert_eq!(aat.sender(ada).balance_of(ada, id), u(100_000 - 40_800));
    assert_eq!(
        token.sender(treasury).balance_of(treasury),
        u(800) * GPT_PRICE
    );

    // The bot cannot spend the credits on another course.
    let err = aat
        .sender(tutor_bot)
        .consume(ada, id, u(1), gpt, b16("MATH200"))
        .motsu_unwrap_err();
    assert_eq!(
        err,
        IAAT::ScopeMismatch {
            id,
            expected: cs101,
            given: b16("MATH200")
        }
        .into()
    );

    // At the end of term the university takes back what is unused.
    assert_eq!(
        aat.sender(university)
            .reclaim(ada, id, RECLAIM_ALL)
            .motsu_unwrap(),
        u(59_200)
    );
    assert_eq!(
        aat.sender(university)
            .reclaim(alan, id, RECLAIM_ALL)
            .motsu_unwrap(),
        u(100_000)
    );
    assert_eq!(
        aat.sender(university).balance_of(university, id),
        u(1_000_000 - 40_800)
    );
    assert_eq!(
        aat.sender(university).total_supply(id),
        u(1_000_000 - 40_800)
    );
}

#[motsu::test]
fn conversion_flow_with_a_permit(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    operator: Address,
    treasury: Address,
    gateway: Address,
    company: Account,
    relayer: Address,
    developer: Address,
) {
    deploy(&token, &aat, operator, treasury, gateway);
    let gpt = b16("GPT-4-turbo");
    // The company deposits and receives TokenAI from the deposit gateway.
    token
        .sender(gateway)
        .mint(company.address(), ONE_TOKEN_AI * u(10))
        .motsu_unwrap();

    // It signs a permit for AAT off-chain; a relayer submits it (no gas for the company).
    let cost = aat
        .sender(developer)
        .quote_token_ai(gpt, u(2_500))
        .motsu_unwrap();
    assert_eq!(cost, ONE_TOKEN_AI * u(5));
    let deadline = U256::from(NOW + 600);
    let permit = Permit {
        owner: company.address(),
        spender: aat.address(),
        value: cost,
        nonce: U256::ZERO,
        deadline,
    };
    let domain = eip712_domain! { name: "TokenAI", version: "1", chain_id: 42161, verifying_contract: token.address(), };
    let signature = company
        .signer()
        .sign_hash_sync(&permit.eip712_signing_hash(&domain))
        .unwrap();
    token
        .sender(relayer)
        .permit(
            company.address(),
            aat.address(),
            cost,
            deadline,
            27 + u8::from(signature.v()),
            signature.r().into(),
            signature.s().into(),
        )
        .motsu_unwrap();

    // Then converts TokenAI into tradable GPT access for its developer.
    let id = aat
        .sender(company.address())
        .mint_with_token_ai(developer, gpt, FixedBytes::ZERO, 0, false, true, u(2_500))
        .motsu_unwrap();
    assert_eq!(
        id,
        policy::token_id(company.address(), gpt, FixedBytes::ZERO, 0, false, true)
    );
    assert_eq!(aat.sender(developer).balance_of(developer, id), u(2_500));
    assert_eq!(
        token.sender(developer).balance_of(company.address()),
        ONE_TOKEN_AI * u(5)
    );
    assert_eq!(
        token
            .sender(developer)
            .allowance(company.address(), aat.address()),
        U256::ZERO
    );
    assert_eq!(
        token.sender(developer).total_supply(),
        ONE_TOKEN_AI * u(5),
        "the converted TokenAI is burned"
    );

    // The developer uses it; the fee's value returns to the treasury as TokenAI.
    aat.sender(developer)
        .consume(developer, id, u(1_000), gpt, b16("any-project"))
        .motsu_unwrap();
    assert_eq!(
        token.sender(treasury).balance_of(treasury),
        u(20) * GPT_PRICE
    );
}

#[motsu::test]
fn agent_swap_flow(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    operator: Address,
    treasury: Address,
    gateway: Address,
    vision_agent: Address,
    text_agent: Address,
) {
    deploy(&token, &aat, operator, treasury, gateway);
    let (gpt, vision) = (b16("GPT-4-turbo"), b16("vision-xl"));
    aat.sender(operator)
        .set_model_price(vision, u(5))
        .motsu_unwrap();
    let gpt_id = aat
        .sender(gateway)
        .mint(
            text_agent,
            gateway,
            gpt,
            FixedBytes::ZERO,
            0,
            false,
            true,
            u(50_000),
        )
        .motsu_unwrap();
    let vision_id = aat
        .sender(gateway)
        .mint(
            vision_agent,
            gateway,
            vision,
            FixedBytes::ZERO,
            0,
            false,
            true,
            u(8_000),
        )
        .motsu_unwrap();

    // The text agent pre-authorizes the vision agent to settle the trade.
    aat.sender(text_agent)
        .set_approval_for_all(vision_agent, true)
        .motsu_unwrap();
    aat.sender(vision_agent)
        .swap(
            vision_agent,
            vision_id,
            u(1_000),
            text_agent,
            gpt_id,
            u(20_000),
        )
        .motsu_unwrap();

    assert_eq!(
        aat.sender(text_agent).balance_of(text_agent, vision_id),
        u(980)
    );
    assert_eq!(
        aat.sender(text_agent).balance_of(vision_agent, gpt_id),
        u(19_600)
    );
    assert_eq!(
        aat.sender(text_agent).balance_of(text_agent, gpt_id),
        u(30_000)
    );
    assert_eq!(
        aat.sender(text_agent).balance_of(vision_agent, vision_id),
        u(7_000)
    );
    aat.assert_emitted(&IAAT::Swapped {
        partyA: vision_agent,
        partyB: text_agent,
        idA: vision_id,
        amountA: u(1_000),
        idB: gpt_id,
        amountB: u(20_000),
    });
    assert_eq!(
        token.sender(treasury).balance_of(treasury),
        u(20) * u(5) + u(400) * GPT_PRICE
    );
}

#[motsu::test]
fn failure_atomicity_when_the_fee_cannot_be_minted(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    operator: Address,
    treasury: Address,
    gateway: Address,
    user: Address,
    other: Address,
) {
    deploy(&token, &aat, operator, treasury, gateway);
    let gpt = b16("GPT-4-turbo");
    let id = aat
        .sender(gateway)
        .mint(
            user,
            gateway,
            gpt,
            FixedBytes::ZERO,
            0,
            false,
            true,
            u(10_000),
        )
        .motsu_unwrap();
    let other_id = aat
        .sender(gateway)
        .mint(other, gateway, gpt, b16("b"), 0, false, true, u(10_000))
        .motsu_unwrap();
    aat.sender(other)
        .set_approval_for_all(user, true)
        .motsu_unwrap();

    // The operator revokes AAT's minter role on TokenAI: every fee-bearing call fails whole.
    token
        .sender(operator)
        .access()
        .set_minter(aat.address(), false)
        .motsu_unwrap();
    let expected = aat::Error::external(
        ITokenAI::UnauthorizedMinter {
            account: aat.address(),
        }
        .abi_encode(),
    );
    assert_eq!(
        aat.sender(user)
            .consume(user, id, u(5_000), gpt, FixedBytes::ZERO)
            .motsu_unwrap_err(),
        expected
    );
    assert_eq!(
        aat.sender(user)
            .swap(user, id, u(1_000), other, other_id, u(1_000))
            .motsu_unwrap_err(),
        expected
    );

    for (holder, id) in [(user, id), (other, other_id)] {
        assert_eq!(aat.sender(user).balance_of(holder, id), u(10_000));
        assert_eq!(aat.sender(user).total_supply(id), u(10_000));
    }
    assert_eq!(token.sender(user).total_supply(), U256::ZERO);
    assert_eq!(token.sender(user).balance_of(treasury), U256::ZERO);
}

/// A provider serves three holders over many requests, paid by vouchers:
/// one through a channel, one from its balance, one smart account (ERC-1271),
/// settling every tenth request in one batch. At the end everything owed is
/// settled and every balance, the supply and the treasury add up.
#[motsu::test]
fn a_provider_is_paid_by_vouchers_over_many_requests(
    token: Contract<TokenAI>,
    aat: Contract<AAT>,
    wallet: Contract<abi_core::testing::SmartAccount>,
    operator: Address,
    treasury: Address,
    gateway: Address,
    provider: Address,
    student: Account,
    agent: Account,
    key: Account,
) {
    deploy(&token, &aat, operator, treasury, gateway);
    let gpt = b16("GPT-4-turbo");
    wallet.sender(operator).set_owner(key.address());
    let holders = [student.address(), agent.address(), wallet.address()];
    let signers = [&student, &agent, &key];
    let id = aat
        .sender(gateway)
        .mint(
            holders[0],
            gateway,
            gpt,
            FixedBytes::ZERO,
            0,
            false,
            true,
            u(50_000),
        )
        .motsu_unwrap();
    for holder in &holders[1..] {
        aat.sender(gateway)
            .mint(
                *holder,
                gateway,
                gpt,
                FixedBytes::ZERO,
                0,
                false,
                true,
                u(50_000),
            )
            .motsu_unwrap();
    }
    aat.sender(holders[0])
        .open_channel(provider, id, u(30_000), NOW + 86_400, Address::ZERO)
        .motsu_unwrap();
    let answer = aat.sender(provider).eip712_domain();
    let answer =
        <IAAT::eip712DomainCall as alloy_sol_types::SolCall>::abi_decode_returns(&answer, true)
            .unwrap();
    let domain = alloy_sol_types::Eip712Domain::new(
        Some(answer.name.into()),
        Some(answer.version.into()),
        Some(answer.chainId),
        Some(answer.verifyingContract),
        None,
    );
    // What each holder owes after each request, and the latest voucher.
    let mut owed = [0u64; 3];
    let mut latest: Vec<Option<(aat::vouchers::Voucher, Vec<u8>)>> = vec![None, None, None];
    let (mut consumed_total, mut fee_total) = (U256::ZERO, U256::ZERO);
    for request in 0..90u64 {
        let who = (request % 3) as usize;
        // Usage-based: each answer costs what its tokens cost.
        owed[who] += 37 + request % 11;
        let voucher = aat::vouchers::Voucher {
            holder: holders[who],
            provider,
            id,
            cumulative_amount: u(owed[who]),
            deadline: NOW + 3_600,
        };
        let hash = IAAT::Voucher {
            holder: voucher.holder,
            provider,
            id,
            cumulativeAmount: voucher.cumulative_amount,
            deadline: voucher.deadline,
        }
        .eip712_signing_hash(&domain);
        let signature = signers[who].signer().sign_hash_sync(&hash).unwrap();
        latest[who] = Some((voucher, signature.as_bytes().to_vec()));
        if request % 10 == 9 {
            let (vouchers, signatures): (Vec<_>, Vec<_>) = latest.iter().flatten().cloned().unzip();
            let refs: Vec<&[u8]> = signatures.iter().map(Vec::as_slice).collect();
            let (consumed, fee) = aat
                .sender(provider)
                .settle_batch(&vouchers, &refs, gpt, FixedBytes::ZERO)
                .motsu_unwrap();
            consumed_total += consumed;
            fee_total += fee;
        }
    }
    // Replaying the last batch settles nothing more.
    let (vouchers, signatures): (Vec<_>, Vec<_>) = latest.iter().flatten().cloned().unzip();
    let refs: Vec<&[u8]> = signatures.iter().map(Vec::as_slice).collect();
    assert_eq!(
        aat.sender(provider)
            .settle_batch(&vouchers, &refs, gpt, FixedBytes::ZERO)
            .motsu_unwrap(),
        (U256::ZERO, U256::ZERO)
    );
    let total_owed: u64 = owed.iter().sum();
    assert_eq!(consumed_total, u(total_owed));
    for (i, holder) in holders.iter().enumerate() {
        assert_eq!(
            aat.sender(provider).settled_amount(*holder, provider, id),
            u(owed[i])
        );
    }
    // Fees rounded up per settlement: at least 2% of each holder's total.
    for owed in owed {
        assert!(fee_total >= policy::fee(u(owed), 200));
    }
    let (locked, _, _) = aat.sender(provider).channel_of(holders[0], provider, id);
    let student_paid = u(30_000) - locked;
    assert_eq!(
        aat.sender(provider).balance_of(holders[0], id),
        u(20_000),
        "the student paid from its channel only"
    );
    let burned = consumed_total + fee_total;
    let others_paid = u(100_000)
        - aat.sender(provider).balance_of(holders[1], id)
        - aat.sender(provider).balance_of(holders[2], id);
    assert_eq!(student_paid + others_paid, burned);
    assert_eq!(aat.sender(provider).total_supply(id), u(150_000) - burned);
    assert_eq!(aat.sender(provider).balance_of(aat.address(), id), locked);
    assert_eq!(
        token.sender(treasury).balance_of(treasury),
        fee_total * GPT_PRICE,
        "the treasury holds the fees' value"
    );
    // The provider closes the channel; the rest returns to the student.
    aat.sender(provider)
        .close_channel(holders[0], provider, id)
        .motsu_unwrap();
    assert_eq!(
        aat.sender(provider).balance_of(holders[0], id),
        u(20_000) + locked
    );
}
