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
    context_interface::result::{EVMError, InvalidTransaction},
    database::{CacheDB, EmptyDB},
    handler::{
        instructions::EthInstructions, EthFrame, EthPrecompiles, MainnetHandler, PrecompileProvider,
    },
    interpreter::{
        interpreter::EthInterpreter, CallInputs, Gas, InstructionResult, InterpreterResult,
    },
    primitives::{hardfork::SpecId, Address, AddressSet, Bytes, B256, U256},
    Context,
};
use stylus_host::{Exit, Message, Runtime};

use crate::{arbos, program};

mod env;
pub use env::ChainEnv;

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
