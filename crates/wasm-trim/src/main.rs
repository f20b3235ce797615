//! `wasm-trim IN OUT`: writes IN without the panic locations nothing reads
//! (see the library) to OUT, and says what went.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        eprintln!("usage: wasm-trim IN OUT");
        return ExitCode::from(2);
    };
    let result = std::fs::read(input)
        .map_err(|err| err.to_string())
        .and_then(|wasm| wasm_trim::trim(&wasm).map_err(|err| err.to_string()))
        .and_then(|(wasm, trimmed)| {
            std::fs::write(output, wasm).map_err(|err| err.to_string())?;
            Ok(trimmed)
        });
    match result {
        Ok(trimmed) => {
            let (before, after) = trimmed.data_bytes;
            println!(
                "{input}: {} panic locations{} dropped, data {before} -> {after} bytes; {} linker globals dropped",
                trimmed.locations,
                if trimmed.file_name { " and their file name" } else { "" },
                trimmed.globals,
            );
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {input}: {err}");
            ExitCode::FAILURE
        }
    }
}
