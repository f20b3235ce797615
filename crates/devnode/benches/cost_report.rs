//! Prints the cost report from devnode receipts (`tests/common/cost.rs`),
//! cached and uncached, and the comparison with OpenZeppelin
//! (`tests/common/cost_peer.rs`), and writes it to `artifacts/cost-report.txt`. `scripts/cost-report` runs it.

#[path = "../tests/common/mod.rs"]
mod common;

#[tokio::main]
async fn main() {
    // Where each row's gas goes, on request: see `docs/gas.md`.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let mut table =
        String::from("With programs cached (ArbWasmCache), as programs in steady use are:\n\n");
    table.push_str(&common::cost::report(true).await);
    table.push_str("\nUncached (a program's first calls, or one nobody cached):\n\n");
    table.push_str(&common::cost::report(false).await);
    table.push_str("\nAgainst OpenZeppelin's Solidity, on the same chain:\n\n");
    table.push_str(&common::cost::peer::comparison().await);
    print!("{table}");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/cost-report.txt");
    std::fs::write(&path, &table).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    eprintln!("written to {}", path.display());
}
