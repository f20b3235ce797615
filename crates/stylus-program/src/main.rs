//! `stylus-program size WASM...`: each wasm's compressed size as it deploys
//! (the format's one owner measures it), one number a line: what
//! `scripts/build` holds under the 24 KiB limit.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() != Some("size") {
        eprintln!("usage: stylus-program size WASM...");
        return ExitCode::from(2);
    }
    for path in args {
        match std::fs::read(&path) {
            Ok(wasm) => println!("{}", stylus_program::compress(&wasm).len()),
            Err(err) => {
                eprintln!("error: {path}: {err}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
