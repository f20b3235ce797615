//! Prints the cost report (`suite_tests::cost`) and writes it to
//! `artifacts/cost-report.txt`. Run it with `scripts/cost-report`.

fn main() {
    let table = suite_tests::cost::report();
    print!("{table}");
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../artifacts/cost-report.txt");
    std::fs::write(&path, &table).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    eprintln!("written to {}", path.display());
}
