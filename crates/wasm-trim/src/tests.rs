//! `trim` on modules laid out as rustc and wasm-opt lay out a program: the
//! file name, locations after it, other constants between them.

use wasm_encoder::{
    CodeSection, ConstExpr, DataSection, ExportKind, ExportSection, Function, FunctionSection,
    GlobalSection, GlobalType, Instruction, MemArg, MemorySection, MemoryType, Module, TypeSection,
    ValType,
};
use wasmparser::{Parser, Payload};

use super::*;

const FILE: u32 = 0x2000;

/// A location in `FILE`, as its 16 bytes.
fn location() -> Vec<u8> {
    [FILE, 10, 0, 0]
        .iter()
        .flat_map(|word| word.to_le_bytes())
        .collect()
}

/// A module whose function runs `body` and whose data is `segments`.
fn module(
    segments: &[(u32, Vec<u8>)],
    body: &[Instruction<'_>],
    global: Option<(i32, bool)>,
) -> Vec<u8> {
    let mut module = Module::new();
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], [ValType::I32]);
    module.section(&types);
    let mut functions = FunctionSection::new();
    functions.function(0);
    module.section(&functions);
    let mut memory = MemorySection::new();
    memory.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    module.section(&memory);
    if let Some((value, mutable)) = global {
        let mut globals = GlobalSection::new();
        globals.global(
            GlobalType {
                val_type: ValType::I32,
                mutable,
                shared: false,
            },
            &ConstExpr::i32_const(value),
        );
        module.section(&globals);
    }
    let mut exports = ExportSection::new();
    exports.export("user_entrypoint", ExportKind::Func, 0);
    module.section(&exports);
    let mut code = CodeSection::new();
    let mut function = Function::new([]);
    for instruction in body {
        function.instruction(instruction);
    }
    function.instruction(&Instruction::End);
    code.function(&function);
    module.section(&code);
    let mut data = DataSection::new();
    for (start, bytes) in segments {
        data.active(
            0,
            &ConstExpr::i32_const(start.cast_signed()),
            bytes.iter().copied(),
        );
    }
    module.section(&data);
    module.finish()
}

/// The memory a module's segments lay out, from `FILE` on.
fn memory(wasm: &[u8]) -> Vec<u8> {
    let mut memory = vec![0u8; 0x200];
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::DataSection(reader) = payload.unwrap() {
            for data in reader {
                let data = data.unwrap();
                let wasmparser::DataKind::Active { offset_expr, .. } = data.kind else {
                    panic!("passive");
                };
                let wasmparser::Operator::I32Const { value } =
                    offset_expr.get_operators_reader().read().unwrap()
                else {
                    panic!("offset");
                };
                let at = (value.cast_unsigned() - FILE) as usize;
                memory[at..at + data.data.len()].copy_from_slice(data.data);
            }
        }
    }
    memory
}

fn valid(wasm: &[u8]) {
    wasmparser::Validator::new().validate_all(wasm).unwrap();
}

/// The file name, a constant the code reads, and two locations (one of
/// them with its leading zero byte cut off the segment, as memory packing
/// leaves it).
fn program_data() -> Vec<(u32, Vec<u8>)> {
    let mut first = REDACTED.to_vec();
    first.extend([0, 0]);
    first.extend(location()[..8].iter().copied()); // at 0x200c
    vec![
        (FILE, first),
        (0x2040, vec![0xac, 0x38, 0x33, 0xbc]),
        (0x2061, location()[1..8].to_vec()), // the location at 0x2060
    ]
}

fn reads(address: i32) -> Vec<Instruction<'static>> {
    vec![
        Instruction::I32Const(address),
        Instruction::I32Load(MemArg {
            offset: 0,
            align: 2,
            memory_index: 0,
        }),
    ]
}

#[test]
fn drops_unreferenced_locations_and_then_the_file_name() {
    let wasm = module(&program_data(), &reads(0x2040), None);
    let (out, trimmed) = trim(&wasm).unwrap();
    valid(&out);
    assert_eq!(trimmed.locations, 2);
    assert!(trimmed.file_name);
    assert!(trimmed.data_bytes.1 < trimmed.data_bytes.0);
    let mut expected = vec![0u8; 0x200];
    expected[0x40..0x44].copy_from_slice(&[0xac, 0x38, 0x33, 0xbc]);
    assert_eq!(
        memory(&out),
        expected,
        "only the constant the code reads is left"
    );

    let wasm = module(&program_data()[..1], &[Instruction::I32Const(0)], None);
    let (out, trimmed) = trim(&wasm).unwrap();
    valid(&out);
    assert_eq!(trimmed.data_bytes.1, 0, "no data section is left");
}

#[test]
fn keeps_a_location_the_code_refers_to_and_its_file_name() {
    for body in [
        vec![Instruction::I32Const(0x2060), Instruction::Drop],
        // An address folded into a load's offset, or split between both.
        vec![
            Instruction::I32Const(0),
            Instruction::I32Load(MemArg {
                offset: 0x2064,
                align: 2,
                memory_index: 0,
            }),
            Instruction::Drop,
        ],
        vec![
            Instruction::I32Const(0x2050),
            Instruction::I32Load(MemArg {
                offset: 0x14,
                align: 2,
                memory_index: 0,
            }),
            Instruction::Drop,
        ],
    ] {
        let mut body = body;
        body.extend(reads(0x2040));
        let wasm = module(&program_data(), &body, None);
        let (out, trimmed) = trim(&wasm).unwrap();
        valid(&out);
        assert_eq!(trimmed.locations, 1, "the one at 0x200c goes");
        assert!(!trimmed.file_name, "a location is left that names it");
        let memory = memory(&out);
        assert_eq!(&memory[..10], REDACTED);
        assert_eq!(&memory[0x60..0x70], &location()[..]);
        assert_eq!(&memory[0x0c..0x1c], &[0u8; 16]);
    }
}

#[test]
fn keeps_what_a_global_or_a_data_word_points_into() {
    let wasm = module(&program_data(), &reads(0x2040), Some((0x200c, false)));
    let (_, trimmed) = trim(&wasm).unwrap();
    assert_eq!(
        trimmed.locations, 1,
        "the global points at the one at 0x200c"
    );

    let mut data = program_data();
    data.push((0x2080, 0x2060u32.to_le_bytes().to_vec()));
    let wasm = module(&data, &reads(0x2040), None);
    let (out, trimmed) = trim(&wasm).unwrap();
    assert_eq!(
        trimmed.locations, 1,
        "a pointer in data keeps the one at 0x2060"
    );
    assert_eq!(&memory(&out)[0x80..0x84], &0x2060u32.to_le_bytes());

    let wasm = module(&program_data(), &reads(0x2004), None);
    let (_, trimmed) = trim(&wasm).unwrap();
    assert_eq!(trimmed.locations, 2);
    assert!(!trimmed.file_name, "the code reads the file name itself");

    // A pointer whose high zero bytes memory packing cut off its segment.
    let mut data = program_data();
    data.push((0x2080, vec![0x60, 0x20]));
    let wasm = module(&data, &reads(0x2040), None);
    let (_, trimmed) = trim(&wasm).unwrap();
    assert_eq!(
        trimmed.locations, 1,
        "the trimmed pointer keeps the one at 0x2060"
    );
}

#[test]
fn keeps_the_file_name_bytes_inside_a_longer_string() {
    // "id <redacted>!" at 0x2000, read by the code from its start: the
    // bytes match, but no location names them and they are not a string
    // of their own.
    let mut text = b"id ".to_vec();
    text.extend_from_slice(REDACTED);
    text.push(b'!');
    let wasm = module(&[(FILE, text.clone())], &reads(0x2000), None);
    let (out, trimmed) = trim(&wasm).unwrap();
    assert!(!trimmed.file_name);
    assert_eq!(&memory(&out)[..text.len()], &text[..]);

    // Named by a location this time (at 0x2040, dead), still inside the
    // longer string: the location goes, the string stays whole.
    let named = FILE + 3;
    let location: Vec<u8> = [named, 10, 0, 0]
        .iter()
        .flat_map(|word| word.to_le_bytes())
        .collect();
    let wasm = module(
        &[(FILE, text.clone()), (0x2040, location[..8].to_vec())],
        &reads(0x2000),
        None,
    );
    let (out, trimmed) = trim(&wasm).unwrap();
    assert_eq!(trimmed.locations, 1);
    assert!(!trimmed.file_name);
    assert_eq!(&memory(&out)[..text.len()], &text[..]);
}

#[test]
fn the_stack_pointer_starting_where_the_data_starts_refers_to_nothing() {
    let wasm = module(
        &program_data(),
        &reads(0x2040),
        Some((FILE.cast_signed(), true)),
    );
    let (_, trimmed) = trim(&wasm).unwrap();
    assert_eq!(trimmed.locations, 2);
    assert!(trimmed.file_name);
}

#[test]
fn leaves_a_module_without_locations_as_it_is() {
    let data = vec![(0x2040, vec![1, 2, 3, 4])];
    let wasm = module(&data, &reads(0x2040), None);
    let (out, trimmed) = trim(&wasm).unwrap();
    assert_eq!(out, wasm);
    assert_eq!(trimmed.locations, 0);
    assert!(!trimmed.file_name);
}

#[test]
fn refuses_segments_it_cannot_reason_about() {
    let overlapping = vec![(0x2040, vec![1; 8]), (0x2044, vec![2; 8])];
    let wasm = module(&overlapping, &[], None);
    assert!(matches!(trim(&wasm), Err(TrimError::Segments)));
    assert!(matches!(trim(b"not wasm"), Err(TrimError::Parse(_))));
}

#[test]
fn splits_a_segment_only_at_long_zero_runs() {
    let segment = Segment {
        start: 0x100,
        bytes: vec![0, 0, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0],
    };
    let runs = runs(&segment);
    assert_eq!(runs, vec![(0x102, &[1, 0, 0, 2][..]), (0x10e, &[3][..])]);
}
