//! What Nitro charges to enter a program, besides its ink: the init costs
//! activation derives from the wasm (`crates/prover/src/binary.rs` in Nitro,
//! `WasmBinary::instrument`'s prediction), their gas under ArbOS's
//! parameters (`arbos/programs/programs.go`: `initGas`, `cachedGas`), and
//! the memory model that prices a transaction's wasm pages
//! (`arbos/programs/memory.go`). Written here from Nitro's formulas; the
//! tests pin figures worked out by hand.

use wasmparser::{CompositeInnerType, Parser, Payload, TypeRef};

/// What activation stores to price calls into a program.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallCosts {
    /// Cost units of instantiating the program when it is not cached.
    pub init_cost: u16,
    /// Cost units of instantiating it from the cache.
    pub cached_init_cost: u16,
    /// Its memory's initial pages.
    pub footprint: u16,
    /// Nitro's estimate of its compiled size, in bytes.
    pub asm_estimate: u32,
}

/// Why activation refuses to price a program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CostError {
    /// The wasm does not parse; the parser's message.
    Parse(String),
    /// Nitro stores the costs as 16-bit numbers and refuses larger ones.
    InitCostTooHigh(u64),
    /// The cached init cost, past the 16 bits Nitro stores it in.
    CachedCostTooHigh(u64),
    /// The compiled-size estimate, in bytes, past the 32 bits Nitro stores it in.
    AsmTooLarge(u64),
}

impl core::fmt::Display for CostError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CostError::Parse(err) => write!(f, "the wasm does not parse: {err}"),
            CostError::InitCostTooHigh(cost) => write!(f, "init cost too high: {cost}"),
            CostError::CachedCostTooHigh(cost) => write!(f, "cached init cost too high: {cost}"),
            CostError::AsmTooLarge(size) => write!(f, "compiled size estimate too high: {size}"),
        }
    }
}

impl std::error::Error for CostError {}

/// Globals Nitro's instrumentation adds to every program (ink left, ink
/// status, a scratch global, stack left): they count in the cached cost.
const INSTRUMENTATION_GLOBALS: u64 = 4;

/// The costs activation derives from `wasm` (the uncompressed module as
/// deployed, custom sections included), for a Stylus v2 program.
///
/// # Errors
///
/// The module does not parse, or a cost does not fit Nitro's storage.
pub fn call_costs(wasm: &[u8]) -> Result<CallCosts, CostError> {
    let parse = |e: wasmparser::BinaryReaderError| CostError::Parse(e.to_string());
    let mut type_arity: Vec<u64> = Vec::new();
    let (mut funcs, mut type_len, mut globals, mut data_len, mut footprint) = (0u64, 0, 0, 0, 0);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(parse)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for ty in group.map_err(parse)?.into_types() {
                        let arity = match &ty.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                (f.params().len() + f.results().len()) as u64
                            }
                            _ => 0,
                        };
                        type_arity.push(arity);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                // Imports are not the program's functions; only functions
                // may be imported by a Stylus program.
                for import in reader {
                    let _: TypeRef = import.map_err(parse)?.ty;
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    let ty = ty.map_err(parse)? as usize;
                    funcs += 1;
                    type_len += type_arity.get(ty).copied().unwrap_or(0);
                }
            }
            Payload::GlobalSection(reader) => globals += u64::from(reader.count()),
            Payload::MemorySection(reader) => {
                for memory in reader {
                    footprint = memory.map_err(parse)?.initial;
                }
            }
            // The whole encoded segment counts, header and all.
            Payload::DataSection(reader) => {
                for data in reader {
                    let range = data.map_err(parse)?.range;
                    data_len += (range.end - range.start) as u64;
                }
            }
            Payload::ElementSection(reader) => {
                for element in reader {
                    let range = element.map_err(parse)?.range;
                    data_len += (range.end - range.start) as u64;
                }
            }
            _ => {}
        }
    }
    let wasm_len = wasm.len() as u64;
    let globals = globals + INSTRUMENTATION_GLOBALS;
    // Each term rounds down on its own, as Nitro computes them.
    let cached_init = funcs * 13_420 / 100_000
        + type_len * 89 / 100_000
        + wasm_len * 122 / 100_000
        + globals * 1_628 / 1_000
        + data_len * 75_244 / 100_000
        + footprint * 5;
    // Stylus v2: the cached part is charged apart.
    let init = funcs * 8_252 / 1_000 + type_len * 1_059 / 1_000 + wasm_len * 1_286 / 10_000;
    let asm_estimate =
        512_000 + funcs * 996_829 / 1_000 + type_len * 11_416 / 1_000 + wasm_len * 62_628 / 10_000;
    Ok(CallCosts {
        init_cost: u16::try_from(init).map_err(|_| CostError::InitCostTooHigh(init))?,
        cached_init_cost: u16::try_from(cached_init)
            .map_err(|_| CostError::CachedCostTooHigh(cached_init))?,
        footprint: u16::try_from(footprint).unwrap_or(u16::MAX),
        asm_estimate: u32::try_from(asm_estimate)
            .map_err(|_| CostError::AsmTooLarge(asm_estimate))?,
    })
}

/// ArbOS's Stylus pricing parameters (`arbos/programs/params.go`), at
/// their defaults from ArbOS 31 on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    /// `MinInitGas`, in units of 128 gas.
    pub min_init_gas: u8,
    /// `MinCachedInitGas`, in units of 32 gas.
    pub min_cached_init_gas: u8,
    /// `InitCostScalar`, in 2% steps (50 is 100%).
    pub init_cost_scalar: u8,
    /// `CachedCostScalar`, in 2% steps.
    pub cached_cost_scalar: u8,
    /// Pages a transaction has for free.
    pub free_pages: u16,
    /// Gas per page beyond them.
    pub page_gas: u16,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            min_init_gas: 69,
            min_cached_init_gas: 11,
            init_cost_scalar: 50,
            cached_cost_scalar: 50,
            free_pages: 2,
            page_gas: 1_000,
        }
    }
}

impl Params {
    /// The gas of instantiating a program that is not cached (charged on
    /// top of [`Params::cached_gas`] for a v2 program).
    #[must_use]
    pub fn init_gas(&self, costs: &CallCosts) -> u64 {
        let base = u64::from(self.min_init_gas) * 128;
        let dynamic = u64::from(costs.init_cost) * u64::from(self.init_cost_scalar) * 2;
        base + dynamic.div_ceil(100)
    }

    /// The gas of instantiating a program, cached or not.
    #[must_use]
    pub fn cached_gas(&self, costs: &CallCosts) -> u64 {
        let base = u64::from(self.min_cached_init_gas) * 32;
        let dynamic = u64::from(costs.cached_init_cost) * u64::from(self.cached_cost_scalar) * 2;
        base + dynamic.div_ceil(100)
    }

    /// What entering a program costs besides its memory: the cached gas,
    /// and the init gas unless it is cached.
    #[must_use]
    pub fn entry_gas(&self, costs: &CallCosts, cached: bool) -> u64 {
        let cached_gas = self.cached_gas(costs);
        if cached {
            cached_gas
        } else {
            cached_gas.saturating_add(self.init_gas(costs))
        }
    }

    /// The gas of opening `new` pages while `open` are open and `ever` have
    /// been in this transaction: linear beyond the free pages, plus the
    /// growth of an exponential in the transaction's high-water mark.
    #[must_use]
    pub fn memory_gas(&self, new: u16, open: u16, ever: u16) -> u64 {
        let new_open = open.saturating_add(new);
        let new_ever = ever.max(new_open);
        if new_ever <= self.free_pages {
            return 0;
        }
        let beyond_free = |pages: u16| pages.saturating_sub(self.free_pages);
        let adding = beyond_free(new_open).saturating_sub(beyond_free(open));
        let linear = u64::from(adding) * u64::from(self.page_gas);
        linear.saturating_add(exponential(new_ever).saturating_sub(exponential(ever)))
    }
}

/// `floor(b^pages)` with `b^128 = 31,874,000`: Nitro's table of page
/// exponents (129 entries); past 128 pages, unbounded.
fn exponential(pages: u16) -> u64 {
    if pages > 128 {
        return u64::MAX;
    }
    let base = (31_874_000f64.ln() / 128.0).exp();
    // The floor of a value within 1..=31,874,000.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let gas = base.powf(f64::from(pages)).floor() as u64;
    gas
}

/// Pages a transaction's programs hold: open now, and the most ever open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pages {
    /// Pages the programs now running in the transaction hold.
    pub open: u16,
    /// The most pages open at once so far in the transaction.
    pub ever: u16,
}

impl Pages {
    /// Opens `new` pages: what they cost under `params`, and the pages
    /// before (to restore `open` when the call that opened them returns).
    pub fn add(&mut self, params: &Params, new: u16) -> (u64, Pages) {
        let before = *self;
        let gas = params.memory_gas(new, self.open, self.ever);
        self.open = self.open.saturating_add(new);
        self.ever = self.ever.max(self.open);
        (gas, before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_exponents_are_nitros_table() {
        // Entries of `memoryExponents` in Nitro's arbos/programs/memory.go.
        for (pages, value) in [
            (0, 1),
            (5, 1),
            (6, 2),
            (9, 3),
            (36, 128),
            (64, 5_645),
            (100, 727_880),
            (127, 27_849_408),
            (128, 31_873_999),
        ] {
            assert_eq!(exponential(pages), value, "{pages} pages");
        }
        assert_eq!(exponential(129), u64::MAX);
    }

    #[test]
    fn memory_is_free_up_to_two_pages_then_linear_plus_the_high_water_mark() {
        let params = Params::default();
        assert_eq!(params.memory_gas(2, 0, 0), 0);
        // A third page: 1,000 linear and exp(3) - exp(0) = 0.
        assert_eq!(params.memory_gas(1, 2, 2), 1_000);
        // 10 pages at once from nothing: 8 linear, exp(10) - exp(0) = 2.
        assert_eq!(params.memory_gas(10, 0, 0), 8_002);
        // Reopening pages under the high-water mark pays only the linear part.
        assert_eq!(params.memory_gas(2, 2, 10), 2_000);
        let mut pages = Pages::default();
        assert_eq!(pages.add(&params, 2).0, 0);
        assert_eq!(pages.add(&params, 2).0, 2_000);
        assert_eq!(pages, Pages { open: 4, ever: 4 });
    }

    #[test]
    fn init_gas_follows_arbos_defaults() {
        let params = Params::default();
        let costs = CallCosts {
            init_cost: 9_376,
            cached_init_cost: 3_873,
            footprint: 2,
            asm_estimate: 0,
        };
        // 69 * 128 + 9,376 and 11 * 32 + 3,873.
        assert_eq!(params.init_gas(&costs), 18_208);
        assert_eq!(params.cached_gas(&costs), 4_225);
        assert_eq!(params.entry_gas(&costs, false), 22_433);
        assert_eq!(params.entry_gas(&costs, true), 4_225);
        // A scalar below 100% rounds up.
        let half = Params {
            init_cost_scalar: 25,
            ..params
        };
        assert_eq!(
            half.init_gas(&CallCosts {
                init_cost: 3,
                ..costs
            }),
            8_832 + 2
        );
    }
}

#[cfg(test)]
mod module_tests {
    use wasm_encoder::{
        CodeSection, ConstExpr, DataSection, EntityType, ExportKind, ExportSection, Function,
        FunctionSection, GlobalSection, GlobalType, ImportSection, Instruction, MemorySection,
        MemoryType, Module, TypeSection, ValType,
    };

    use super::*;

    /// The fixture the devnode's pricing test deploys: one import (not
    /// counted), three functions of types `(i32) -> i32`, `() -> ()` and
    /// `(i32) -> i32`, one global, three pages of memory (that cannot grow,
    /// so it needs no `pay_for_memory_grow`) and one 20-byte data segment;
    /// its entry point returns 0 with no output.
    const FIXTURE: &[u8] = include_bytes!("../../devnode/tests/fixtures/priced.wasm");

    fn program() -> Vec<u8> {
        let mut module = Module::new();
        let mut types = TypeSection::new();
        types.ty().function([ValType::I32], [ValType::I32]);
        types.ty().function([], []);
        types.ty().function([ValType::I32], []);
        module.section(&types);
        let mut imports = ImportSection::new();
        imports.import("vm_hooks", "read_args", EntityType::Function(2));
        module.section(&imports);
        let mut functions = FunctionSection::new();
        for ty in [0, 1, 0] {
            functions.function(ty);
        }
        module.section(&functions);
        let mut memories = MemorySection::new();
        memories.memory(MemoryType {
            minimum: 3,
            maximum: Some(3),
            memory64: false,
            shared: false,
            page_size_log2: None,
        });
        module.section(&memories);
        let mut globals = GlobalSection::new();
        let counter = GlobalType {
            val_type: ValType::I32,
            mutable: true,
            shared: false,
        };
        globals.global(counter, &ConstExpr::i32_const(0));
        module.section(&globals);
        let mut exports = ExportSection::new();
        exports.export("user_entrypoint", ExportKind::Func, 1);
        exports.export("memory", ExportKind::Memory, 0);
        module.section(&exports);
        let mut code = CodeSection::new();
        for body in [
            &[Instruction::I32Const(0), Instruction::End][..],
            &[Instruction::End][..],
            &[Instruction::I32Const(1), Instruction::End][..],
        ] {
            let mut function = Function::new([]);
            for instruction in body {
                function.instruction(instruction);
            }
            code.function(&function);
        }
        module.section(&code);
        let mut data = DataSection::new();
        data.active(0, &ConstExpr::i32_const(0), [7u8; 20]);
        module.section(&data);
        module.finish()
    }

    #[test]
    fn the_fixture_is_this_module() {
        assert_eq!(program(), FIXTURE);
    }

    #[test]
    fn activation_costs_follow_nitros_formulas_worked_by_hand() {
        // funcs 3, type_len 2 + 0 + 2 = 4, wasm_len 141, globals 1 + 4 = 5,
        // data 25 bytes (flags 1, offset expression 3, length 1, bytes 20),
        // footprint 3 pages.
        assert_eq!(FIXTURE.len(), 141);
        // cached: 3*13420/1e5 = 0, 4*89/1e5 = 0, 141*122/1e5 = 0,
        // 5*1628/1000 = 8, 25*75244/1e5 = 18, 3*5 = 15: 41.
        // init: 3*8252/1000 = 24, 4*1059/1000 = 4, 141*1286/1e4 = 18: 46.
        // asm: 512,000 + 2,990 + 45 + 883 = 515,918.
        assert_eq!(
            call_costs(FIXTURE),
            Ok(CallCosts {
                init_cost: 46,
                cached_init_cost: 41,
                footprint: 3,
                asm_estimate: 515_918,
            })
        );
        let costs = call_costs(FIXTURE).unwrap_or_default();
        let params = Params::default();
        // 8,832 + 46 and 352 + 41.
        assert_eq!(params.init_gas(&costs), 8_878);
        assert_eq!(params.cached_gas(&costs), 393);
        assert_eq!(params.entry_gas(&costs, false), 9_271);
    }

    #[test]
    fn garbage_is_refused() {
        assert!(matches!(call_costs(b"not wasm"), Err(CostError::Parse(_))));
    }
}
