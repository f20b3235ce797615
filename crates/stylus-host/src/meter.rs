//! Per-opcode ink metering, as Nitro meters a program.
//!
//! Before a program is loaded it is rewritten: three globals are added (the
//! ink left and an out-of-ink status, both exported to the host, and a
//! scratch value), and every basic block is preceded by a header that
//! charges the block's ink (its opcodes' prices plus Nitro's 2,450 for the
//! header) and traps when too little is left; `memory.fill` and
//! `memory.copy` also pay 100 ink per byte, as Nitro's dynamic meter charges
//! them, and `memory.grow` first calls the host's `pay_for_memory_grow`
//! with its page count, as Nitro's heap bound makes it. The prices are
//! Nitro's `pricing_v1` table (the published "Gas and ink costs" opcode
//! table); the host functions charge their own ink through
//! the same global.
//!
//! For profiling (`Runtime::profiling`), each defined function also gets a
//! counter global (`PROFILE_PREFIX` and its index among the defined
//! functions) to which every block header adds the ink it charges: which
//! functions of a program spend its instruction gas. The counters charge
//! nothing: a profiled program uses the same ink as one that is not.

use wasm_encoder::{
    reencode::{self, Reencode},
    BlockType, CodeSection, ConstExpr, ExportKind, ExportSection, GlobalSection, GlobalType,
    Instruction, ValType,
};
use wasmparser::{FunctionBody, Operator, Parser, Payload, TypeRef};

/// The exported global holding the ink left.
pub(crate) const INK_LEFT: &str = "stylus_ink_left";
/// The exported global set to 1 when a block ran out of ink.
pub(crate) const INK_STATUS: &str = "stylus_ink_status";
/// The exported globals of a profiled program: `PROFILE_PREFIX` and a
/// defined function's index count the ink its blocks charged.
pub(crate) const PROFILE_PREFIX: &str = "stylus_ink_profile_";

/// The ink price of `op` (Nitro's `pricing_v1`); `params` gives the number
/// of parameters of a type, for `call_indirect`. Operators Stylus does not
/// accept (floats, SIMD, ...) never reach here: the pre-activation check
/// refuses them.
#[allow(clippy::match_same_arms)] // one arm per row of Nitro's table
fn price(op: &Operator<'_>, params: &[u64]) -> u64 {
    use Operator::{
        Block, Br, BrIf, BrTable, Call, CallIndirect, Drop, Else, End, GlobalGet, GlobalSet,
        I32Add, I32And, I32Clz, I32Const, I32Ctz, I32DivS, I32DivU, I32Eq, I32Eqz, I32Extend16S,
        I32Extend8S, I32GeS, I32GeU, I32GtS, I32GtU, I32LeS, I32LeU, I32Load, I32Load16S,
        I32Load16U, I32Load8S, I32Load8U, I32LtS, I32LtU, I32Mul, I32Ne, I32Or, I32Popcnt, I32RemS,
        I32RemU, I32Rotl, I32Rotr, I32Shl, I32ShrS, I32ShrU, I32Store, I32Store16, I32Store8,
        I32Sub, I32WrapI64, I32Xor, I64Add, I64And, I64Clz, I64Const, I64Ctz, I64DivS, I64DivU,
        I64Eq, I64Eqz, I64Extend16S, I64Extend32S, I64Extend8S, I64ExtendI32S, I64ExtendI32U,
        I64GeS, I64GeU, I64GtS, I64GtU, I64LeS, I64LeU, I64Load, I64Load16S, I64Load16U,
        I64Load32S, I64Load32U, I64Load8S, I64Load8U, I64LtS, I64LtU, I64Mul, I64Ne, I64Or,
        I64Popcnt, I64RemS, I64RemU, I64Rotl, I64Rotr, I64Shl, I64ShrS, I64ShrU, I64Store,
        I64Store16, I64Store32, I64Store8, I64Sub, I64Xor, If, LocalGet, LocalSet, LocalTee, Loop,
        MemoryCopy, MemoryFill, MemoryGrow, MemorySize, Nop, Return, Select, TypedSelect,
        Unreachable,
    };
    match op {
        Unreachable | Return | Nop | I32Const { .. } | I64Const { .. } => 1,
        Drop => 9,
        Block { .. } | Loop { .. } | Else | End => 1,
        Br { .. } | BrIf { .. } | If { .. } => 765,
        Select | TypedSelect { .. } => 1_250,
        Call { .. } => 3_800,
        LocalGet { .. } | LocalTee { .. } => 75,
        LocalSet { .. } => 210,
        GlobalGet { .. } => 225,
        GlobalSet { .. } => 575,
        I32Load { .. }
        | I32Load8S { .. }
        | I32Load8U { .. }
        | I32Load16S { .. }
        | I32Load16U { .. } => 670,
        I64Load { .. }
        | I64Load8S { .. }
        | I64Load8U { .. }
        | I64Load16S { .. }
        | I64Load16U { .. }
        | I64Load32S { .. }
        | I64Load32U { .. } => 680,
        I32Store { .. } | I32Store8 { .. } | I32Store16 { .. } => 825,
        I64Store { .. } | I64Store8 { .. } | I64Store16 { .. } | I64Store32 { .. } => 950,
        MemorySize { .. } => 3_000,
        // Its pages are paid through `pay_for_memory_grow`.
        MemoryGrow { .. } => 1,
        I32Eqz | I32Eq | I32Ne | I32LtS | I32LtU | I32GtS | I32GtU | I32LeS | I32LeU | I32GeS
        | I32GeU => 170,
        I64Eqz | I64Eq | I64Ne | I64LtS | I64LtU | I64GtS | I64GtU | I64LeS | I64LeU | I64GeS
        | I64GeU => 225,
        I32Clz | I32Ctz | I64Clz | I64Ctz => 210,
        I32Add | I32Sub => 70,
        I32Mul | I64Mul => 160,
        I32DivS | I32DivU | I32RemS | I32RemU => 1_120,
        I32And | I32Or | I32Xor | I32Shl | I32ShrS | I32ShrU | I32Rotl | I32Rotr => 70,
        I64Add | I64Sub => 100,
        I64DivS | I64DivU | I64RemS | I64RemU => 1_270,
        I64And | I64Or | I64Xor | I64Shl | I64ShrS | I64ShrU | I64Rotl | I64Rotr => 100,
        I32Popcnt => 2_650,
        I64Popcnt => 6_000,
        I32WrapI64 | I64ExtendI32S | I64ExtendI32U => 100,
        I32Extend8S | I32Extend16S | I64Extend8S | I64Extend16S | I64Extend32S => 100,
        MemoryCopy { .. } | MemoryFill { .. } => 950,
        BrTable { targets } => 2_400 + 325 * u64::from(targets.len()),
        CallIndirect { type_index, .. } => {
            13_610 + 650 * params.get(*type_index as usize).copied().unwrap_or(0)
        }
        // Anything else is refused by activation; priced out of reach.
        _ => u64::MAX / 4,
    }
}

/// Whether `op` ends a basic block, as Nitro's meter splits a function
/// (`OperatorInfo::ends_basic_block`): where control leaves or may leave,
/// and at `end`, `else` and `loop`, where it may arrive. Not at `block`
/// (control only falls into it) nor at `unreachable` (nothing follows).
fn ends_block(op: &Operator<'_>) -> bool {
    use Operator::{Br, BrIf, BrTable, Call, CallIndirect, Else, End, If, Loop, Return};
    matches!(
        op,
        End | Else
            | Return
            | Loop { .. }
            | Br { .. }
            | BrTable { .. }
            | BrIf { .. }
            | If { .. }
            | Call { .. }
            | CallIndirect { .. }
    )
}

struct Meter {
    /// Global indices of the ink left, the status, and a scratch global
    /// (the size of a bulk memory operation).
    ink: u32,
    status: u32,
    scratch: u32,
    /// Parameter count of each type, for `call_indirect`'s price.
    params: Vec<u64>,
    /// When profiling: the global index of the first function's counter.
    profile: Option<u32>,
    /// The number of defined functions (and of counters when profiling).
    functions: u32,
    /// The defined function being rewritten.
    function: u32,
    /// The import `pay_for_memory_grow`, called before each `memory.grow`.
    pay_for_memory_grow: Option<u32>,
}

impl Meter {
    /// The header charging a block of `cost` ink (its own price included).
    fn header(&self, cost: u64) -> Vec<Instruction<'static>> {
        let header = |cost: u64| {
            vec![
                Instruction::GlobalGet(self.ink),
                Instruction::I64Const(cost.cast_signed()),
                Instruction::I64LtU,
                Instruction::If(BlockType::Empty),
                Instruction::I32Const(1),
                Instruction::GlobalSet(self.status),
                Instruction::Unreachable,
                Instruction::End,
                Instruction::GlobalGet(self.ink),
                Instruction::I64Const(cost.cast_signed()),
                Instruction::I64Sub,
                Instruction::GlobalSet(self.ink),
            ]
        };
        let cost = cost.saturating_add(HEADER_INK);
        let mut instructions = header(cost);
        if let Some(first) = self.profile {
            let counter = first + self.function;
            instructions.extend([
                Instruction::GlobalGet(counter),
                Instruction::I64Const(cost.cast_signed()),
                Instruction::I64Add,
                Instruction::GlobalSet(counter),
            ]);
        }
        instructions
    }

    /// What Nitro's dynamic meter puts before `memory.fill` and
    /// `memory.copy`: the size on the stack times `MEMORY_BYTE_INK` is
    /// taken from the ink left (out of ink when it would go below zero),
    /// and the size put back. These instructions are not priced.
    fn per_byte(&self) -> Vec<Instruction<'static>> {
        vec![
            Instruction::GlobalSet(self.scratch),
            Instruction::GlobalGet(self.ink),
            Instruction::GlobalGet(self.ink),
            Instruction::GlobalGet(self.scratch),
            Instruction::I64ExtendI32U,
            Instruction::I64Const(MEMORY_BYTE_INK.cast_signed()),
            Instruction::I64Mul,
            Instruction::I64Sub,
            Instruction::GlobalSet(self.ink),
            Instruction::GlobalGet(self.ink),
            // The old ink below the new: it wrapped, too little was left.
            Instruction::I64LtU,
            Instruction::If(BlockType::Empty),
            Instruction::I32Const(1),
            Instruction::GlobalSet(self.status),
            Instruction::Unreachable,
            Instruction::End,
            Instruction::GlobalGet(self.scratch),
        ]
    }

    /// What Nitro's heap bound puts before `memory.grow`: the page count on
    /// the stack is handed to the host's `pay_for_memory_grow` (the chain's
    /// memory model prices the pages) and put back. Added after metering,
    /// as Nitro's middlewares run: these instructions are not priced.
    fn pay_pages(&self, pay: u32) -> [Instruction<'static>; 4] {
        [
            Instruction::GlobalSet(self.scratch),
            Instruction::GlobalGet(self.scratch),
            Instruction::GlobalGet(self.scratch),
            Instruction::Call(pay),
        ]
    }
}

/// What a basic block's header costs (Nitro's `ink_header_cost`, Stylus v1
/// and v2), on top of the block's opcodes.
const HEADER_INK: u64 = 2_450;
/// Ink per byte `memory.fill` and `memory.copy` move (Nitro's
/// `memory_fill_ink` and `memory_copy_ink`, 800 / 8), on top of their price.
const MEMORY_BYTE_INK: u64 = 100;

impl Reencode for Meter {
    type Error = std::convert::Infallible;

    fn parse_global_section(
        &mut self,
        globals: &mut GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        reencode::utils::parse_global_section(self, globals, section)?;
        let mutable = |val_type| GlobalType {
            val_type,
            mutable: true,
            shared: false,
        };
        globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
        globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
        globals.global(mutable(ValType::I32), &ConstExpr::i32_const(0));
        if self.profile.is_some() {
            for _ in 0..self.functions {
                globals.global(mutable(ValType::I64), &ConstExpr::i64_const(0));
            }
        }
        Ok(())
    }

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        reencode::utils::parse_export_section(self, exports, section)?;
        exports.export(INK_LEFT, ExportKind::Global, self.ink);
        exports.export(INK_STATUS, ExportKind::Global, self.status);
        if let Some(first) = self.profile {
            for function in 0..self.functions {
                let name = format!("{PROFILE_PREFIX}{function}");
                exports.export(&name, ExportKind::Global, first + function);
            }
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let mut function = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        let mut block = Vec::new();
        let mut cost = 0u64;
        while !reader.eof() {
            let op = reader.read()?;
            cost = cost.saturating_add(price(&op, &self.params));
            let end = ends_block(&op);
            if matches!(
                op,
                Operator::MemoryFill { .. } | Operator::MemoryCopy { .. }
            ) {
                block.extend(self.per_byte());
            }
            if let (Operator::MemoryGrow { .. }, Some(pay)) = (&op, self.pay_for_memory_grow) {
                block.extend(self.pay_pages(pay));
            }
            block.push(self.instruction(op)?);
            if end {
                for instruction in self.header(cost) {
                    function.instruction(&instruction);
                }
                for instruction in block.drain(..) {
                    function.instruction(&instruction);
                }
                cost = 0;
            }
        }
        // A valid body ends with `end`, which flushed the last block.
        for instruction in block.drain(..) {
            function.instruction(&instruction);
        }
        code.function(&function);
        self.function += 1;
        Ok(())
    }
}

/// `wasm` with ink metering, and per-function ink counters when `profile`.
/// The program must have a global section (every program the Stylus SDK
/// builds has its stack pointer there).
///
/// # Errors
///
/// A module that does not parse, or has no globals or exports to extend.
pub(crate) fn instrument(wasm: &[u8], profile: bool) -> Result<Vec<u8>, String> {
    let mut imported_globals = 0u32;
    let mut defined_globals = None;
    let mut has_exports = false;
    let mut params = Vec::new();
    let mut functions = 0;
    let mut imported_functions = 0u32;
    let mut pay_for_memory_grow = None;
    let mut fixed_memory = false;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::TypeSection(types) => {
                for ty in types.into_iter_err_on_gc_types() {
                    params.push(ty.map_err(|e| e.to_string())?.params().len() as u64);
                }
            }
            Payload::ImportSection(imports) => {
                for import in imports {
                    let import = import.map_err(|e| e.to_string())?;
                    match import.ty {
                        TypeRef::Global(_) => imported_globals += 1,
                        TypeRef::Func(_) => {
                            if (import.module, import.name) == ("vm_hooks", "pay_for_memory_grow") {
                                pay_for_memory_grow = Some(imported_functions);
                            }
                            imported_functions += 1;
                        }
                        _ => {}
                    }
                }
            }
            // Nitro's heap bound instruments `memory.grow` only where the
            // memory may grow (activation requires the import there).
            Payload::MemorySection(memories) => {
                for memory in memories {
                    let memory = memory.map_err(|e| e.to_string())?;
                    fixed_memory = memory.maximum == Some(memory.initial);
                }
            }
            Payload::GlobalSection(globals) => defined_globals = Some(globals.count()),
            Payload::FunctionSection(section) => functions = section.count(),
            Payload::ExportSection(_) => has_exports = true,
            _ => {}
        }
    }
    let defined = defined_globals.ok_or("a program without globals cannot be metered here")?;
    if !has_exports {
        return Err("a program without exports cannot be metered".into());
    }
    let ink = imported_globals + defined;
    let mut meter = Meter {
        ink,
        status: ink + 1,
        scratch: ink + 2,
        params,
        profile: profile.then_some(ink + 3),
        functions,
        function: 0,
        pay_for_memory_grow: pay_for_memory_grow.filter(|_| !fixed_memory),
    };
    let mut module = wasm_encoder::Module::new();
    meter
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| format!("{e:?}"))?;
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use wasm_encoder::{
        BlockType, CodeSection, ConstExpr, EntityType, ExportKind, ExportSection, Function,
        FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction as I, MemorySection,
        MemoryType, Module, TypeSection, ValType,
    };

    use crate::{Exit, Host, Message, Runtime, INK_PER_GAS};

    /// A program of one function, its entrypoint `(i32) -> i32` with
    /// `body`, a page of memory that cannot grow and a stack-pointer global.
    fn program(body: &[I<'_>]) -> Vec<u8> {
        module(body, false, None)
    }

    /// `program`, but its memory may grow and it imports
    /// `pay_for_memory_grow` (function 0; the entrypoint is function 1).
    fn growing_program(body: &[I<'_>]) -> Vec<u8> {
        module(body, true, Some(1))
    }

    /// A program whose memory may grow or not, importing
    /// `pay_for_memory_grow` as type `pay` (1: `(i32) -> ()`) or not.
    fn module(body: &[I<'_>], grows: bool, pay: Option<u32>) -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], [ValType::I32]);
        types.ty().function([ValType::I32], []);
        module.section(&types);
        if let Some(ty) = pay {
            let mut imports = ImportSection::new();
            imports.import("vm_hooks", "pay_for_memory_grow", EntityType::Function(ty));
            module.section(&imports);
        }
        let mut functions = FunctionSection::new();
        functions.function(0);
        module.section(&functions);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 1,
            maximum: (!grows).then_some(1),
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        module.section(&memories);
        let mut globals = GlobalSection::new();
        let ty = GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        };
        globals.global(ty, &ConstExpr::i32_const(1024));
        module.section(&globals);
        let mut exports = ExportSection::new();
        exports.export(
            "user_entrypoint",
            ExportKind::Func,
            u32::from(pay.is_some()),
        );
        exports.export("memory", ExportKind::Memory, 0);
        module.section(&exports);
        let mut function = Function::new([]);
        for instruction in body {
            function.instruction(instruction);
        }
        let mut code = CodeSection::new();
        code.function(&function);
        module.section(&code);
        module.finish()
    }

    /// A program whose entrypoint counts its argument length down to zero.
    fn countdown() -> Vec<u8> {
        program(&[
            I::Block(BlockType::Empty),
            I::Loop(BlockType::Empty),
            I::LocalGet(0),
            I::I32Eqz,
            I::BrIf(1),
            I::LocalGet(0),
            I::I32Const(1),
            I::I32Sub,
            I::LocalSet(0),
            I::Br(0),
            I::End,
            I::End,
            I::I32Const(0),
            I::End,
        ])
    }

    #[test]
    fn each_iteration_pays_its_opcodes_and_block_headers() {
        let mut host = Host::new();
        let program = host
            .deploy(&countdown(), crate::Address::ZERO, &[])
            .expect("it deploys");
        let ink = |host: &mut Host, n: usize| {
            let outcome = host.call(crate::Address::ZERO, program, &vec![0; n]);
            assert_eq!(outcome.result, Ok(Vec::new()));
            outcome.stats.ink
        };
        let (ten, twenty) = (ink(&mut host, 10), ink(&mut host, 20));
        // Per iteration: [local.get 75, i32.eqz 170, br_if 765] and
        // [local.get 75, i32.const 1, i32.sub 70, local.set 210, br 765],
        // each behind Nitro's 2,450-ink header.
        assert_eq!(
            twenty - ten,
            10 * ((75 + 170 + 765) + (75 + 1 + 70 + 210 + 765) + 2 * 2_450)
        );
    }

    #[test]
    fn a_block_starts_no_basic_block_of_its_own() {
        let mut host = Host::new();
        let ink = |host: &mut Host, body: &[I<'_>]| {
            let program = host
                .deploy(&program(body), crate::Address::ZERO, &[])
                .expect("it deploys");
            let outcome = host.call(crate::Address::ZERO, program, &[]);
            assert_eq!(outcome.result, Ok(Vec::new()));
            outcome.stats.ink
        };
        let plain = ink(&mut host, &[I::I32Const(0), I::End]);
        let nested = ink(
            &mut host,
            &[
                I::Block(BlockType::Empty),
                I::Block(BlockType::Empty),
                I::Block(BlockType::Empty),
                I::End,
                I::End,
                I::End,
                I::I32Const(0),
                I::End,
            ],
        );
        // Three `block`s (1 ink each) in the first basic block; each `end`
        // (1 ink) closes a basic block, which pays Nitro's header.
        assert_eq!(nested - plain, 3 + 3 * (1 + 2_450));
    }

    /// Runs a program that grows its memory by as many pages as its
    /// argument has bytes: it reverts when the grow succeeded, and returns
    /// 0 when it failed.
    fn grow(pages: usize) -> crate::RunOutcome {
        let grower = growing_program(&[
            I::LocalGet(0),
            I::MemoryGrow(0),
            I::I32Const(-1),
            I::I32Ne,
            I::End,
        ]);
        let runtime = Runtime::new();
        let module = runtime.load(&grower).expect("it loads");
        let message = Message {
            args: vec![0; pages],
            gas_limit: 10_000_000,
            ..Message::default()
        };
        runtime.run(&module, &mut Host::new(), message)
    }

    #[test]
    fn memory_grow_pays_its_pages_through_the_host_as_nitros_heap_bound_makes_it() {
        let gas = |pages| {
            let outcome = grow(pages);
            assert_eq!(outcome.exit, Exit::Revert, "{pages} pages grew");
            outcome.gas_used
        };
        // The same instructions; the host prices pages at 1,000 gas each
        // (`Env::open_pages`' default), and growing by none costs a host
        // call's ink.
        assert_eq!(gas(3) - gas(1), 2_000);
        assert_eq!(
            gas(1) - gas(0),
            1_000 - 1,
            "growing by none pays a host call's ink, 8,400"
        );
    }

    #[test]
    fn memory_grows_to_the_page_limit_and_no_further() {
        assert_eq!(grow(127).exit, Exit::Revert, "127 more pages, 128 in all");
        assert_eq!(grow(128).exit, Exit::Success, "paid for, then refused");
    }

    #[test]
    fn a_memory_that_may_grow_needs_the_pay_for_memory_grow_import() {
        use crate::check::{check, CheckError};
        let body = [I::I32Const(0), I::End];
        assert_eq!(
            check(&module(&body, false, None)),
            Ok(()),
            "a fixed memory needs none"
        );
        assert_eq!(check(&module(&body, true, Some(1))), Ok(()));
        assert_eq!(
            check(&module(&body, true, None)),
            Err(CheckError::MemoryGrowUnpriced)
        );
        assert_eq!(
            check(&module(&body, true, Some(0))),
            Err(CheckError::MemoryGrowUnpriced),
            "imported as (i32) -> i32"
        );
    }

    /// A program whose entrypoint fills as many bytes as its argument has.
    fn filler() -> Vec<u8> {
        program(&[
            I::I32Const(4096),
            I::I32Const(7),
            I::LocalGet(0),
            I::MemoryFill(0),
            I::I32Const(0),
            I::End,
        ])
    }

    #[test]
    fn bulk_memory_pays_per_byte_as_nitros_dynamic_meter_charges() {
        let mut host = Host::new();
        let program = host
            .deploy(&filler(), crate::Address::ZERO, &[])
            .expect("it deploys");
        let ink = |host: &mut Host, n: usize| {
            let outcome = host.call(crate::Address::ZERO, program, &vec![0; n]);
            assert_eq!(outcome.result, Ok(Vec::new()));
            outcome.stats.ink
        };
        // The same instructions; 400 more bytes filled at 100 ink each.
        assert_eq!(ink(&mut host, 500) - ink(&mut host, 100), 400 * 100);
    }

    #[test]
    fn a_profile_counts_every_block_of_its_function_and_changes_no_ink() {
        let message = || Message {
            args: vec![0; 10],
            gas_limit: 10_000_000,
            ..Message::default()
        };
        let run = |runtime: Runtime| {
            let module = runtime.load(&countdown()).expect("it loads");
            runtime.run(&module, &mut Host::new(), message())
        };
        let plain = run(Runtime::new().profiling(false));
        let profiled = run(Runtime::new().profiling(true));
        assert_eq!(plain.profile, Vec::new());
        assert_eq!((profiled.exit, profiled.ink), (Exit::Success, plain.ink));
        // One function, and all of the call's instruction ink is its blocks'.
        assert_eq!(profiled.profile, vec![(0, plain.ink)]);
    }

    #[test]
    fn a_program_out_of_ink_uses_all_its_gas() {
        let runtime = Runtime::new();
        let module = runtime.load(&countdown()).expect("it loads");
        let mut host = Host::new();
        let message = |gas_limit| Message {
            args: vec![0; 1_000],
            gas_limit,
            ..Message::default()
        };
        let outcome = runtime.run(&module, &mut host, message(100));
        assert_eq!((outcome.exit, outcome.gas_used), (Exit::OutOfInk, 100));
        let outcome = runtime.run(&module, &mut host, message(10_000_000));
        assert_eq!(outcome.exit, Exit::Success);
        assert!(outcome.gas_used < 10_000_000);
        assert_eq!(outcome.gas_used, outcome.ink.div_ceil(INK_PER_GAS));
    }
}
