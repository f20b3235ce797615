//! The `vm_hooks` host functions, over an `Env`, with ink metering.
//!
//! Ink is metered as Nitro meters it: a call starts with its gas limit in
//! ink in the program's ink global (added by `meter`, which charges every
//! basic block its opcodes' prices), and each host function takes the ink
//! Nitro charges for it (plus the EVM gas of what it does: storage, logs,
//! calls) from the same global. Running out is out of ink: the call fails
//! and uses all its gas, as on chain.
//!
//! Host-I/O prices are Nitro's (`crates/arbutil/src/pricing.rs` and
//! `crates/arbitrator/stylus/src/host.rs`, as summarized in
//! STYLUS-NOTES.md "Stylus pricing").

use core::ptr::NonNull;

use alloy_primitives::{keccak256, Address, B256, U256};
use wasmi::{
    Caller, Engine, Error, Extern, Global, Linker, Memory, Module, Store, StoreLimits,
    StoreLimitsBuilder, Val,
};

use crate::runtime::{CallKind, Env, Exit, Message, OutCall, OutCreate, RunOutcome, INK_PER_GAS};
use crate::{meter, Log};

/// Every host function's base price (Nitro `HOSTIO_INK`).
const HOSTIO_INK: u64 = 8_400;
/// `storage_load_bytes32` and `storage_cache_bytes32`, besides the EVM gas.
const STORAGE_INK: u64 = 18_480;
/// `storage_flush_cache` and `emit_log`'s base.
const FLUSH_INK: u64 = 68_073;
/// `call_contract` and its variants, besides the EVM call gas.
const CALL_INK: u64 = 83_193;
/// `msg_sender`.
const SENDER_INK: u64 = 13_440;
/// `account_codehash` and the other account look-ups.
const ACCOUNT_INK: u64 = 78_153;
/// `native_keccak256`: base and per 32-byte word.
const KECCAK_INK: u64 = 121_800;
const KECCAK_WORD_INK: u64 = 21_000;
/// A storage read's EVM-interface gas beyond the slot's (ArbOS 32+).
const EVM_API_GAS: u64 = 5;
/// What a storage read must have left: a cold SLOAD, the access and the
/// EVM-interface gas (Nitro's `require_gas`, not a charge).
const LOAD_REQUIRED_GAS: u64 = 2_100 + 10 + EVM_API_GAS;
/// EIP-2200's SSTORE sentry: a write (and a flush) needs this much left.
const SSTORE_SENTRY_GAS: u64 = 2_300;
/// EVM log prices (yellow paper): base, per topic, per data byte.
const LOG_GAS: u64 = 375;
const LOG_TOPIC_GAS: u64 = 375;
const LOG_DATA_GAS: u64 = 8;

/// Ink to read `len` bytes out of the program's memory.
fn read_price(len: usize) -> u64 {
    16_381 + 55 * (len as u64).saturating_sub(32)
}

/// Ink to write `len` bytes into the program's memory.
fn write_price(len: usize) -> u64 {
    5_040 + 30 * (len as u64).saturating_sub(32)
}

type Result<T> = core::result::Result<T, Error>;

/// Bytes in a wasm page.
const WASM_PAGE: usize = 64 * 1024;

/// One executing call: the store data of a program instance.
pub(crate) struct Frame {
    /// The chain, valid while `run` executes this frame (see `run`).
    env: Option<NonNull<dyn Env>>,
    msg: Message,
    result: Vec<u8>,
    return_data: Vec<u8>,
    /// The program's ink-left global (see `meter`).
    ink: Option<Global>,
    /// Ink taken by host functions (the rest was used by instructions).
    charged: u64,
    host_calls: u64,
    out_of_ink: bool,
    /// What the instance may grow to: Nitro's page limit.
    limits: StoreLimits,
    /// The call's storage cache, as Nitro's host keeps one per call.
    storage: StorageCache,
}

/// A slot in the cache: its value now, and the value the chain holds for it
/// (`None` when it was written without being read: it counts as dirty).
#[derive(Clone, Copy)]
struct Word {
    value: B256,
    known: Option<B256>,
}

/// Nitro's per-call storage cache (`arbutil`'s `StorageCache`): reads hit
/// it after the first, writes stay in it until `storage_flush_cache` sends
/// the changed slots to the chain, and the first 32 reads and 8 writes of a
/// call cost no gas of their own.
#[derive(Default)]
struct StorageCache {
    slots: std::collections::BTreeMap<B256, Word>,
    reads: u32,
    writes: u32,
}

impl StorageCache {
    fn read_gas(&mut self) -> u64 {
        self.reads = self.reads.saturating_add(1);
        match self.reads {
            0..=32 => 0,
            33..=128 => 2,
            _ => 10,
        }
    }

    fn write_gas(&mut self) -> u64 {
        self.writes = self.writes.saturating_add(1);
        match self.writes {
            0..=8 => 0,
            9..=64 => 7,
            _ => 10,
        }
    }
}

impl Frame {
    /// A frame with no chain, for instantiating a module at load time.
    pub(crate) fn detached() -> Self {
        Frame {
            env: None,
            msg: Message::default(),
            result: Vec::new(),
            return_data: Vec::new(),
            ink: None,
            charged: 0,
            host_calls: 0,
            out_of_ink: false,
            limits: StoreLimitsBuilder::new()
                .memory_size(crate::check::PAGE_LIMIT * WASM_PAGE)
                .build(),
            storage: StorageCache::default(),
        }
    }
}

/// Runs one call of `module` in a fresh instance.
pub(crate) fn run(
    engine: &Engine,
    linker: &Linker<Frame>,
    module: &Module,
    env: &mut dyn Env,
    message: Message,
) -> RunOutcome {
    let budget = message
        .gas_limit
        .saturating_mul(INK_PER_GAS)
        .min(i64::MAX as u64);
    let len = message.args.len();
    let env: NonNull<dyn Env + '_> = NonNull::from(env);
    // SAFETY: the pointer is only dereferenced by host functions of the store
    // created here, which is dropped before this function returns, so it never
    // outlives the `&mut dyn Env` it came from; wasmi requires `'static` store
    // data, hence the erased lifetime. Nested calls re-enter `run` through the
    // same `Env`, never while a reference from this frame is live.
    let env: NonNull<dyn Env + 'static> = unsafe { core::mem::transmute(env) };
    let frame = Frame {
        env: Some(env),
        msg: message,
        ..Frame::detached()
    };
    let mut store = Store::new(engine, frame);
    // A `memory.grow` past the page limit fails (returns -1), as on Nitro,
    // instead of taking the node's memory.
    store.limiter(|frame| &mut frame.limits);
    let mut globals = None;
    let outcome = linker
        .instantiate_and_start(&mut store, module)
        .and_then(|instance| {
            let global = |name| {
                instance
                    .get_global(&store, name)
                    .ok_or_else(|| Error::new("the program is not metered"))
            };
            let (ink, status) = (global(meter::INK_LEFT)?, global(meter::INK_STATUS)?);
            ink.set(&mut store, Val::I64(budget as i64))
                .map_err(|e| Error::new(e.to_string()))?;
            store.data_mut().ink = Some(ink);
            globals = Some((ink, status));
            instance.get_typed_func::<i32, i32>(&store, "user_entrypoint")
        })
        .and_then(|entry| entry.call(&mut store, len as i32));
    let (left, exhausted) = match globals {
        Some((ink, status)) => (
            ink.get(&store).i64().unwrap_or(0).max(0) as u64,
            status.get(&store).i32().unwrap_or(0) != 0,
        ),
        None => (budget, false),
    };
    let frame = store.into_data();
    let used = budget.saturating_sub(left);
    let mut exit = match outcome {
        Ok(0) => Exit::Success,
        Ok(_) => Exit::Revert,
        Err(err) => match err.i32_exit_status() {
            Some(0) => Exit::Success,
            Some(_) => Exit::Revert,
            None => Exit::Trap(err.to_string()),
        },
    };
    if frame.out_of_ink || exhausted {
        exit = Exit::OutOfInk;
    }
    let gas_used = if exit == Exit::OutOfInk {
        frame.msg.gas_limit
    } else {
        used.div_ceil(INK_PER_GAS)
    };
    let output = match exit {
        Exit::Success | Exit::Revert => frame.result,
        Exit::Trap(_) | Exit::OutOfInk => Vec::new(),
    };
    RunOutcome {
        exit,
        output,
        gas_used: gas_used.min(frame.msg.gas_limit),
        ink: used.saturating_sub(frame.charged),
        host_calls: frame.host_calls,
    }
}

fn env<'a>(caller: &Caller<'_, Frame>) -> Result<&'a mut dyn Env> {
    let ptr = caller
        .data()
        .env
        .ok_or_else(|| Error::new("no chain at load time"))?;
    // SAFETY: see `run`: the env outlives the store, and no other reference
    // to it is live while a host function of this frame runs.
    Ok(unsafe { &mut *ptr.as_ptr() })
}

/// The ink left in the program's global.
fn ink_left(caller: &Caller<'_, Frame>) -> u64 {
    caller
        .data()
        .ink
        .and_then(|ink| ink.get(caller).i64())
        .map_or(0, |ink| ink.max(0) as u64)
}

fn set_ink(caller: &mut Caller<'_, Frame>, ink: u64) -> Result<()> {
    let global = caller
        .data()
        .ink
        .ok_or_else(|| Error::new("the program is not metered"))?;
    global
        .set(&mut *caller, Val::I64(ink as i64))
        .map_err(|e| Error::new(e.to_string()))
}

fn out_of_ink(caller: &mut Caller<'_, Frame>) -> Error {
    caller.data_mut().out_of_ink = true;
    let _ = set_ink(caller, 0);
    Error::new("out of ink")
}

/// Takes `ink` for a host function.
fn charge(caller: &mut Caller<'_, Frame>, ink: u64) -> Result<()> {
    let left = ink_left(caller);
    if left < ink {
        return Err(out_of_ink(caller));
    }
    set_ink(caller, left - ink)?;
    caller.data_mut().charged += ink;
    Ok(())
}

fn charge_gas(caller: &mut Caller<'_, Frame>, gas: u64) -> Result<()> {
    charge(caller, gas.saturating_mul(INK_PER_GAS))
}

/// Counts a host call and burns its ink.
fn hostio(caller: &mut Caller<'_, Frame>, ink: u64) -> Result<()> {
    caller.data_mut().host_calls += 1;
    charge(caller, ink)
}

fn gas_left(caller: &Caller<'_, Frame>) -> u64 {
    ink_left(caller) / INK_PER_GAS
}

/// Nitro's `require_gas`: fails the call as out of ink when less than `gas`
/// is left, charging nothing.
fn require_gas(caller: &mut Caller<'_, Frame>, gas: u64) -> Result<()> {
    if gas_left(caller) < gas {
        caller.data_mut().out_of_ink = true;
        return Err(Error::new("out of ink"));
    }
    Ok(())
}

fn memory(caller: &Caller<'_, Frame>) -> Result<Memory> {
    caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::new("the program exports no memory"))
}

fn read(caller: &Caller<'_, Frame>, ptr: i32, len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    memory(caller)?
        .read(caller, ptr as u32 as usize, &mut buf)
        .map_err(|e| Error::new(format!("read out of bounds: {e}")))?;
    Ok(buf)
}

fn write(caller: &mut Caller<'_, Frame>, ptr: i32, data: &[u8]) -> Result<()> {
    memory(caller)?
        .write(&mut *caller, ptr as u32 as usize, data)
        .map_err(|e| Error::new(format!("write out of bounds: {e}")))
}

fn read_word(caller: &Caller<'_, Frame>, ptr: i32) -> Result<B256> {
    Ok(B256::from_slice(&read(caller, ptr, 32)?))
}

fn read_address(caller: &Caller<'_, Frame>, ptr: i32) -> Result<Address> {
    Ok(Address::from_slice(&read(caller, ptr, 20)?))
}

fn read_u256(caller: &Caller<'_, Frame>, ptr: i32) -> Result<U256> {
    Ok(U256::from_be_bytes(read_word(caller, ptr)?.0))
}

/// A call out: the 63/64 rule caps the gas, the callee's use is charged
/// back, and its output becomes the return data.
#[allow(clippy::too_many_arguments)]
fn call_out(
    mut caller: Caller<'_, Frame>,
    contract: i32,
    calldata: i32,
    len: i32,
    value: U256,
    gas: u64,
    kind: CallKind,
    ret_len: i32,
) -> Result<i32> {
    let data = read(&caller, calldata, len as u32 as usize)?;
    hostio(&mut caller, CALL_INK + 2 * read_price(data.len()))?;
    let code_address = read_address(&caller, contract)?;
    let msg = &caller.data().msg;
    let is_static = kind == CallKind::Static || msg.is_static;
    if is_static && kind == CallKind::Call && !value.is_zero() {
        return Err(Error::new("value transfer in a static call"));
    }
    let (target, sender, value) = match kind {
        CallKind::Delegate => (msg.contract, msg.sender, msg.value),
        _ => (code_address, msg.contract, value),
    };
    let left = gas_left(&caller);
    let gas = gas.min(left - left / 64);
    let result = env(&caller)?.call(OutCall {
        kind,
        code_address,
        target,
        sender,
        value,
        data,
        gas,
        is_static,
    });
    charge_gas(&mut caller, result.gas_used)?;
    write(
        &mut caller,
        ret_len,
        &(result.data.len() as u32).to_le_bytes(),
    )?;
    caller.data_mut().return_data = result.data;
    Ok(i32::from(!result.success))
}

/// `create1`/`create2`: the new address (zero on failure) and the return data.
#[allow(clippy::too_many_arguments)]
fn create(
    mut caller: Caller<'_, Frame>,
    code: i32,
    len: i32,
    endowment: i32,
    salt: Option<i32>,
    contract: i32,
    ret_len: i32,
) -> Result<()> {
    if caller.data().msg.is_static {
        return Err(Error::new("create in a static call"));
    }
    let init_code = read(&caller, code, len as u32 as usize)?;
    hostio(&mut caller, CALL_INK + 2 * read_price(init_code.len()))?;
    let endowment = read_u256(&caller, endowment)?;
    let salt = salt.map(|ptr| read_word(&caller, ptr)).transpose()?;
    let left = gas_left(&caller);
    let result = env(&caller)?.create(OutCreate {
        creator: caller.data().msg.contract,
        init_code,
        endowment,
        salt,
        gas: left - left / 64,
    });
    charge_gas(&mut caller, result.gas_used)?;
    let address = result.created.unwrap_or_default();
    write(&mut caller, contract, address.as_slice())?;
    write(
        &mut caller,
        ret_len,
        &(result.data.len() as u32).to_le_bytes(),
    )?;
    caller.data_mut().return_data = result.data;
    Ok(())
}

fn math(caller: &mut Caller<'_, Frame>, ptrs: &[i32], op: impl Fn(&[U256]) -> U256) -> Result<()> {
    hostio(caller, HOSTIO_INK)?;
    let values = ptrs
        .iter()
        .map(|p| read_u256(caller, *p))
        .collect::<Result<Vec<_>>>()?;
    write(caller, ptrs[0], &op(&values).to_be_bytes::<32>())
}

/// Writes a value the host produced (a word or an address), charging the base price.
fn put(mut c: Caller<'_, Frame>, dest: i32, value: &[u8]) -> Result<()> {
    hostio(&mut c, HOSTIO_INK)?;
    write(&mut c, dest, value)
}

/// The linker with every `vm_hooks` function.
#[allow(clippy::too_many_lines)]
pub(crate) fn linker(engine: &Engine) -> Linker<Frame> {
    let mut l = Linker::<Frame>::new(engine);
    let m = "vm_hooks";
    macro_rules! hook {
        ($name:literal, $f:expr) => {
            l.func_wrap(m, $name, $f)
                .expect(concat!("one definition of ", $name));
        };
    }
    hook!("read_args", |mut c: Caller<'_, Frame>,
                        dest: i32|
     -> Result<()> {
        let args = c.data().msg.args.clone();
        hostio(&mut c, HOSTIO_INK + write_price(args.len()))?;
        write(&mut c, dest, &args)
    });
    hook!("write_result", |mut c: Caller<'_, Frame>,
                           ptr: i32,
                           len: i32|
     -> Result<()> {
        let data = read(&c, ptr, len as u32 as usize)?;
        hostio(&mut c, HOSTIO_INK + 2 * read_price(data.len()))?;
        c.data_mut().result = data;
        Ok(())
    });
    hook!("exit_early", |_c: Caller<'_, Frame>,
                         status: i32|
     -> Result<()> {
        Err(Error::i32_exit(status))
    });
    hook!("storage_load_bytes32", |mut c: Caller<'_, Frame>,
                                   key: i32,
                                   dest: i32|
     -> Result<()> {
        hostio(&mut c, STORAGE_INK)?;
        require_gas(&mut c, LOAD_REQUIRED_GAS)?;
        let key = read_word(&c, key)?;
        let mut gas = c.data_mut().storage.read_gas();
        let cached = c.data().storage.slots.get(&key).map(|word| word.value);
        let value = match cached {
            Some(value) => value,
            None => {
                let contract = c.data().msg.contract;
                let (value, slot_gas) = env(&c)?.storage_load(contract, key);
                gas += slot_gas + EVM_API_GAS;
                let known = Some(value);
                c.data_mut()
                    .storage
                    .slots
                    .insert(key, Word { value, known });
                value
            }
        };
        charge_gas(&mut c, gas)?;
        write(&mut c, dest, value.as_slice())
    });
    hook!("storage_cache_bytes32", |mut c: Caller<'_, Frame>,
                                    key: i32,
                                    value: i32|
     -> Result<()> {
        hostio(&mut c, STORAGE_INK)?;
        require_gas(&mut c, SSTORE_SENTRY_GAS + 10)?;
        if c.data().msg.is_static {
            return Err(Error::new("storage write in a static call"));
        }
        let (key, value) = (read_word(&c, key)?, read_word(&c, value)?);
        let storage = &mut c.data_mut().storage;
        let gas = storage.write_gas();
        storage
            .slots
            .entry(key)
            .and_modify(|word| word.value = value)
            .or_insert(Word { value, known: None });
        charge_gas(&mut c, gas)
    });
    hook!("storage_flush_cache", |mut c: Caller<'_, Frame>,
                                  clear: i32|
     -> Result<()> {
        hostio(&mut c, FLUSH_INK)?;
        require_gas(&mut c, SSTORE_SENTRY_GAS)?;
        // The changed slots reach the chain now, each at its SSTORE price
        // (EIP-2929 and EIP-3529, refunds included); a write that was not
        // flushed when the call ends is lost, as on Nitro.
        let contract = c.data().msg.contract;
        let dirty: Vec<(B256, B256)> = c
            .data_mut()
            .storage
            .slots
            .iter_mut()
            .filter(|(_, word)| word.known != Some(word.value))
            .map(|(key, word)| {
                word.known = Some(word.value);
                (*key, word.value)
            })
            .collect();
        if clear != 0 {
            c.data_mut().storage.slots.clear();
        }
        for (key, value) in dirty {
            let gas = env(&c)?.storage_store(contract, key, value);
            charge_gas(&mut c, gas)?;
        }
        Ok(())
    });
    hook!("transient_load_bytes32", |mut c: Caller<'_, Frame>,
                                     key: i32,
                                     dest: i32|
     -> Result<()> {
        hostio(&mut c, HOSTIO_INK)?;
        let key = read_word(&c, key)?;
        let contract = c.data().msg.contract;
        let value = env(&c)?.transient_load(contract, key);
        // TLOAD's 100 gas.
        charge_gas(&mut c, 100)?;
        write(&mut c, dest, value.as_slice())
    });
    hook!("transient_store_bytes32", |mut c: Caller<'_, Frame>,
                                      key: i32,
                                      value: i32|
     -> Result<()> {
        hostio(&mut c, HOSTIO_INK)?;
        if c.data().msg.is_static {
            return Err(Error::new("transient write in a static call"));
        }
        let (key, value) = (read_word(&c, key)?, read_word(&c, value)?);
        let contract = c.data().msg.contract;
        env(&c)?.transient_store(contract, key, value);
        // TSTORE's 100 gas.
        charge_gas(&mut c, 100)
    });
    hook!("call_contract", |c: Caller<'_, Frame>,
                            to: i32,
                            data: i32,
                            len: i32,
                            value: i32,
                            gas: i64,
                            ret: i32|
     -> Result<i32> {
        let value = read_u256(&c, value)?;
        call_out(c, to, data, len, value, gas as u64, CallKind::Call, ret)
    });
    hook!("static_call_contract", |c: Caller<'_, Frame>,
                                   to: i32,
                                   data: i32,
                                   len: i32,
                                   gas: i64,
                                   ret: i32|
     -> Result<i32> {
        call_out(
            c,
            to,
            data,
            len,
            U256::ZERO,
            gas as u64,
            CallKind::Static,
            ret,
        )
    });
    hook!("delegate_call_contract", |c: Caller<'_, Frame>,
                                     to: i32,
                                     data: i32,
                                     len: i32,
                                     gas: i64,
                                     ret: i32|
     -> Result<i32> {
        call_out(
            c,
            to,
            data,
            len,
            U256::ZERO,
            gas as u64,
            CallKind::Delegate,
            ret,
        )
    });
    hook!("create1", |c: Caller<'_, Frame>,
                      code: i32,
                      len: i32,
                      endowment: i32,
                      contract: i32,
                      ret: i32|
     -> Result<()> {
        create(c, code, len, endowment, None, contract, ret)
    });
    hook!("create2", |c: Caller<'_, Frame>,
                      code: i32,
                      len: i32,
                      endowment: i32,
                      salt: i32,
                      contract: i32,
                      ret: i32|
     -> Result<()> {
        create(c, code, len, endowment, Some(salt), contract, ret)
    });
    hook!("read_return_data", |mut c: Caller<'_, Frame>,
                               dest: i32,
                               offset: i32,
                               size: i32|
     -> Result<i32> {
        let data = &c.data().return_data;
        let start = (offset as u32 as usize).min(data.len());
        let end = start.saturating_add(size as u32 as usize).min(data.len());
        let chunk = data[start..end].to_vec();
        hostio(&mut c, HOSTIO_INK + write_price(chunk.len()))?;
        write(&mut c, dest, &chunk)?;
        Ok(chunk.len() as i32)
    });
    hook!(
        "return_data_size",
        |mut c: Caller<'_, Frame>| -> Result<i32> {
            hostio(&mut c, HOSTIO_INK)?;
            Ok(c.data().return_data.len() as i32)
        }
    );
    hook!("emit_log", |mut c: Caller<'_, Frame>,
                       data: i32,
                       len: i32,
                       topics: i32|
     -> Result<()> {
        if c.data().msg.is_static {
            return Err(Error::new("log in a static call"));
        }
        let bytes = read(&c, data, len as u32 as usize)?;
        hostio(&mut c, FLUSH_INK + read_price(bytes.len()))?;
        let topics = topics as u32 as usize;
        if topics > 4 || bytes.len() < 32 * topics {
            return Err(Error::new("malformed log"));
        }
        let log = Log {
            address: c.data().msg.contract,
            topics: bytes[..32 * topics]
                .chunks(32)
                .map(B256::from_slice)
                .collect(),
            data: bytes[32 * topics..].to_vec(),
        };
        charge_gas(
            &mut c,
            LOG_GAS + LOG_TOPIC_GAS * topics as u64 + LOG_DATA_GAS * log.data.len() as u64,
        )?;
        env(&c)?.emit_log(log);
        Ok(())
    });
    hook!("account_balance", |mut c: Caller<'_, Frame>,
                              addr: i32,
                              dest: i32|
     -> Result<()> {
        hostio(&mut c, ACCOUNT_INK)?;
        let addr = read_address(&c, addr)?;
        let (balance, gas) = env(&c)?.balance(addr);
        charge_gas(&mut c, gas)?;
        write(&mut c, dest, &balance.to_be_bytes::<32>())
    });
    hook!("account_code", |mut c: Caller<'_, Frame>,
                           addr: i32,
                           offset: i32,
                           size: i32,
                           dest: i32|
     -> Result<i32> {
        hostio(&mut c, ACCOUNT_INK)?;
        let addr = read_address(&c, addr)?;
        let (code, gas) = env(&c)?.code(addr);
        charge_gas(&mut c, gas)?;
        let start = (offset as u32 as usize).min(code.len());
        let end = start.saturating_add(size as u32 as usize).min(code.len());
        charge(&mut c, write_price(end - start))?;
        write(&mut c, dest, &code[start..end])?;
        Ok((end - start) as i32)
    });
    hook!("account_code_size", |mut c: Caller<'_, Frame>,
                                addr: i32|
     -> Result<i32> {
        hostio(&mut c, ACCOUNT_INK)?;
        let addr = read_address(&c, addr)?;
        let (code, gas) = env(&c)?.code(addr);
        charge_gas(&mut c, gas)?;
        Ok(code.len() as i32)
    });
    hook!("account_codehash", |mut c: Caller<'_, Frame>,
                               addr: i32,
                               dest: i32|
     -> Result<()> {
        hostio(&mut c, ACCOUNT_INK)?;
        let addr = read_address(&c, addr)?;
        let (hash, gas) = env(&c)?.code_hash(addr);
        charge_gas(&mut c, gas)?;
        write(&mut c, dest, hash.as_slice())
    });
    hook!("evm_gas_left", |mut c: Caller<'_, Frame>| -> Result<i64> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(gas_left(&c) as i64)
    });
    hook!("evm_ink_left", |mut c: Caller<'_, Frame>| -> Result<i64> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(ink_left(&c) as i64)
    });
    hook!("block_basefee", |c: Caller<'_, Frame>,
                            dest: i32|
     -> Result<()> {
        let fee = env(&c)?.block().basefee;
        put(c, dest, &fee.to_be_bytes::<32>())
    });
    hook!("chainid", |mut c: Caller<'_, Frame>| -> Result<i64> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(env(&c)?.block().chain_id as i64)
    });
    hook!("block_coinbase", |c: Caller<'_, Frame>,
                             dest: i32|
     -> Result<()> {
        let coinbase = env(&c)?.block().coinbase;
        put(c, dest, coinbase.as_slice())
    });
    hook!(
        "block_gas_limit",
        |mut c: Caller<'_, Frame>| -> Result<i64> {
            hostio(&mut c, HOSTIO_INK)?;
            Ok(env(&c)?.block().gas_limit as i64)
        }
    );
    hook!("block_number", |mut c: Caller<'_, Frame>| -> Result<i64> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(env(&c)?.block().number as i64)
    });
    hook!(
        "block_timestamp",
        |mut c: Caller<'_, Frame>| -> Result<i64> {
            hostio(&mut c, HOSTIO_INK)?;
            Ok(env(&c)?.block().timestamp as i64)
        }
    );
    hook!("contract_address", |c: Caller<'_, Frame>,
                               dest: i32|
     -> Result<()> {
        let address = c.data().msg.contract;
        put(c, dest, address.as_slice())
    });
    hook!("math_div", |mut c: Caller<'_, Frame>,
                       a: i32,
                       b: i32|
     -> Result<()> {
        math(&mut c, &[a, b], |v| {
            v[0].checked_div(v[1]).unwrap_or_default()
        })
    });
    hook!("math_mod", |mut c: Caller<'_, Frame>,
                       a: i32,
                       b: i32|
     -> Result<()> {
        math(&mut c, &[a, b], |v| {
            v[0].checked_rem(v[1]).unwrap_or_default()
        })
    });
    hook!("math_pow", |mut c: Caller<'_, Frame>,
                       a: i32,
                       b: i32|
     -> Result<()> {
        math(&mut c, &[a, b], |v| v[0].wrapping_pow(v[1]))
    });
    hook!("math_add_mod", |mut c: Caller<'_, Frame>,
                           a: i32,
                           b: i32,
                           n: i32|
     -> Result<()> {
        math(&mut c, &[a, b, n], |v| v[0].add_mod(v[1], v[2]))
    });
    hook!("math_mul_mod", |mut c: Caller<'_, Frame>,
                           a: i32,
                           b: i32,
                           n: i32|
     -> Result<()> {
        math(&mut c, &[a, b, n], |v| v[0].mul_mod(v[1], v[2]))
    });
    hook!("msg_reentrant", |mut c: Caller<'_, Frame>| -> Result<i32> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(i32::from(c.data().msg.reentrant))
    });
    hook!("msg_sender", |mut c: Caller<'_, Frame>,
                         dest: i32|
     -> Result<()> {
        hostio(&mut c, SENDER_INK)?;
        let sender = c.data().msg.sender;
        write(&mut c, dest, sender.as_slice())
    });
    hook!("msg_value", |c: Caller<'_, Frame>,
                        dest: i32|
     -> Result<()> {
        let value = c.data().msg.value;
        put(c, dest, &value.to_be_bytes::<32>())
    });
    hook!("native_keccak256", |mut c: Caller<'_, Frame>,
                               ptr: i32,
                               len: i32,
                               out: i32|
     -> Result<()> {
        let data = read(&c, ptr, len as u32 as usize)?;
        hostio(
            &mut c,
            KECCAK_INK + KECCAK_WORD_INK * (data.len() as u64).div_ceil(32),
        )?;
        write(&mut c, out, keccak256(data).as_slice())
    });
    hook!("tx_gas_price", |c: Caller<'_, Frame>,
                           dest: i32|
     -> Result<()> {
        let price = env(&c)?.block().gas_price;
        put(c, dest, &price.to_be_bytes::<32>())
    });
    hook!("tx_ink_price", |mut c: Caller<'_, Frame>| -> Result<i32> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(INK_PER_GAS as i32)
    });
    hook!("tx_origin", |c: Caller<'_, Frame>,
                        dest: i32|
     -> Result<()> {
        let origin = env(&c)?.block().origin;
        put(c, dest, origin.as_slice())
    });
    hook!("pay_for_memory_grow", |mut c: Caller<'_, Frame>,
                                  pages: i32|
     -> Result<()> {
        // The chain prices the transaction's pages (Nitro's memory model);
        // growing by nothing costs a host call's ink.
        let pages = pages as u16;
        if pages == 0 {
            return hostio(&mut c, HOSTIO_INK);
        }
        c.data_mut().host_calls += 1;
        let gas = env(&c)?.open_pages(pages);
        charge_gas(&mut c, gas)
    });
    l
}
