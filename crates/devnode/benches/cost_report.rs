//! Prints the cost report from devnode receipts (`tests/common/cost.rs`) and
//! writes it to `artifacts/cost-report.txt`. `scripts/cost-report` runs it.

#[path = "../tests/common/mod.rs"]
mod common;

#[tokio::main]
async fn main() {
    let table = common::cost::report().await;
    print!("{table}");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/cost-report.txt");
    std::fs::write(&path, &table).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    eprintln!("written to {}", path.display());
}
