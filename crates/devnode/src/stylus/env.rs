//! The chain as a Stylus program sees it ([`ChainEnv`]): storage, logs,
//! balances and code through revm's journal, priced as Nitro prices them,
//! and the program's own calls and creations run as nested revm frames.

use std::convert::Infallible;

use revm::{
    context_interface::{Block, ContextTr, JournalTr, LocalContextTr, Transaction},
    handler::Handler,
    interpreter::interpreter_action::FrameInit,
    interpreter::{
        CallInput, CallInputs, CallScheme, CallValue, CreateInputs, CreateScheme, FrameInput,
        SharedMemory,
    },
    primitives::{Log, LogData, B256, U256},
};
use stylus_host::{BlockInfo, CallKind, CallResult, Env, OutCall, OutCreate};

use crate::arbos;

use super::{
    evm, revm_address, revm_u256, stylus_address, stylus_host_u256, Arbitrum, DevContext,
    DevHandler,
};

/// The chain as a program sees it: revm's journal, and nested frames for
/// its calls.
pub struct ChainEnv<'a> {
    /// The context revm runs the transaction in.
    pub(super) ctx: &'a mut DevContext,
    /// The precompiles and programs its nested frames run with.
    pub(super) arbitrum: Arbitrum,
    /// Refunds this call earned (EIP-3529), its successful callees' included.
    pub(super) refund: i64,
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
