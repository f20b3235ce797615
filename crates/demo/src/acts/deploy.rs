//! Deploy: the operator deploys TokenAI, AAT and the exchange as
//! cargo-stylus deploys programs (StylusDeployer: create, activate,
//! construct), puts them in the program cache, and makes AAT a TokenAI
//! minter.

use std::path::Path;

use aat_client::{
    deploy::{
        cache_program, deploy_aat, deploy_exchange, deploy_token_ai, make_aat_a_minter, Deployed,
    },
    orders::Exchange,
    Rails,
};
use alloy::primitives::Address;
use devnode::Node;

use crate::{
    cast::Cast,
    error::{DemoError, Step},
    show::{self, waiting},
    story::{book, Context, Credits, Story, Suite, Tx},
};

fn artifact(artifacts: &Path, name: &str) -> Result<Vec<u8>, DemoError> {
    let path = artifacts.join(name);
    std::fs::read(&path).map_err(|source| DemoError::Artifact { path, source })
}

/// Deploys the suite and sets the stage: the context every act plays in.
///
/// # Errors
///
/// An artifact is missing or a deployment fails.
pub async fn play(
    node: &Node,
    mut cast: Cast,
    credits: Credits,
    treasury: Address,
    artifacts: &Path,
) -> Result<Context, DemoError> {
    println!("Deploying the suite as cargo-stylus deploys it (StylusDeployer: create, activate, construct)\n");
    let [token, aat, exchange] = deploy_programs(&cast, treasury, artifacts).await?;
    cast.use_suite(token.address, aat.address);
    let rails = cast.operator.rails.clone();
    let suite = Suite {
        token: token.address,
        aat: aat.address,
        exchange: exchange.address,
        treasury,
        token_domain: rails
            .token_domain()
            .await
            .step("reading TokenAI's domain")?,
        aat_domain: rails.aat_domain().await.step("reading AAT's domain")?,
        exchange_domain: Exchange::new(rails.provider.clone(), exchange.address)
            .domain()
            .await
            .step("reading the exchange's domain")?,
    };
    let story = Story::new(book(&cast, &credits, treasury), rails.clone()).await?;
    let mut ctx = Context {
        url: node.url(),
        chain_id: node.chain_id(),
        cast,
        credits,
        suite,
        story,
        voucher_payers: Vec::new(),
    };
    for (name, deployed) in [
        ("TokenAI", &token),
        ("AAT", &aat),
        ("AATExchange", &exchange),
    ] {
        ctx.story
            .line(
                "Operator",
                &format!("deploys {name} at {}", show::short(deployed.address)),
                Tx::Receipt(&deployed.receipt),
            )
            .await?;
    }
    // Programs in steady use sit in the cache, and their calls pay only the
    // cached init gas: on Arbitrum by a CacheManager bid; on the devnode the
    // chain owner (the operator's dev account) caches them.
    for (name, deployed) in [
        ("TokenAI", &token),
        ("AAT", &aat),
        ("AATExchange", &exchange),
    ] {
        ctx.story
            .tx(
                "Operator",
                &format!("caches {name}'s program (ArbWasmCache; a CacheManager bid)"),
                cache_program(&rails.provider, deployed.address),
            )
            .await?;
    }
    ctx.story
        .tx(
            "Operator",
            "makes AAT a TokenAI minter (mint fees, settle)",
            make_aat_a_minter(&rails),
        )
        .await?;
    Ok(ctx)
}

/// TokenAI, AAT and AATExchange deployed by the operator, each with its
/// constructor, as cargo-stylus deploys them.
async fn deploy_programs(
    cast: &Cast,
    treasury: Address,
    artifacts: &Path,
) -> Result<[Deployed; 3], DemoError> {
    let token_wasm = artifact(artifacts, "token-ai.wasm")?;
    let aat_wasm = artifact(artifacts, "aat.wasm")?;
    let exchange_wasm = artifact(artifacts, "exchange.wasm")?;
    let operator = &cast.operator;
    let (provider, owner) = (&operator.rails.provider, operator.address());
    let token = waiting(
        "deploying TokenAI",
        deploy_token_ai(provider, &token_wasm, "TokenAI".into(), "TAI".into(), owner),
    )
    .await
    .step("deploying TokenAI")?;
    let uri = "https://aat.example/{id}.json".to_owned();
    let aat = waiting(
        "deploying AAT",
        deploy_aat(provider, &aat_wasm, token.address, treasury, uri, owner),
    )
    .await
    .step("deploying AAT")?;
    let rails = Rails::new(provider.clone(), token.address, aat.address);
    let (exchange, receipt) = waiting(
        "deploying AATExchange",
        deploy_exchange(&rails, &exchange_wasm, treasury, owner),
    )
    .await
    .step("deploying AATExchange")?;
    let exchange = Deployed {
        address: exchange.address,
        receipt,
    };
    Ok([token, aat, exchange])
}
