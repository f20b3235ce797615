//! Channels that name a session key (AAT spec v3), paid through the
//! gateway: the key alone signs the holder's vouchers while the channel is
//! open, the holder's own signature is refused as AAT would refuse it, and
//! only the channel pays, never the balance behind it. And why a balance
//! is no budget by default: a holder served against it can make its own
//! vouchers unsettleable by opening such a channel.

mod common;

use aat_client::signing;
use alloy::providers::Provider;
use alloy::{
    primitives::{FixedBytes, U256},
    signers::local::PrivateKeySigner,
};
use common::*;

fn u(n: u64) -> U256 {
    U256::from(n)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_agent_pays_with_its_channels_session_key() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let base = served.gateway.url();
    let url = format!("{base}/v1/chat/completions");
    let provider = world.provider_key.address();
    let key = PrivateKeySigner::random();
    let (holder, id, _) = world
        .holder_with_signed_channel("session holder", 10_000, 2_000, 30 * 86_400, key.address())
        .await;

    // The holder's own key no longer pays here.
    let own = world.voucher_payer(&holder, id).await;
    let refused = own.post(&url, &chat("as myself", false)).await.unwrap();
    let body = String::from_utf8_lossy(&refused.body).to_string();
    assert_eq!(refused.status, 402, "{body}");
    assert!(
        body.contains(&format!("names {} to sign its vouchers", key.address())),
        "{body}"
    );
    assert_eq!(served.stub.calls(), 0);

    // Its agent's session key does.
    let agent = world
        .voucher_payer(&key, id)
        .await
        .for_holder(holder.address());
    for (i, stream) in [false, true, false].into_iter().enumerate() {
        let paid = agent
            .post(&url, &chat(&format!("task {i}"), stream))
            .await
            .unwrap();
        assert_eq!(paid.status, 200, "{}", String::from_utf8_lossy(&paid.body));
    }
    close_out(&agent, &base).await;
    let owed = agent.owed().unwrap();
    let report = served.gateway.settle_now().await.unwrap();
    assert_eq!(
        (report.vouchers_settled, report.vouchers_rejected),
        (1, 0),
        "{report:?}"
    );
    let rails = world.rails_of(&holder);
    assert_eq!(
        rails.settled(holder.address(), provider, id).await.unwrap(),
        owed
    );
    assert_eq!(
        rails.balance(holder.address(), id).await.unwrap(),
        u(8_000),
        "the balance behind the channel is untouched"
    );
}

/// A session key's channel that has nothing left is no budget, whatever
/// the balance behind it: AAT would not let the key's vouchers touch it.
#[tokio::test(flavor = "multi_thread")]
async fn an_empty_session_channel_is_no_budget() {
    let world = World::new().await;
    let served = serve(&world, |_| {}).await;
    let url = format!("{}/v1/chat/completions", served.gateway.url());
    let provider = world.provider_key.address();
    let key = PrivateKeySigner::random();
    let (holder, id, expires) = world
        .holder_with_signed_channel("empty channel", 10_000, 2, 30 * 86_400, key.address())
        .await;
    // One unit and its fee empty the channel; it stays open, with its key.
    let domain = world.owner.aat_domain().await.unwrap();
    let one =
        signing::sign_voucher_for(holder.address(), &key, &domain, provider, id, u(1), expires)
            .await
            .unwrap();
    let policy = world.policy("", 0);
    world
        .rails_of(&world.provider_key)
        .settle_batch(&[one], policy.model, FixedBytes::ZERO)
        .await
        .unwrap();
    let channel = world
        .owner
        .channel(holder.address(), provider, id)
        .await
        .unwrap();
    assert_eq!(
        (channel.locked, channel.signer),
        (U256::ZERO, key.address())
    );

    let agent = world
        .voucher_payer(&key, id)
        .await
        .for_holder(holder.address());
    let refused = agent.post(&url, &chat("one more", false)).await.unwrap();
    let body = String::from_utf8_lossy(&refused.body).to_string();
    assert_eq!(refused.status, 402, "{body}");
    assert!(body.contains("insufficient budget"), "{body}");
    assert_eq!(
        served.stub.calls(),
        0,
        "served on a balance the key cannot spend"
    );
}

/// Served against its balance, a holder opens a channel that names a
/// session key, and AAT refuses every voucher of its own while that channel
/// is open: the provider cannot collect. So by default (no
/// `voucher.balance_credit_units`) the gateway serves vouchers against
/// open channels only; what an operator grants against balances is the
/// most it can lose.
#[tokio::test(flavor = "multi_thread")]
async fn a_balance_is_no_budget_by_default() {
    let world = World::new().await;
    let granted = 300;
    let url = |served: &Served| format!("{}/v1/chat/completions", served.gateway.url());
    let holder = party(&world, "balance holder").await;
    let id = world
        .mint(holder.address(), &world.policy("", 0), 10_000)
        .await;

    let strict = serve(&world, |c| {
        c.voucher = aat_gateway::config::VoucherConfig::default();
    })
    .await;
    let payer = world.voucher_payer(&holder, id).await;
    let refused = payer
        .post(&url(&strict), &chat("on my balance", false))
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&refused.body).to_string();
    assert_eq!(refused.status, 402, "{body}");
    assert!(body.contains("insufficient budget"), "{body}");
    assert_eq!(strict.stub.calls(), 0, "served against a balance");

    // An operator that grants credit against balances loses at most that.
    let lenient = serve(&world, |c| c.voucher.balance_credit_units = granted).await;
    let payer = world.voucher_payer(&holder, id).await;
    let mut served = 0;
    for i in 0..20 {
        let paid = payer
            .post(&url(&lenient), &chat(&format!("q{i}"), false))
            .await
            .unwrap();
        if paid.status != 200 {
            break;
        }
        served += 1;
    }
    let owed = payer.owed().unwrap();
    assert!(
        served >= 1 && owed <= u(granted),
        "{served} served, {owed} owed"
    );
    // The holder makes its vouchers unsettleable...
    let key = PrivateKeySigner::random();
    let expires = world.now().await + 86_400;
    world
        .rails_of(&holder)
        .open_channel(
            world.provider_key.address(),
            id,
            u(1),
            expires,
            key.address(),
        )
        .await
        .unwrap();
    // ...and the voucher the gateway holds (for all but the last request)
    // no longer settles.
    let report = lenient.gateway.settle_now().await.unwrap();
    assert_eq!(
        (report.vouchers_settled, report.vouchers_rejected),
        (0, 1),
        "{report:?}"
    );
}

/// What is owed in an id is settled before the id expires (an expired id
/// settles nothing), whatever the worker's other thresholds say: here a
/// holder served on balance credit, with no channel whose end would also
/// make it due.
#[tokio::test(flavor = "multi_thread")]
async fn what_is_owed_in_an_expiring_id_settles_before_it_expires() {
    let world = World::new().await;
    let served = serve(&world, |c| {
        c.voucher.balance_credit_units = 1_000;
        c.settlement.interval_ms = 100;
    })
    .await;
    let base = served.gateway.url();
    let holder = party(&world, "expiring id").await;
    let expiration = world.now().await + 2_000;
    let policy = world.policy("", expiration);
    let id = world.mint(holder.address(), &policy, 10_000).await;
    let payer = world.voucher_payer(&holder, id).await;
    let paid = payer
        .post(&format!("{base}/v1/chat/completions"), &chat("soon", false))
        .await
        .unwrap();
    assert_eq!(paid.status, 200);
    close_out(&payer, &base).await;
    let owed = payer.owed().unwrap();
    // Within the expiry margin (900 s) of the id's end: due now.
    world
        .owner
        .provider
        .raw_request::<_, serde_json::Value>("evm_increaseTime".into(), (1_200u64,))
        .await
        .unwrap();
    world
        .owner
        .provider
        .raw_request::<_, serde_json::Value>("evm_mine".into(), ())
        .await
        .unwrap();
    let provider = world.provider_key.address();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while world
        .owner
        .settled(holder.address(), provider, id)
        .await
        .unwrap()
        != owed
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not settle before the id's expiration"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}
