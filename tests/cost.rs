//! The cost report: runs each user-facing operation on the deployable wasm in
//! the in-process Stylus host and renders, per operation, what it executed and
//! an estimated L2 execution gas. `scripts/cost-report` (the `cost_report`
//! bench) prints it and writes `artifacts/cost-report.txt`; a test in
//! `artifacts.rs` only checks that it runs.
//!
//! The estimate is the harness's, not Nitro's:
//! - storage and logs at the published EVM prices: EIP-2929 (cold slot 2100,
//!   warm read 100, cold account call 2600), EIP-2200 (a slot set from zero
//!   20000, a changed non-zero slot 2900), LOG 375 + 375 per topic + 8 per byte;
//! - compute in Stylus ink, 10,000 ink per gas: `INK_PER_FUEL` per unit of
//!   wasmi fuel and `INK_PER_HOST_CALL` per host call (see their docs).
//!
//! Intrinsic transaction gas (21,000) and calldata are left out.

use crate::*;
use alloy_primitives::{Address, FixedBytes, U256};
use alloy_signer::SignerSync;
use alloy_sol_types::{eip712_domain, SolCall, SolStruct};
use stylus_host::Stats;

/// Ink per unit of wasmi fuel. wasmi charges about one fuel per instruction
/// of its register-based code, each of which stands for about two wasm
/// opcodes; Arbitrum's published opcode table (docs.arbitrum.io, Stylus
/// "Gas and ink costs") prices the common ones from 75 ink (`local.get`)
/// through 670 (loads) and 765 (branches) to 3800 (`call`). 500 ink per
/// fuel is a deliberately rough, conservative blend.
pub const INK_PER_FUEL: u64 = 500;
/// Ink per host call: an assumed flat base charge for a host I/O (the order
/// of Nitro's hostio base cost as we recall it; not checked here against the
/// published table, whose host I/O prices vary per function). Host calls are
/// a small part of every row: the estimate is dominated by storage.
pub const INK_PER_HOST_CALL: u64 = 8_400;
/// Stylus's ink per gas.
pub const INK_PER_GAS: u64 = 10_000;

/// The estimated execution gas of one transaction.
#[must_use]
pub fn estimated_gas(s: &Stats) -> u64 {
    let compute = (s.fuel * INK_PER_FUEL + s.host_calls * INK_PER_HOST_CALL) / INK_PER_GAS;
    let storage = 2_100 * (s.cold_reads + s.cold_writes)
        + 100 * s.warm_reads
        + 20_000 * s.writes_new
        + 2_900 * s.writes_update;
    let logs = 375 * s.logs + 375 * s.log_topics + 8 * s.log_bytes;
    compute + storage + logs + 2_600 * s.calls
}

struct Meter {
    suite: Suite,
    rows: Vec<(String, Stats)>,
}

impl Meter {
    fn run<C: SolCall>(&mut self, label: &str, from: Address, to: Address, call: C) {
        let outcome = self.suite.send(from, to, call);
        assert!(
            outcome.result.is_ok(),
            "{label} reverted: {:?}",
            outcome.result
        );
        self.rows.push((label.to_owned(), outcome.stats));
    }
}

/// Runs every measured operation and renders the table.
#[must_use]
pub fn report() -> String {
    let mut m = Meter {
        suite: Suite::new(),
        rows: Vec::new(),
    };
    let (token, aat) = (m.suite.token, m.suite.aat);
    let owner = alloy_signer_local::PrivateKeySigner::from_bytes(&alloy_primitives::keccak256(
        "cost-report-owner",
    ))
    .expect("a valid key");
    let (alice, bob, uni) = (owner.address(), addr(0xB1), addr(0xB2));

    // TokenAI.
    m.run(
        "TokenAI mint",
        GATEWAY,
        token,
        ITokenAI::mintCall {
            to: alice,
            value: u(1_000_000_000),
        },
    );
    m.run(
        "TokenAI transfer",
        alice,
        token,
        ITokenAI::transferCall {
            to: bob,
            value: u(1_000),
        },
    );
    m.run(
        "TokenAI approve",
        alice,
        token,
        ITokenAI::approveCall {
            spender: bob,
            value: u(5_000),
        },
    );
    let deadline = U256::from(NOW + 600);
    let permit = Permit {
        owner: alice,
        spender: aat,
        value: u(100_000_000),
        nonce: U256::ZERO,
        deadline,
    };
    let domain = eip712_domain! { name: "TokenAI", version: "1", chain_id: 42161, verifying_contract: token, };
    let sig = owner
        .sign_hash_sync(&permit.eip712_signing_hash(&domain))
        .expect("signs");
    let call = ITokenAI::permitCall {
        owner: alice,
        spender: aat,
        value: permit.value,
        deadline,
        v: 27 + u8::from(sig.v()),
        r: sig.r().into(),
        s: sig.s().into(),
    };
    m.run("TokenAI permit", bob, token, call);
    m.run(
        "TokenAI burnFrom",
        bob,
        token,
        ITokenAI::burnFromCall {
            account: alice,
            value: u(1_000),
        },
    );

    // AAT issuance.
    let course = |amount: u64| IAAT::mintCall {
        to: uni,
        originPool: uni,
        model: gpt(),
        scope: cs101(),
        expiration: NOW + 86_400,
        reclaimable: true,
        tradable: false,
        amount: u(amount),
    };
    m.run("AAT mint (new type)", GATEWAY, aat, course(1_000_000));
    m.run("AAT mint (existing type)", GATEWAY, aat, course(1_000));
    let id = m.suite.ok(GATEWAY, aat, course(1)).id;
    m.run(
        "AAT safeTransferFrom",
        uni,
        aat,
        IAAT::safeTransferFromCall {
            from: uni,
            to: alice,
            id,
            value: u(10_000),
            data: Default::default(),
        },
    );
    let ids: Vec<U256> = (0..10u8)
        .map(|i| {
            m.suite.mint(
                alice,
                GATEWAY,
                gpt(),
                b16(&format!("batch-{i}")),
                0,
                false,
                true,
                1_000,
            )
        })
        .collect();
    for n in [1usize, 5, 10] {
        let call = IAAT::safeBatchTransferFromCall {
            from: alice,
            to: bob,
            ids: ids[..n].to_vec(),
            values: vec![u(1); n],
            data: Default::default(),
        };
        m.run(&format!("AAT safeBatchTransferFrom x{n}"), alice, aat, call);
    }
    m.run(
        "AAT consume (with fee)",
        alice,
        aat,
        IAAT::consumeCall {
            holder: alice,
            id,
            amount: u(500),
            model: gpt(),
            scope: cs101(),
        },
    );
    let call = IAAT::mintWithTokenAICall {
        to: bob,
        model: gpt(),
        scope: FixedBytes::ZERO,
        expiration: 0,
        reclaimable: false,
        tradable: true,
        amount: u(1_000),
    };
    m.run("AAT mintWithTokenAI", alice, aat, call);
    m.run(
        "AAT reclaim",
        uni,
        aat,
        IAAT::reclaimCall {
            holder: alice,
            id,
            amount: u(1_000),
        },
    );
    m.suite.ok(
        bob,
        aat,
        IAAT::setApprovalForAllCall {
            operator: alice,
            approved: true,
        },
    );
    m.run(
        "AAT swap",
        alice,
        aat,
        IAAT::swapCall {
            partyA: alice,
            idA: ids[9],
            amountA: u(100),
            partyB: bob,
            idB: ids[0],
            amountB: u(1),
        },
    );

    let mut table = format!(
        "{:<30} {:>9} {:>11} {:>13} {:>9} {:>5} {:>5} {:>9}\n",
        "operation", "fuel", "reads c/w", "writes c/n/u", "hostcalls", "calls", "logs", "est. gas"
    );
    for (label, s) in &m.rows {
        table.push_str(&format!(
            "{:<30} {:>9} {:>11} {:>13} {:>9} {:>5} {:>5} {:>9}\n",
            label,
            s.fuel,
            format!("{}/{}", s.cold_reads, s.warm_reads),
            format!("{}/{}/{}", s.cold_writes, s.writes_new, s.writes_update),
            s.host_calls,
            s.calls,
            s.logs,
            estimated_gas(s),
        ));
    }
    table.push_str(&format!(
        "fuel: wasmi fuel (~1 per wasmi instruction); reads c/w: cold/warm slot reads; writes c/n/u: slots first touched by a write / set from zero / changed;\n\
         est. gas: EIP-2929/2200 storage + logs + {INK_PER_FUEL} ink per fuel + {INK_PER_HOST_CALL} ink per host call at {INK_PER_GAS} ink per gas; no intrinsic or calldata gas.\n\
         A test harness's estimate, not Nitro's metering.\n"
    ));
    table
}
