//! Arbitrum's precompiles that Stylus tooling touches: ArbWasm (activation
//! and its read functions), ArbSys and ArbGasInfo, with the ABI Nitro
//! publishes for them (`precompiles/ArbWasm.sol` and its siblings); the
//! functions this devnode does not serve revert without data.
//!
//! Activation records live in the ArbWasm account's storage, one slot per
//! code hash, so they are journaled, rolled back on revert and persisted
//! with the rest of the state, as ArbOS keeps them in its own state.

use alloy::{
    primitives::address,
    sol,
    sol_types::{SolCall, SolError, SolEvent, SolInterface},
};
use revm::{
    context_interface::{Block, ContextTr, JournalTr},
    interpreter::{CallInputs, Gas, InstructionResult, InterpreterResult},
    primitives::{keccak256, Address, Bytes, Log, B256, U256},
};

/// ArbSys, the system precompile.
pub const ARB_SYS: Address = address!("0x0000000000000000000000000000000000000064");
/// ArbGasInfo, gas prices.
pub const ARB_GAS_INFO: Address = address!("0x000000000000000000000000000000000000006C");
/// ArbWasm, Stylus activation.
pub const ARB_WASM: Address = address!("0x0000000000000000000000000000000000000071");

sol! {
    interface ArbWasm {
        function activateProgram(address program) external payable returns (uint16 version, uint256 dataFee);
        function stylusVersion() external view returns (uint16 version);
        function codehashVersion(bytes32 codehash) external view returns (uint16 version);
        function codehashKeepalive(bytes32 codehash) external payable;
        function codehashAsmSize(bytes32 codehash) external view returns (uint32 size);
        function programVersion(address program) external view returns (uint16 version);
        function programInitGas(address program) external view returns (uint64 gas, uint64 gasWhenCached);
        function programMemoryFootprint(address program) external view returns (uint16 footprint);
        function programTimeLeft(address program) external view returns (uint64 _secs);
        function inkPrice() external view returns (uint32 price);
        function maxStackDepth() external view returns (uint32 depth);
        function freePages() external view returns (uint16 pages);
        function pageGas() external view returns (uint16 gas);
        function pageRamp() external view returns (uint64 ramp);
        function pageLimit() external view returns (uint16 limit);
        function minInitGas() external view returns (uint64 gas, uint64 cached);
        function initCostScalar() external view returns (uint64 percent);
        function expiryDays() external view returns (uint16 _days);
        function keepaliveDays() external view returns (uint16 _days);
        function blockCacheSize() external view returns (uint16 count);
        function activationGas() external view returns (uint64 gas);
        event ProgramActivated(bytes32 indexed codehash, bytes32 moduleHash, address program, uint256 dataFee, uint16 version);
        error ProgramNotWasm();
        error ProgramNotActivated();
        error ProgramUpToDate();
        error ProgramKeepaliveTooSoon(uint64 ageInSeconds);
        error ProgramInsufficientValue(uint256 have, uint256 want);
        error ProgramNeedsUpgrade(uint16 version, uint16 stylusVersion);
    }

    interface ArbSys {
        function arbBlockNumber() external view returns (uint256);
        function arbBlockHash(uint256 arbBlockNum) external view returns (bytes32);
        function arbChainID() external view returns (uint256);
        function arbOSVersion() external view returns (uint256);
        function getStorageGasAvailable() external view returns (uint256);
        function isTopLevelCall() external view returns (bool);
        function wasMyCallersAddressAliased() external view returns (bool);
    }

    interface ArbGasInfo {
        function getPricesInWei() external view returns (uint256, uint256, uint256, uint256, uint256, uint256);
        function getMinimumGasPrice() external view returns (uint256);
        function getL1BaseFeeEstimate() external view returns (uint256);
        function getL1GasPriceEstimate() external view returns (uint256);
        function getCurrentTxL1GasFees() external view returns (uint256);
    }
}

use stylus_host::pricing::{CallCosts, Params};

use crate::{
    program,
    stylus::{revert, Arbitrum, DevContext},
    wasm_cache::{self, ARB_WASM_CACHE},
};

/// The ArbOS precompiles this devnode answers; they are warm in every
/// transaction and hold the code `0xfe` from genesis, as on Arbitrum.
pub const ADDRESSES: [Address; 4] = [ARB_SYS, ARB_GAS_INFO, ARB_WASM, ARB_WASM_CACHE];

/// The Stylus version programs are activated at (ArbOS 32+ runs version 2).
pub const STYLUS_VERSION: u16 = 2;
/// The ArbOS version ArbSys reports: `arbOSVersion()` adds 55 (ArbOS 40).
const ARBOS_VERSION: u64 = 40;
/// Ink per gas (ArbWasm `inkPrice`, its default).
pub const INK_PRICE: u32 = 10_000;
/// ArbWasm's chain parameters, at Nitro's defaults (`arbos/programs/params.go`).
const MAX_STACK_DEPTH: u32 = 262_144;
const FREE_PAGES: u16 = 2;
const PAGE_GAS: u16 = 1_000;
const PAGE_RAMP: u64 = 620_674_314;
const PAGE_LIMIT: u16 = 128;
/// Stylus call pricing: `MinInitGas`, `MinCachedInitGas`, the cost
/// scalars and the memory model's parameters, at Nitro's defaults.
pub const PRICING: Params = Params {
    min_init_gas: 69,
    min_cached_init_gas: 11,
    init_cost_scalar: 50,
    cached_cost_scalar: 50,
    free_pages: FREE_PAGES,
    page_gas: PAGE_GAS,
};
const EXPIRY_DAYS: u16 = 365;
const KEEPALIVE_DAYS: u16 = 31;
const BLOCK_CACHE_SIZE: u16 = 32;
/// The fixed part of an activation's gas (Nitro's `activationGas`).
pub const ACTIVATION_GAS: u64 = 1_659_168;
/// Activation's compile gas per KiB of wasm: an estimate (Nitro charges by
/// the measured cost of compiling), said so in docs/devnode.md.
const COMPILE_GAS_PER_KIB: u64 = 11_000;
/// The data fee, in wei per byte of wasm: an estimate of the order of
/// Arbitrum One's (Nitro prices it with a dynamic "data pricer").
const DATA_FEE_PER_BYTE: u64 = 2_000_000_000;
/// Gas of a precompile read that touches ArbOS storage.
pub const READ_GAS: u64 = 800;
/// Arbitrum's minimum gas price, 0.1 gwei: the devnode's base fee.
pub const MIN_GAS_PRICE: u64 = 100_000_000;

/// What activation stored for a code hash, and whether the program is in
/// the cache (ArbWasmCache).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Activation {
    /// The Stylus version it was activated at ([`STYLUS_VERSION`]); a program
    /// at an older one may be activated again, and cannot be cached until it
    /// is (`ProgramNeedsUpgrade`).
    pub version: u16,
    /// Nitro's estimate of the compiled size (`codehashAsmSize`).
    pub asm_size: u32,
    /// The activating block's timestamp (unix seconds): `programTimeLeft` and
    /// `codehashKeepalive` count the program's age from it.
    pub activated_at: u64,
    /// What a call pays to enter it, from its wasm (Nitro's formulas).
    pub costs: CallCosts,
    /// Whether it is in the cache (ArbWasmCache `cacheProgram`), where a call
    /// pays only its cached init gas.
    pub cached: bool,
}

impl Activation {
    fn pack(self) -> U256 {
        U256::from(self.version)
            | (U256::from(self.asm_size) << 16)
            | (U256::from(self.activated_at) << 48)
            | (U256::from(self.costs.init_cost) << 112)
            | (U256::from(self.costs.cached_init_cost) << 128)
            | (U256::from(self.costs.footprint) << 144)
            | (U256::from(u8::from(self.cached)) << 160)
    }

    #[allow(clippy::cast_possible_truncation)] // each field is masked to its width
    fn unpack(word: U256) -> Option<Self> {
        if word.is_zero() {
            return None;
        }
        let field = |shift: usize, bits: usize| -> u64 {
            ((word >> shift) & ((U256::from(1) << bits) - U256::from(1))).saturating_to()
        };
        let asm_size = field(16, 32) as u32;
        Some(Activation {
            version: field(0, 16) as u16,
            asm_size,
            activated_at: field(48, 64),
            costs: CallCosts {
                init_cost: field(112, 16) as u16,
                cached_init_cost: field(128, 16) as u16,
                footprint: field(144, 16) as u16,
                asm_estimate: asm_size,
            },
            cached: field(160, 8) != 0,
        })
    }

    /// What a call pays to enter the program, memory aside: its cached
    /// init gas, and its init gas unless it is cached.
    #[must_use]
    pub fn entry_gas(&self) -> u64 {
        PRICING.entry_gas(&self.costs, self.cached)
    }
}

fn load_arbos(ctx: &mut DevContext) {
    // The account is in every state from genesis; loading it makes its
    // storage reachable through the journal.
    match ctx.journal_mut().load_account(ARB_WASM) {
        Ok(_) => {}
        Err(never) => match never {},
    }
}

/// The activation record of a code hash.
pub fn activation(ctx: &mut DevContext, codehash: B256) -> Option<Activation> {
    load_arbos(ctx);
    let word = match ctx
        .journal_mut()
        .sload(ARB_WASM, U256::from_be_bytes(codehash.0))
    {
        Ok(load) => load.data,
        Err(never) => match never {},
    };
    Activation::unpack(word)
}

/// Stores the activation record of a code hash.
pub fn store_activation(ctx: &mut DevContext, codehash: B256, record: Activation) {
    load_arbos(ctx);
    if let Err(never) =
        ctx.journal_mut()
            .sstore(ARB_WASM, U256::from_be_bytes(codehash.0), record.pack())
    {
        match never {}
    }
}

/// `ProgramNotActivated()`, the revert of a call to a program not activated.
#[must_use]
pub fn program_not_activated() -> Bytes {
    ArbWasm::ProgramNotActivated {}.abi_encode().into()
}

/// A successful answer with `output`.
#[must_use]
pub fn ok(gas: Gas, output: Vec<u8>) -> InterpreterResult {
    InterpreterResult {
        result: InstructionResult::Return,
        output: output.into(),
        gas,
    }
}

/// A call that used all its gas.
#[must_use]
pub fn out_of_gas(limit: u64) -> InterpreterResult {
    let mut gas = Gas::new(limit);
    gas.spend_all();
    InterpreterResult {
        result: InstructionResult::OutOfGas,
        output: Bytes::new(),
        gas,
    }
}

/// Answers a call to one of the ArbOS precompiles, or `None` for any other
/// address.
pub fn run(
    arbitrum: &Arbitrum,
    ctx: &mut DevContext,
    inputs: &CallInputs,
) -> Option<InterpreterResult> {
    let input = inputs.input.as_bytes(&*ctx).to_vec();
    match inputs.bytecode_address {
        ARB_WASM => Some(arb_wasm(arbitrum, ctx, inputs, &input)),
        ARB_SYS => Some(arb_sys(ctx, inputs, &input)),
        ARB_GAS_INFO => Some(arb_gas_info(inputs, &input)),
        ARB_WASM_CACHE => Some(wasm_cache::run(
            ctx,
            inputs,
            &input,
            arbitrum.programs().chain_owner,
        )),
        _ => None,
    }
}

fn arb_sys(ctx: &mut DevContext, inputs: &CallInputs, input: &[u8]) -> InterpreterResult {
    use ArbSys::ArbSysCalls as C;
    let mut gas = Gas::new(inputs.gas_limit);
    if !gas.record_regular_cost(READ_GAS) {
        return out_of_gas(inputs.gas_limit);
    }
    let number = U256::from(ctx.block.number());
    let output = match C::abi_decode(input) {
        Ok(C::arbBlockNumber(_)) => ArbSys::arbBlockNumberCall::abi_encode_returns(&number),
        Ok(C::arbChainID(_)) => {
            ArbSys::arbChainIDCall::abi_encode_returns(&U256::from(ctx.cfg.chain_id))
        }
        Ok(C::arbOSVersion(_)) => {
            ArbSys::arbOSVersionCall::abi_encode_returns(&U256::from(55 + ARBOS_VERSION))
        }
        Ok(C::arbBlockHash(call)) => {
            // Blocks are the devnode's; it answers the hash it can know
            // cheaply (none) as zero rather than inventing one.
            let _ = call;
            ArbSys::arbBlockHashCall::abi_encode_returns(&B256::ZERO)
        }
        Ok(C::isTopLevelCall(_)) => {
            ArbSys::isTopLevelCallCall::abi_encode_returns(&(ctx.journal_mut().depth() <= 2))
        }
        Ok(C::wasMyCallersAddressAliased(_)) => {
            ArbSys::wasMyCallersAddressAliasedCall::abi_encode_returns(&false)
        }
        Ok(C::getStorageGasAvailable(_)) => {
            ArbSys::getStorageGasAvailableCall::abi_encode_returns(&U256::ZERO)
        }
        // L1 messaging has no L1 here.
        _ => return revert(gas, Bytes::new()),
    };
    ok(gas, output)
}

fn arb_gas_info(inputs: &CallInputs, input: &[u8]) -> InterpreterResult {
    use ArbGasInfo::ArbGasInfoCalls as C;
    let mut gas = Gas::new(inputs.gas_limit);
    if !gas.record_regular_cost(READ_GAS) {
        return out_of_gas(inputs.gas_limit);
    }
    let price = U256::from(MIN_GAS_PRICE);
    let zero = U256::ZERO;
    let output = match C::abi_decode(input) {
        // (per L2 tx, per L1 calldata byte, per storage allocation, per ArbGas
        // base, congestion, total): no L1 component on a devnode.
        Ok(C::getPricesInWei(_)) => {
            ArbGasInfo::getPricesInWeiCall::abi_encode_returns(&ArbGasInfo::getPricesInWeiReturn {
                _0: zero,
                _1: zero,
                _2: zero,
                _3: price,
                _4: zero,
                _5: price,
            })
        }
        Ok(C::getMinimumGasPrice(_)) => {
            ArbGasInfo::getMinimumGasPriceCall::abi_encode_returns(&price)
        }
        Ok(C::getL1BaseFeeEstimate(_)) => {
            ArbGasInfo::getL1BaseFeeEstimateCall::abi_encode_returns(&zero)
        }
        Ok(C::getL1GasPriceEstimate(_)) => {
            ArbGasInfo::getL1GasPriceEstimateCall::abi_encode_returns(&zero)
        }
        Ok(C::getCurrentTxL1GasFees(_)) => {
            ArbGasInfo::getCurrentTxL1GasFeesCall::abi_encode_returns(&zero)
        }
        _ => return revert(gas, Bytes::new()),
    };
    ok(gas, output)
}

fn arb_wasm(
    arbitrum: &Arbitrum,
    ctx: &mut DevContext,
    inputs: &CallInputs,
    input: &[u8],
) -> InterpreterResult {
    use ArbWasm::ArbWasmCalls as C;
    let mut gas = Gas::new(inputs.gas_limit);
    let Ok(call) = C::abi_decode(input) else {
        return revert(gas, Bytes::new());
    };
    if !gas.record_regular_cost(READ_GAS) {
        return out_of_gas(inputs.gas_limit);
    }
    let by_hash = |ctx: &mut DevContext, hash: B256| activation(ctx, hash);
    let by_program = |ctx: &mut DevContext, program: Address| {
        let hash = match ctx.journal_mut().code_hash(program) {
            Ok(load) => load.data,
            Err(never) => match never {},
        };
        activation(ctx, hash)
    };
    let not_activated = || program_not_activated();
    let output = match call {
        // Activation meters its own gas.
        C::activateProgram(call) => return activate(arbitrum, ctx, inputs, call.program),
        C::stylusVersion(_) => ArbWasm::stylusVersionCall::abi_encode_returns(&STYLUS_VERSION),
        C::inkPrice(_) => ArbWasm::inkPriceCall::abi_encode_returns(&INK_PRICE),
        C::maxStackDepth(_) => ArbWasm::maxStackDepthCall::abi_encode_returns(&MAX_STACK_DEPTH),
        C::freePages(_) => ArbWasm::freePagesCall::abi_encode_returns(&FREE_PAGES),
        C::pageGas(_) => ArbWasm::pageGasCall::abi_encode_returns(&PAGE_GAS),
        C::pageRamp(_) => ArbWasm::pageRampCall::abi_encode_returns(&PAGE_RAMP),
        C::pageLimit(_) => ArbWasm::pageLimitCall::abi_encode_returns(&PAGE_LIMIT),
        C::minInitGas(_) => {
            ArbWasm::minInitGasCall::abi_encode_returns(&ArbWasm::minInitGasReturn {
                gas: u64::from(PRICING.min_init_gas) * 128,
                cached: u64::from(PRICING.min_cached_init_gas) * 32,
            })
        }
        C::initCostScalar(_) => ArbWasm::initCostScalarCall::abi_encode_returns(
            &(u64::from(PRICING.init_cost_scalar) * 2),
        ),
        C::expiryDays(_) => ArbWasm::expiryDaysCall::abi_encode_returns(&EXPIRY_DAYS),
        C::keepaliveDays(_) => ArbWasm::keepaliveDaysCall::abi_encode_returns(&KEEPALIVE_DAYS),
        C::blockCacheSize(_) => ArbWasm::blockCacheSizeCall::abi_encode_returns(&BLOCK_CACHE_SIZE),
        C::activationGas(_) => ArbWasm::activationGasCall::abi_encode_returns(&ACTIVATION_GAS),
        C::codehashVersion(call) => match by_hash(ctx, call.codehash) {
            Some(a) => ArbWasm::codehashVersionCall::abi_encode_returns(&a.version),
            None => return revert(gas, not_activated()),
        },
        C::codehashAsmSize(call) => match by_hash(ctx, call.codehash) {
            Some(a) => ArbWasm::codehashAsmSizeCall::abi_encode_returns(&a.asm_size),
            None => return revert(gas, not_activated()),
        },
        C::codehashKeepalive(call) => match by_hash(ctx, call.codehash) {
            // Programs never expire here, so a keepalive is always too soon.
            Some(a) => {
                let age = ctx
                    .block
                    .timestamp()
                    .saturating_to::<u64>()
                    .saturating_sub(a.activated_at);
                return revert(
                    gas,
                    ArbWasm::ProgramKeepaliveTooSoon { ageInSeconds: age }
                        .abi_encode()
                        .into(),
                );
            }
            None => return revert(gas, not_activated()),
        },
        C::programVersion(call) => match by_program(ctx, call.program) {
            Some(a) => ArbWasm::programVersionCall::abi_encode_returns(&a.version),
            None => return revert(gas, not_activated()),
        },
        C::programInitGas(call) => match by_program(ctx, call.program) {
            // (uncached, cached), as Nitro answers for a v2 program.
            Some(a) => {
                ArbWasm::programInitGasCall::abi_encode_returns(&ArbWasm::programInitGasReturn {
                    gas: PRICING.entry_gas(&a.costs, false),
                    gasWhenCached: PRICING.cached_gas(&a.costs),
                })
            }
            None => return revert(gas, not_activated()),
        },
        C::programMemoryFootprint(call) => match by_program(ctx, call.program) {
            Some(a) => ArbWasm::programMemoryFootprintCall::abi_encode_returns(&a.costs.footprint),
            None => return revert(gas, not_activated()),
        },
        C::programTimeLeft(call) => match by_program(ctx, call.program) {
            Some(a) => {
                let age = ctx
                    .block
                    .timestamp()
                    .saturating_to::<u64>()
                    .saturating_sub(a.activated_at);
                let life = u64::from(EXPIRY_DAYS) * 86_400;
                ArbWasm::programTimeLeftCall::abi_encode_returns(&life.saturating_sub(age))
            }
            None => return revert(gas, not_activated()),
        },
    };
    ok(gas, output)
}

/// `activateProgram(program)`: checks the program as a chain does before
/// activation, charges the data fee from the call's value and refunds the
/// rest to the caller as a plain balance transfer.
fn activate(
    arbitrum: &Arbitrum,
    ctx: &mut DevContext,
    inputs: &CallInputs,
    program: Address,
) -> InterpreterResult {
    let mut gas = Gas::new(inputs.gas_limit);
    if inputs.is_static {
        return revert(gas, Bytes::new());
    }
    let (hash, code) = match ctx.journal_mut().load_account_with_code(program) {
        Ok(load) => (
            load.data.info.code_hash,
            load.data
                .info
                .code
                .as_ref()
                .map(|code| code.original_bytes())
                .unwrap_or_default(),
        ),
        Err(never) => match never {},
    };
    let not_wasm = || ArbWasm::ProgramNotWasm {}.abi_encode().into();
    let wasm = match program::decompress(&code) {
        Ok(wasm) => wasm,
        Err(err) => {
            tracing::info!(%program, "activation refused: {err}");
            return revert(gas, not_wasm());
        }
    };
    let compile_gas = (wasm.len() as u64).div_ceil(1024) * COMPILE_GAS_PER_KIB;
    if !gas.record_regular_cost(ACTIVATION_GAS + compile_gas) {
        return out_of_gas(inputs.gas_limit);
    }
    if activation(ctx, hash).is_some_and(|a| a.version == STYLUS_VERSION) {
        return revert(gas, ArbWasm::ProgramUpToDate {}.abi_encode().into());
    }
    if let Err(err) = arbitrum.programs().module(hash, &code) {
        tracing::info!(%program, "activation refused: {err}");
        return revert(gas, not_wasm());
    }
    let costs = match stylus_host::pricing::call_costs(&wasm) {
        Ok(costs) => costs,
        Err(err) => {
            tracing::info!(%program, "activation refused: {err}");
            return revert(gas, not_wasm());
        }
    };
    let data_fee = U256::from(wasm.len() as u64 * DATA_FEE_PER_BYTE);
    let value = inputs.value.get();
    if value < data_fee {
        return revert(
            gas,
            ArbWasm::ProgramInsufficientValue {
                have: value,
                want: data_fee,
            }
            .abi_encode()
            .into(),
        );
    }
    if value > data_fee {
        // The value reached this account before the call ran; the excess goes
        // back to the caller without running its code (StylusDeployer has no
        // receive function).
        match ctx
            .journal_mut()
            .transfer(ARB_WASM, inputs.caller, value - data_fee)
        {
            Ok(None) => {}
            Ok(Some(err)) => {
                tracing::error!("activation refund failed: {err:?}");
                return revert(gas, Bytes::new());
            }
            Err(never) => match never {},
        }
    }
    // A cached program activated again stays cached, as on Nitro.
    let cached = activation(ctx, hash).is_some_and(|a| a.cached);
    let record = Activation {
        version: STYLUS_VERSION,
        asm_size: costs.asm_estimate.div_ceil(1024).saturating_mul(1024),
        activated_at: ctx.block.timestamp().saturating_to(),
        costs,
        cached,
    };
    store_activation(ctx, hash, record);
    let event = ArbWasm::ProgramActivated {
        codehash: hash,
        moduleHash: keccak256(&wasm),
        program,
        dataFee: data_fee,
        version: STYLUS_VERSION,
    };
    ctx.journal_mut().log(Log {
        address: ARB_WASM,
        data: event.encode_log_data(),
    });
    tracing::info!(%program, %hash, %data_fee, "program activated");
    ok(
        gas,
        ArbWasm::activateProgramCall::abi_encode_returns(&ArbWasm::activateProgramReturn {
            version: STYLUS_VERSION,
            dataFee: data_fee,
        }),
    )
}
