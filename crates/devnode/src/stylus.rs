//! Stylus programs inside revm.
//!
//! revm runs every call frame; before it interprets a frame's code it asks
//! its precompile provider whether the target is one. `Arbitrum` is that
//! provider: it answers for Ethereum's precompiles, Arbitrum's (ArbWasm,
//! ArbSys, ArbGasInfo), and for every account whose code is an activated
//! Stylus program, which it runs on `stylus-host`'s wasm engine. revm has
//! already opened the frame's checkpoint and moved its value, and commits or
//! reverts it from the result, as for any precompile.
//!
//! A program's own calls (`call_contract`, `create1`, ...) run as nested
//! frames on the same journal: `ChainEnv` builds a second `Evm` over the same
//! context and runs revm's frame loop on the call, so a Stylus program can
//! call EVM code, EVM code can call it back, and all of them share one
//! state, one journal and one shared-memory buffer.

use std::{cell::RefCell, collections::HashMap, convert::Infallible, rc::Rc};

use stylus_host::pricing::Pages;

use revm::{
    context::{BlockEnv, CfgEnv, Evm, Journal, TxEnv},
    context_interface::{
        result::{EVMError, InvalidTransaction},
        Block, ContextTr, JournalTr, LocalContextTr, Transaction,
    },
    database::{CacheDB, EmptyDB},
    handler::{
        instructions::EthInstructions, EthFrame, EthPrecompiles, Handler, MainnetHandler,
        PrecompileProvider,
    },
    interpreter::interpreter_action::FrameInit,
    interpreter::{
        interpreter::EthInterpreter, CallInput, CallInputs, CallScheme, CallValue, CreateInputs,
        CreateScheme, FrameInput, Gas, InstructionResult, InterpreterResult, SharedMemory,
    },
    primitives::{hardfork::SpecId, Address, AddressSet, Bytes, Log, LogData, B256, U256},
    Context,
};
use stylus_host::{
    BlockInfo, CallKind, CallResult, Env, Exit, Message, OutCall, OutCreate, Runtime,
};

use crate::{arbos, program};

/// The devnode's database: accounts, code and storage in memory.
pub type Db = CacheDB<EmptyDB>;
/// revm's context over it.
pub type DevContext = Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>;
/// An EVM over a borrowed context, with Arbitrum's precompiles and programs.
pub type DevEvm<'a> = Evm<
    &'a mut DevContext,
    (),
    EthInstructions<EthInterpreter, &'a mut DevContext>,
    Arbitrum,
    EthFrame<EthInterpreter>,
>;
/// revm's error for this database.
pub type DevError = EVMError<Infallible, InvalidTransaction>;
/// The handler that runs transactions and frames.
pub type DevHandler<'a> = MainnetHandler<DevEvm<'a>, DevError, EthFrame<EthInterpreter>>;

/// An EVM over `ctx`.
pub fn evm(ctx: &mut DevContext, arbitrum: Arbitrum) -> DevEvm<'_> {
    let spec = ctx.cfg.spec;
    Evm::new(ctx, EthInstructions::new_mainnet_with_spec(spec), arbitrum)
}

/// Compiled programs and the calls open into each account.
#[derive(Default)]
pub struct Programs {
    runtime: Runtime,
    /// wasmi modules by code hash: a compile cache, not state.
    modules: RefCell<HashMap<B256, stylus_host::Module>>,
    /// Open Stylus calls per contract, for `msg_reentrant`.
    open: RefCell<HashMap<Address, u32>>,
    /// The chain owner: who may cache programs (ArbWasmCache).
    pub chain_owner: Address,
}

impl Programs {
    /// Programs on a chain owned by `chain_owner`.
    #[must_use]
    pub fn new(chain_owner: Address) -> Self {
        Programs {
            chain_owner,
            ..Programs::default()
        }
    }

    /// The compiled module for `code` (a deployed program), cached by hash.
    ///
    /// # Errors
    ///
    /// `code` is not a program this chain reads ([`program::ProgramError::Code`]),
    /// or its wasm fails the pre-activation checks or wasmi rejects it
    /// ([`program::ProgramError::Load`]).
    pub fn module(
        &self,
        hash: B256,
        code: &[u8],
    ) -> Result<stylus_host::Module, program::ProgramError> {
        if let Some(module) = self.modules.borrow().get(&hash) {
            return Ok(module.clone());
        }
        let wasm = program::decompress(code)?;
        let module = self.runtime.load(&wasm)?;
        self.modules.borrow_mut().insert(hash, module.clone());
        Ok(module)
    }
}

/// The precompile provider: Ethereum's precompiles, Arbitrum's, and Stylus
/// programs. One is made per transaction: it holds the transaction's wasm
/// pages, which Nitro prices across all the programs a transaction calls.
#[derive(Clone)]
pub struct Arbitrum {
    eth: EthPrecompiles,
    warm: AddressSet,
    programs: Rc<Programs>,
    pages: Rc<RefCell<Pages>>,
}

impl Arbitrum {
    /// A provider for one transaction: Prague's Ethereum precompiles and the
    /// ArbOS ones, all warm (EIP-2929), and the chain's `programs`.
    pub fn new(programs: Rc<Programs>) -> Self {
        let eth = EthPrecompiles::new(SpecId::PRAGUE);
        let mut warm = AddressSet::default();
        warm.clone_from(eth.warm_addresses());
        warm.extend(arbos::ADDRESSES);
        Arbitrum {
            eth,
            warm,
            programs,
            pages: Rc::default(),
        }
    }

    /// The chain's compiled programs and its owner.
    #[must_use]
    pub fn programs(&self) -> &Programs {
        &self.programs
    }

    /// Runs the program at `inputs.bytecode_address` (code `code`, hash
    /// `hash`) in the frame revm opened for it.
    fn run_program(
        &self,
        ctx: &mut DevContext,
        inputs: &CallInputs,
        hash: B256,
        code: &[u8],
    ) -> InterpreterResult {
        let mut gas = Gas::new(inputs.gas_limit);
        let Some(activation) = arbos::activation(ctx, hash) else {
            return revert(gas, arbos::program_not_activated());
        };
        // Entering a program pays for its memory beyond the pages the
        // transaction has open and for instantiating it: its cached init
        // gas, and its init gas unless it is in the cache (Nitro's
        // `CallProgram`).
        let (memory, pages) = self
            .pages
            .borrow_mut()
            .add(&arbos::PRICING, activation.costs.footprint);
        let entry = memory.saturating_add(activation.entry_gas());
        if !gas.record_regular_cost(entry) {
            // A call that cannot pay opens no pages.
            *self.pages.borrow_mut() = pages;
            return arbos::out_of_gas(inputs.gas_limit);
        }
        let module = match self.programs.module(hash, code) {
            Ok(module) => module,
            // An activated program always loads; a changed host would be a bug.
            Err(err) => {
                tracing::error!(%hash, "activated program does not load: {err}");
                return revert(gas, Bytes::new());
            }
        };
        let args = inputs.input.as_bytes(&*ctx).to_vec();
        let contract = inputs.target_address;
        let reentrant = {
            let mut open = self.programs.open.borrow_mut();
            let count = open.entry(contract).or_default();
            *count += 1;
            *count > 1
        };
        let message = Message {
            contract: stylus_address(contract),
            sender: stylus_address(inputs.caller),
            value: stylus_host_u256(inputs.value.get()),
            args,
            is_static: inputs.is_static,
            reentrant,
            gas_limit: gas.remaining(),
        };
        let mut env = ChainEnv {
            ctx,
            arbitrum: self.clone(),
            refund: 0,
        };
        let outcome = self.programs.runtime.run(&module, &mut env, message);
        let refund = env.refund;
        if let Some(count) = self.programs.open.borrow_mut().get_mut(&contract) {
            *count -= 1;
        }
        // The caller's pages are open again; the high-water mark stays.
        self.pages.borrow_mut().open = pages.open;
        // Returned data costs at least what the EVM's memory for it would
        // (ArbOS 31+).
        let words = (outcome.output.len() as u64).div_ceil(32);
        let used = if outcome.output.is_empty() {
            outcome.gas_used
        } else {
            outcome.gas_used.max(3 * words + words * words / 512)
        };
        if !gas.record_regular_cost(used) {
            gas.spend_all();
        }
        // Where a call's gas goes (`RUST_LOG=devnode::stylus=debug`): entry
        // (init and memory), the program's own instructions, host I/O with
        // the EVM gas it bought (storage, logs, calls), refunds.
        tracing::debug!(
            %contract,
            entry,
            instructions = outcome.ink / u64::from(arbos::INK_PRICE),
            host_and_evm = used.saturating_sub(outcome.ink / u64::from(arbos::INK_PRICE)),
            host_calls = outcome.host_calls,
            refund,
            "program call"
        );
        // Slots cleared or restored are refunded as the EVM refunds them,
        // on the transaction's counter; a reverted call's are not.
        if outcome.exit == Exit::Success {
            gas.record_refund(refund);
        }
        let result = match outcome.exit {
            Exit::Success => InstructionResult::Return,
            Exit::Revert => InstructionResult::Revert,
            Exit::Trap(message) => {
                tracing::debug!(%contract, "program trapped: {message}");
                InstructionResult::Revert
            }
            Exit::OutOfInk => {
                gas.spend_all();
                InstructionResult::OutOfGas
            }
        };
        InterpreterResult {
            result,
            output: outcome.output.into(),
            gas,
        }
    }
}

/// A revert with `data` after using what `gas` records.
pub fn revert(gas: Gas, data: Bytes) -> InterpreterResult {
    InterpreterResult {
        result: InstructionResult::Revert,
        output: data,
        gas,
    }
}

impl<'a> PrecompileProvider<&'a mut DevContext> for Arbitrum {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: SpecId) -> bool {
        let changed = <EthPrecompiles as PrecompileProvider<&'a mut DevContext>>::set_spec(
            &mut self.eth,
            spec,
        );
        self.warm.clone_from(self.eth.warm_addresses());
        self.warm.extend(arbos::ADDRESSES);
        changed
    }

    #[allow(clippy::mut_mut)] // revm's trait borrows the context, itself a borrow
    fn run(
        &mut self,
        context: &mut &'a mut DevContext,
        inputs: &CallInputs,
    ) -> Result<Option<InterpreterResult>, String> {
        if let Some(result) = arbos::run(self, context, inputs) {
            return Ok(Some(result));
        }
        if let Some(result) = <EthPrecompiles as PrecompileProvider<&'a mut DevContext>>::run(
            &mut self.eth,
            context,
            inputs,
        )? {
            return Ok(Some(result));
        }
        let (hash, code) = &inputs.known_bytecode;
        let code = code.original_byte_slice();
        if !program::is_program(code) {
            return Ok(None);
        }
        Ok(Some(self.run_program(context, inputs, *hash, code)))
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.warm
    }
}

/// The chain as a program sees it: revm's journal, and nested frames for
/// its calls.
pub struct ChainEnv<'a> {
    ctx: &'a mut DevContext,
    arbitrum: Arbitrum,
    /// Refunds this call earned (EIP-3529), its successful callees' included.
    refund: i64,
}

impl ChainEnv<'_> {
    /// Runs one frame (and everything it calls) on the shared journal.
    fn frame(&mut self, frame_input: FrameInput) -> CallResult {
        let buffer = self.ctx.local().shared_memory_buffer().clone();
        let mut base = SharedMemory::new_with_buffer(buffer);
        let memory = base.new_child_context();
        let depth = self.ctx.journal().depth();
        let mut evm = evm(self.ctx, self.arbitrum.clone());
        let init = FrameInit {
            depth,
            memory,
            frame_input,
        };
        let result = DevHandler::default().run_exec_loop(&mut evm, init);
        base.free_child_context();
        let Ok(result) = result else {
            // Only a database error reaches here, and this database has none.
            return CallResult::default();
        };
        let interpreter = result.interpreter_result();
        if interpreter.is_ok() {
            self.refund += interpreter.gas.refunded();
        }
        CallResult {
            success: interpreter.is_ok(),
            data: interpreter.output.to_vec(),
            gas_used: interpreter.gas.total_gas_spent(),
            created: match &result {
                revm::handler::FrameResult::Create(outcome) if interpreter.is_ok() => {
                    outcome.address.map(stylus_address)
                }
                _ => None,
            },
        }
    }

    fn db_ok<T>(result: Result<T, Infallible>) -> T {
        match result {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }
}

/// EIP-2929 prices.
const COLD_SLOAD: u64 = 2_100;
const WARM_READ: u64 = 100;
const COLD_ACCOUNT: u64 = 2_600;
/// A call's value transfer, and the creation of its recipient (EIP-150).
const CALL_VALUE: u64 = 9_000;
const NEW_ACCOUNT: u64 = 25_000;
/// EIP-2200 store prices (EIP-2929's).
const SSTORE_SET: u64 = 20_000;
const SSTORE_RESET: u64 = 2_900;
/// EIP-3529's refund for clearing a slot.
const SSTORE_CLEARS_REFUND: i64 = 4_800;

impl Env for ChainEnv<'_> {
    fn block(&self) -> BlockInfo {
        let block = &self.ctx.block;
        let tx = &self.ctx.tx;
        BlockInfo {
            number: block.number().saturating_to(),
            timestamp: block.timestamp().saturating_to(),
            chain_id: self.ctx.cfg.chain_id,
            basefee: stylus_host_u256(U256::from(block.basefee())),
            coinbase: stylus_address(block.beneficiary()),
            gas_limit: block.gas_limit(),
            gas_price: stylus_host_u256(U256::from(
                tx.effective_gas_price(u128::from(block.basefee())),
            )),
            origin: stylus_address(tx.caller()),
        }
    }

    fn storage_load(
        &mut self,
        contract: stylus_host::Address,
        key: stylus_host::B256,
    ) -> (stylus_host::B256, u64) {
        let load = Self::db_ok(
            self.ctx
                .journal_mut()
                .sload(revm_address(contract), U256::from_be_bytes(key.0)),
        );
        let gas = if load.is_cold { COLD_SLOAD } else { WARM_READ };
        (stylus_host::B256::from(load.data.to_be_bytes::<32>()), gas)
    }

    fn storage_store(
        &mut self,
        contract: stylus_host::Address,
        key: stylus_host::B256,
        value: stylus_host::B256,
    ) -> u64 {
        let store = Self::db_ok(self.ctx.journal_mut().sstore(
            revm_address(contract),
            U256::from_be_bytes(key.0),
            U256::from_be_bytes(value.0),
        ));
        let cold = if store.is_cold { COLD_SLOAD } else { 0 };
        let result = &store.data;
        let (original, present, new) = (
            result.original_value,
            result.present_value,
            result.new_value,
        );
        // EIP-2929's SSTORE, with EIP-3529's refunds (Nitro's
        // `WasmStateStoreCost`).
        let gas = if present == new {
            WARM_READ
        } else if original == present {
            if original.is_zero() {
                SSTORE_SET
            } else {
                if new.is_zero() {
                    self.refund += SSTORE_CLEARS_REFUND;
                }
                SSTORE_RESET
            }
        } else {
            if !original.is_zero() {
                if present.is_zero() {
                    self.refund -= SSTORE_CLEARS_REFUND;
                }
                if new.is_zero() {
                    self.refund += SSTORE_CLEARS_REFUND;
                }
            }
            if original == new {
                let restored = if original.is_zero() {
                    SSTORE_SET
                } else {
                    SSTORE_RESET
                };
                self.refund += (restored - WARM_READ).cast_signed();
            }
            WARM_READ
        };
        gas + cold
    }

    fn transient_load(
        &mut self,
        contract: stylus_host::Address,
        key: stylus_host::B256,
    ) -> stylus_host::B256 {
        let value = self
            .ctx
            .journal_mut()
            .tload(revm_address(contract), U256::from_be_bytes(key.0));
        stylus_host::B256::from(value.to_be_bytes::<32>())
    }

    fn transient_store(
        &mut self,
        contract: stylus_host::Address,
        key: stylus_host::B256,
        value: stylus_host::B256,
    ) {
        self.ctx.journal_mut().tstore(
            revm_address(contract),
            U256::from_be_bytes(key.0),
            U256::from_be_bytes(value.0),
        );
    }

    fn emit_log(&mut self, log: stylus_host::Log) {
        let topics = log.topics.iter().map(|t| B256::from(t.0)).collect();
        self.ctx.journal_mut().log(Log {
            address: revm_address(log.address),
            data: LogData::new_unchecked(topics, log.data.into()),
        });
    }

    /// A call out of a program costs what the EVM's CALL opcodes charge
    /// besides the callee's own gas: the account access (EIP-2929 cold or
    /// warm) and, for a value transfer, 9,000 (plus 25,000 to an account
    /// that does not exist yet), as Nitro charges a program's calls.
    fn call(&mut self, call: OutCall) -> CallResult {
        let code_address = revm_address(call.code_address);
        let account = Self::db_ok(self.ctx.journal_mut().load_account_with_code(code_address));
        let mut access = if account.is_cold {
            COLD_ACCOUNT
        } else {
            WARM_READ
        };
        if call.kind == CallKind::Call && !call.value.is_zero() {
            access += CALL_VALUE;
            if account.data.is_empty() {
                access += NEW_ACCOUNT;
            }
        }
        let hash = account.data.info.code_hash;
        let bytecode = account.data.info.code.clone().unwrap_or_default();
        let (scheme, value) = match call.kind {
            CallKind::Call => (CallScheme::Call, CallValue::Transfer(revm_u256(call.value))),
            CallKind::Static => (CallScheme::StaticCall, CallValue::Transfer(U256::ZERO)),
            CallKind::Delegate => (
                CallScheme::DelegateCall,
                CallValue::Apparent(revm_u256(call.value)),
            ),
        };
        let inputs = CallInputs {
            input: CallInput::Bytes(call.data.into()),
            return_memory_offset: 0..0,
            gas_limit: call.gas,
            reservoir: 0,
            bytecode_address: code_address,
            known_bytecode: (hash, bytecode),
            target_address: revm_address(call.target),
            caller: revm_address(call.sender),
            value,
            scheme,
            is_static: call.is_static,
            charged_new_account_state_gas: false,
        };
        let mut result = self.frame(FrameInput::Call(Box::new(inputs)));
        result.gas_used += access;
        result
    }

    fn create(&mut self, create: OutCreate) -> CallResult {
        let scheme = match create.salt {
            Some(salt) => CreateScheme::Create2 {
                salt: U256::from_be_bytes(salt.0),
            },
            None => CreateScheme::Create,
        };
        let inputs = CreateInputs::new(
            revm_address(create.creator),
            scheme,
            revm_u256(create.endowment),
            create.init_code.into(),
            create.gas,
            0,
        );
        self.frame(FrameInput::Create(Box::new(inputs)))
    }

    fn balance(&mut self, account: stylus_host::Address) -> (stylus_host::U256, u64) {
        let load = Self::db_ok(self.ctx.journal_mut().load_account(revm_address(account)));
        let gas = if load.is_cold {
            COLD_ACCOUNT
        } else {
            WARM_READ
        };
        (stylus_host_u256(load.data.info.balance), gas)
    }

    fn code(&mut self, account: stylus_host::Address) -> (Vec<u8>, u64) {
        let load = Self::db_ok(self.ctx.journal_mut().code(revm_address(account)));
        let gas = if load.is_cold {
            COLD_ACCOUNT
        } else {
            WARM_READ
        };
        (load.data.to_vec(), gas)
    }

    fn open_pages(&mut self, pages: u16) -> u64 {
        self.arbitrum
            .pages
            .borrow_mut()
            .add(&arbos::PRICING, pages)
            .0
    }

    fn code_hash(&mut self, account: stylus_host::Address) -> (stylus_host::B256, u64) {
        let load = Self::db_ok(self.ctx.journal_mut().code_hash(revm_address(account)));
        let gas = if load.is_cold {
            COLD_ACCOUNT
        } else {
            WARM_READ
        };
        (stylus_host::B256::from(load.data.0), gas)
    }
}

// stylus-host speaks alloy-primitives 0.8 (the contracts' pin), revm 1.x:
// the same bytes, different types.

/// `address` as revm's (alloy-primitives 1.x) type: the same 20 bytes.
#[must_use]
pub fn revm_address(address: stylus_host::Address) -> Address {
    Address::from(address.0 .0)
}

/// `address` as stylus-host's (alloy-primitives 0.8) type: the same 20 bytes.
#[must_use]
pub fn stylus_address(address: Address) -> stylus_host::Address {
    stylus_host::Address::from(address.0 .0)
}

/// `value` as revm's (alloy-primitives 1.x) type.
#[must_use]
pub fn revm_u256(value: stylus_host::U256) -> U256 {
    U256::from_be_bytes(value.to_be_bytes::<32>())
}

/// `value` as stylus-host's (alloy-primitives 0.8) type.
#[must_use]
pub fn stylus_host_u256(value: U256) -> stylus_host::U256 {
    stylus_host::U256::from_be_bytes(value.to_be_bytes::<32>())
}
