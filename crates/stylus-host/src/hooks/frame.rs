//! What every host function shares: Nitro's host-I/O prices, a call's
//! frame (its ink, memory and storage cache), reading and writing the
//! program's memory, and the steps of calls and creates.

use core::ptr::NonNull;

use alloy_primitives::{Address, B256, U256};
use wasmi::{
    Caller, Engine, Error, Extern, Global, Linker, Memory, Module, Store, StoreLimits,
    StoreLimitsBuilder, Val,
};

use crate::meter;
use crate::runtime::{CallKind, Env, Exit, Message, OutCall, OutCreate, RunOutcome, INK_PER_GAS};

/// Every host function's base price (Nitro `HOSTIO_INK`).
pub(super) const HOSTIO_INK: u64 = 8_400;
/// `storage_load_bytes32` and `storage_cache_bytes32`, besides the EVM gas.
pub(super) const STORAGE_INK: u64 = 18_480;
/// `storage_flush_cache` and `emit_log`'s base.
pub(super) const FLUSH_INK: u64 = 68_073;
/// `call_contract` and its variants, besides the EVM call gas.
pub(super) const CALL_INK: u64 = 83_193;
/// `msg_sender`.
pub(super) const SENDER_INK: u64 = 13_440;
/// `account_codehash` and the other account look-ups.
pub(super) const ACCOUNT_INK: u64 = 78_153;
/// `native_keccak256`: base and per 32-byte word.
pub(super) const KECCAK_INK: u64 = 121_800;
pub(super) const KECCAK_WORD_INK: u64 = 21_000;
/// A storage read's EVM-interface gas beyond the slot's (ArbOS 32+).
pub(super) const EVM_API_GAS: u64 = 5;
/// What a storage read must have left: a cold SLOAD, the access and the
/// EVM-interface gas (Nitro's `require_gas`, not a charge).
pub(super) const LOAD_REQUIRED_GAS: u64 = 2_100 + 10 + EVM_API_GAS;
/// EIP-2200's SSTORE sentry: a write (and a flush) needs this much left.
pub(super) const SSTORE_SENTRY_GAS: u64 = 2_300;
/// EVM log prices (yellow paper): base, per topic, per data byte.
pub(super) const LOG_GAS: u64 = 375;
pub(super) const LOG_TOPIC_GAS: u64 = 375;
pub(super) const LOG_DATA_GAS: u64 = 8;

/// Ink to read `len` bytes out of the program's memory.
pub(super) fn read_price(len: usize) -> u64 {
    16_381 + 55 * (len as u64).saturating_sub(32)
}

/// Ink to write `len` bytes into the program's memory.
pub(super) fn write_price(len: usize) -> u64 {
    5_040 + 30 * (len as u64).saturating_sub(32)
}

pub(super) type Result<T> = core::result::Result<T, Error>;

/// A length as a wasm `i32` carries it: the bits of a `u32`, which the
/// program reads unsigned. Lengths here are of calldata, return data and
/// code, which gas bounds far below 4 GiB; one past it would saturate.
pub(super) fn wasm_len(len: usize) -> i32 {
    wasm_u32(len).cast_signed()
}

/// A length as a `u32` written into wasm memory (see [`wasm_len`]).
pub(super) fn wasm_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// Bytes in a wasm page.
pub(super) const WASM_PAGE: usize = 64 * 1024;

/// One executing call: the store data of a program instance.
pub(crate) struct Frame {
    /// The chain, valid while `run` executes this frame (see `run`).
    pub(super) env: Option<NonNull<dyn Env>>,
    pub(super) msg: Message,
    pub(super) result: Vec<u8>,
    pub(super) return_data: Vec<u8>,
    /// The program's ink-left global (see `meter`).
    pub(super) ink: Option<Global>,
    /// Ink taken by host functions (the rest was used by instructions).
    pub(super) charged: u64,
    pub(super) host_calls: u64,
    pub(super) out_of_ink: bool,
    /// What the instance may grow to: Nitro's page limit.
    pub(super) limits: StoreLimits,
    /// The call's storage cache, as Nitro's host keeps one per call.
    pub(super) storage: StorageCache,
}

/// A slot in the cache: its value now, and the value the chain holds for it
/// (`None` when it was written without being read: it counts as dirty).
#[derive(Clone, Copy)]
pub(super) struct Word {
    pub(super) value: B256,
    pub(super) known: Option<B256>,
}

/// Nitro's per-call storage cache (`arbutil`'s `StorageCache`): reads hit
/// it after the first, writes stay in it until `storage_flush_cache` sends
/// the changed slots to the chain, and the first 32 reads and 8 writes of a
/// call cost no gas of their own.
#[derive(Default)]
pub(super) struct StorageCache {
    pub(super) slots: std::collections::BTreeMap<B256, Word>,
    pub(super) reads: u32,
    pub(super) writes: u32,
}

impl StorageCache {
    pub(super) fn read_gas(&mut self) -> u64 {
        self.reads = self.reads.saturating_add(1);
        match self.reads {
            0..=32 => 0,
            33..=128 => 2,
            _ => 10,
        }
    }

    pub(super) fn write_gas(&mut self) -> u64 {
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

/// Runs one call of `module` in a fresh instance; when `profiling`, reads
/// its ink counters after it (a module loaded without them has none).
pub(crate) fn run(
    engine: &Engine,
    linker: &Linker<Frame>,
    module: &Module,
    env: &mut dyn Env,
    message: Message,
    profiling: bool,
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
    let mut instance = None;
    let outcome = linker
        .instantiate_and_start(&mut store, module)
        .and_then(|started| {
            let global = |name| {
                started
                    .get_global(&store, name)
                    .ok_or_else(|| Error::new("the program is not metered"))
            };
            let (ink, status) = (global(meter::INK_LEFT)?, global(meter::INK_STATUS)?);
            ink.set(&mut store, Val::I64(budget.cast_signed()))
                .map_err(|e| Error::new(e.to_string()))?;
            store.data_mut().ink = Some(ink);
            globals = Some((ink, status));
            instance = Some(started);
            started.get_typed_func::<i32, i32>(&store, "user_entrypoint")
        })
        .and_then(|entry| entry.call(&mut store, wasm_len(len)));
    let (left, exhausted) = match globals {
        Some((ink, status)) => (
            ink.get(&store).i64().unwrap_or(0).max(0).cast_unsigned(),
            status.get(&store).i32().unwrap_or(0) != 0,
        ),
        None => (budget, false),
    };
    let (profile, functions) = instance
        .filter(|_| profiling)
        .map(|instance| profile(instance, &store))
        .unwrap_or_default();
    let frame = store.into_data();
    if functions > 0 {
        let ink: Vec<String> = profile
            .iter()
            .map(|(f, ink)| format!("{f}:{ink}"))
            .collect();
        tracing::debug!(
            target: "stylus_host::profile",
            contract = %frame.msg.contract,
            functions,
            ink = %ink.join(" "),
            "ink by function"
        );
    }
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
        profile,
    }
}

/// A profiled program's per-function ink (`RunOutcome::profile`): its
/// counters, most first, and how many functions it has; nothing for a
/// program loaded without them.
fn profile(instance: wasmi::Instance, store: &Store<Frame>) -> (Vec<(u32, u64)>, u32) {
    let counters: Vec<(u32, u64)> = (0..)
        .map_while(|function| {
            let name = format!("{}{function}", meter::PROFILE_PREFIX);
            let counter = instance.get_global(store, &name)?;
            Some((
                function,
                counter.get(store).i64().unwrap_or(0).cast_unsigned(),
            ))
        })
        .collect();
    let functions = u32::try_from(counters.len()).unwrap_or(u32::MAX);
    let mut profile: Vec<(u32, u64)> = counters.into_iter().filter(|(_, ink)| *ink > 0).collect();
    profile.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    (profile, functions)
}

pub(super) fn env<'a>(caller: &Caller<'_, Frame>) -> Result<&'a mut dyn Env> {
    let ptr = caller
        .data()
        .env
        .ok_or_else(|| Error::new("no chain at load time"))?;
    // SAFETY: see `run`: the env outlives the store, and no other reference
    // to it is live while a host function of this frame runs.
    Ok(unsafe { &mut *ptr.as_ptr() })
}

/// The ink left in the program's global.
pub(super) fn ink_left(caller: &Caller<'_, Frame>) -> u64 {
    caller
        .data()
        .ink
        .and_then(|ink| ink.get(caller).i64())
        .map_or(0, |ink| ink.max(0).cast_unsigned())
}

pub(super) fn set_ink(caller: &mut Caller<'_, Frame>, ink: u64) -> Result<()> {
    let global = caller
        .data()
        .ink
        .ok_or_else(|| Error::new("the program is not metered"))?;
    global
        .set(&mut *caller, Val::I64(ink.cast_signed()))
        .map_err(|e| Error::new(e.to_string()))
}

pub(super) fn out_of_ink(caller: &mut Caller<'_, Frame>) -> Error {
    caller.data_mut().out_of_ink = true;
    let _ = set_ink(caller, 0);
    Error::new("out of ink")
}

/// Takes `ink` for a host function.
pub(super) fn charge(caller: &mut Caller<'_, Frame>, ink: u64) -> Result<()> {
    let left = ink_left(caller);
    if left < ink {
        return Err(out_of_ink(caller));
    }
    set_ink(caller, left - ink)?;
    caller.data_mut().charged += ink;
    Ok(())
}

pub(super) fn charge_gas(caller: &mut Caller<'_, Frame>, gas: u64) -> Result<()> {
    charge(caller, gas.saturating_mul(INK_PER_GAS))
}

/// Counts a host call and burns its ink.
pub(super) fn hostio(caller: &mut Caller<'_, Frame>, ink: u64) -> Result<()> {
    caller.data_mut().host_calls += 1;
    charge(caller, ink)
}

pub(super) fn gas_left(caller: &Caller<'_, Frame>) -> u64 {
    ink_left(caller) / INK_PER_GAS
}

/// Nitro's `require_gas`: fails the call as out of ink when less than `gas`
/// is left, charging nothing.
pub(super) fn require_gas(caller: &mut Caller<'_, Frame>, gas: u64) -> Result<()> {
    if gas_left(caller) < gas {
        caller.data_mut().out_of_ink = true;
        return Err(Error::new("out of ink"));
    }
    Ok(())
}

pub(super) fn memory(caller: &Caller<'_, Frame>) -> Result<Memory> {
    caller
        .get_export("memory")
        .and_then(Extern::into_memory)
        .ok_or_else(|| Error::new("the program exports no memory"))
}

pub(super) fn read(caller: &Caller<'_, Frame>, ptr: i32, len: usize) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    memory(caller)?
        .read(caller, ptr.cast_unsigned() as usize, &mut buf)
        .map_err(|e| Error::new(format!("read out of bounds: {e}")))?;
    Ok(buf)
}

pub(super) fn write(caller: &mut Caller<'_, Frame>, ptr: i32, data: &[u8]) -> Result<()> {
    memory(caller)?
        .write(&mut *caller, ptr.cast_unsigned() as usize, data)
        .map_err(|e| Error::new(format!("write out of bounds: {e}")))
}

pub(super) fn read_word(caller: &Caller<'_, Frame>, ptr: i32) -> Result<B256> {
    Ok(B256::from_slice(&read(caller, ptr, 32)?))
}

pub(super) fn read_address(caller: &Caller<'_, Frame>, ptr: i32) -> Result<Address> {
    Ok(Address::from_slice(&read(caller, ptr, 20)?))
}

pub(super) fn read_u256(caller: &Caller<'_, Frame>, ptr: i32) -> Result<U256> {
    Ok(U256::from_be_bytes(read_word(caller, ptr)?.0))
}

/// A call out: the 63/64 rule caps the gas, the callee's use is charged
/// back, and its output becomes the return data.
#[allow(clippy::too_many_arguments)]
pub(super) fn call_out(
    mut caller: Caller<'_, Frame>,
    contract: i32,
    calldata: i32,
    len: i32,
    value: U256,
    gas: u64,
    kind: CallKind,
    ret_len: i32,
) -> Result<i32> {
    let data = read(&caller, calldata, len.cast_unsigned() as usize)?;
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
    trace!(
        contract = %caller.data().msg.contract,
        callee = %code_address,
        gas = result.gas_used,
        "call"
    );
    charge_gas(&mut caller, result.gas_used)?;
    write(
        &mut caller,
        ret_len,
        &wasm_u32(result.data.len()).to_le_bytes(),
    )?;
    caller.data_mut().return_data = result.data;
    Ok(i32::from(!result.success))
}

/// `create1`/`create2`: the new address (zero on failure) and the return data.
#[allow(clippy::too_many_arguments)]
pub(super) fn create(
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
    let init_code = read(&caller, code, len.cast_unsigned() as usize)?;
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
        &wasm_u32(result.data.len()).to_le_bytes(),
    )?;
    caller.data_mut().return_data = result.data;
    Ok(())
}

pub(super) fn math(
    caller: &mut Caller<'_, Frame>,
    ptrs: &[i32],
    op: impl Fn(&[U256]) -> U256,
) -> Result<()> {
    hostio(caller, HOSTIO_INK)?;
    let values = ptrs
        .iter()
        .map(|p| read_u256(caller, *p))
        .collect::<Result<Vec<_>>>()?;
    write(caller, ptrs[0], &op(&values).to_be_bytes::<32>())
}

/// Writes a value the host produced (a word or an address), charging the base price.
pub(super) fn put(mut c: Caller<'_, Frame>, dest: i32, value: &[u8]) -> Result<()> {
    hostio(&mut c, HOSTIO_INK)?;
    write(&mut c, dest, value)
}
