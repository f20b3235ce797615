//! The `vm_hooks` host functions and call execution.

use std::rc::Rc;

use alloy_primitives::{keccak256, Address, PrimitiveSignature, B256, U256};
use wasmi::{Caller, Engine, Error, Extern, Linker, Memory, Store};

use crate::{Frame, Log, Shared, ECRECOVER};

/// Calls nest at most this deep, as on chain.
const MAX_DEPTH: usize = 1024;
/// Fuel for one call: far more than any test needs, a bound on runaway loops.
const FUEL: u64 = 1 << 40;

type Result<T> = core::result::Result<T, Error>;

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

fn count(caller: &Caller<'_, Frame>) {
    caller.data().shared.journal.borrow_mut().stats.host_calls += 1;
}

/// Runs `to` with `calldata` as a call from `sender`, in a fresh instance.
/// A revert (or a trap) rolls back storage and logs.
pub(crate) fn execute(
    shared: &Rc<Shared>,
    to: Address,
    sender: Address,
    calldata: Vec<u8>,
    is_static: bool,
    depth: usize,
    stack: Vec<Address>,
) -> core::result::Result<Vec<u8>, Vec<u8>> {
    run(shared, to, to, sender, calldata, is_static, depth, stack)
}

/// Runs the program at `code` in the storage and identity of `contract`
/// (the same address but for a delegate call).
#[allow(clippy::too_many_arguments)]
fn run(
    shared: &Rc<Shared>,
    code: Address,
    to: Address,
    sender: Address,
    calldata: Vec<u8>,
    is_static: bool,
    depth: usize,
    mut stack: Vec<Address>,
) -> core::result::Result<Vec<u8>, Vec<u8>> {
    if code == ECRECOVER {
        return Ok(ecrecover(&calldata));
    }
    let Some(module) = shared.programs.borrow().get(&code).cloned() else {
        // A call to an account without a program succeeds and returns nothing.
        return Ok(Vec::new());
    };
    if depth >= MAX_DEPTH {
        return Err(Vec::new());
    }
    let snapshot = shared.world.borrow().clone();
    stack.push(to);
    let frame = Frame::new(shared, to, sender, calldata, is_static, depth, stack);
    let mut store = Store::new(&shared.engine, frame);
    store.set_fuel(FUEL).expect("fuel metering is on");
    let outcome = shared
        .linker
        .instantiate_and_start(&mut store, &module)
        .and_then(|instance| instance.get_typed_func::<i32, i32>(&store, "user_entrypoint"))
        .and_then(|entry| {
            let len = store.data().args.len() as i32;
            entry.call(&mut store, len)
        });
    let used = FUEL - store.get_fuel().unwrap_or(0);
    shared.journal.borrow_mut().stats.fuel += used;
    let status = match outcome {
        Ok(status) => status,
        Err(err) => err.i32_exit_status().unwrap_or_else(|| {
            *shared.last_trap.borrow_mut() = Some(err.to_string());
            1
        }),
    };
    let result = std::mem::take(&mut store.data_mut().result);
    if status == 0 {
        Ok(result)
    } else {
        let mut world = shared.world.borrow_mut();
        *world = snapshot;
        Err(result)
    }
}

/// The ecrecover precompile: the signer's address word, or nothing.
fn ecrecover(input: &[u8]) -> Vec<u8> {
    let mut data = [0u8; 128];
    let n = input.len().min(128);
    data[..n].copy_from_slice(&input[..n]);
    let hash = B256::from_slice(&data[..32]);
    let v = U256::from_be_slice(&data[32..64]);
    let (r, s) = (
        U256::from_be_slice(&data[64..96]),
        U256::from_be_slice(&data[96..128]),
    );
    let parity = if v == U256::from(27) {
        false
    } else if v == U256::from(28) {
        true
    } else {
        return Vec::new();
    };
    PrimitiveSignature::new(r, s, parity)
        .recover_address_from_prehash(&hash)
        .map(|address| address.into_word().to_vec())
        .unwrap_or_default()
}

/// How a program calls out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Call,
    Static,
    /// The callee's code in the caller's storage, identity and sender.
    Delegate,
}

fn call_out(
    mut caller: Caller<'_, Frame>,
    contract: i32,
    calldata: i32,
    len: i32,
    kind: CallKind,
    ret_len: i32,
) -> Result<i32> {
    count(&caller);
    let code = read_address(&caller, contract)?;
    let data = read(&caller, calldata, len as u32 as usize)?;
    let frame = caller.data();
    let (shared, depth, stack) = (
        Rc::clone(&frame.shared),
        frame.depth + 1,
        frame.stack.clone(),
    );
    let is_static = kind == CallKind::Static || frame.is_static;
    let (to, sender) = match kind {
        CallKind::Delegate => (frame.contract, frame.sender),
        _ => (code, frame.contract),
    };
    shared.journal.borrow_mut().stats.calls += 1;
    let result = run(&shared, code, to, sender, data, is_static, depth, stack);
    let (status, data) = match result {
        Ok(data) => (0, data),
        Err(data) => (1, data),
    };
    write(&mut caller, ret_len, &(data.len() as u32).to_le_bytes())?;
    caller.data_mut().return_data = data;
    Ok(status)
}

fn touch(shared: &Shared, slot: (Address, B256), is_write: bool) {
    let mut journal = shared.journal.borrow_mut();
    if journal.touched.insert(slot) {
        let original = shared
            .world
            .borrow()
            .storage
            .get(&slot)
            .copied()
            .unwrap_or_default();
        journal.original.insert(slot, original);
        if is_write {
            journal.stats.cold_writes += 1;
        } else {
            journal.stats.cold_reads += 1;
        }
    } else if !is_write {
        journal.stats.warm_reads += 1;
    }
    if is_write {
        journal.written.insert(slot);
    }
}

fn math(caller: &mut Caller<'_, Frame>, ptrs: &[i32], op: impl Fn(&[U256]) -> U256) -> Result<()> {
    count(caller);
    let values = ptrs
        .iter()
        .map(|p| read_word(caller, *p).map(|w| U256::from_be_bytes(w.0)))
        .collect::<Result<Vec<_>>>()?;
    write(caller, ptrs[0], &op(&values).to_be_bytes::<32>())
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
        count(&c);
        let args = c.data().args.clone();
        write(&mut c, dest, &args)
    });
    hook!("write_result", |mut c: Caller<'_, Frame>,
                           ptr: i32,
                           len: i32|
     -> Result<()> {
        count(&c);
        let data = read(&c, ptr, len as u32 as usize)?;
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
        count(&c);
        let slot = (c.data().contract, read_word(&c, key)?);
        let shared = Rc::clone(&c.data().shared);
        touch(&shared, slot, false);
        let value = shared
            .world
            .borrow()
            .storage
            .get(&slot)
            .copied()
            .unwrap_or_default();
        write(&mut c, dest, value.as_slice())
    });
    hook!("storage_cache_bytes32", |c: Caller<'_, Frame>,
                                    key: i32,
                                    value: i32|
     -> Result<()> {
        count(&c);
        if c.data().is_static {
            return Err(Error::new("storage write in a static call"));
        }
        let slot = (c.data().contract, read_word(&c, key)?);
        let value = read_word(&c, value)?;
        let shared = Rc::clone(&c.data().shared);
        touch(&shared, slot, true);
        shared.world.borrow_mut().storage.insert(slot, value);
        Ok(())
    });
    hook!(
        "storage_flush_cache",
        |c: Caller<'_, Frame>, _clear: i32| { count(&c) }
    );
    hook!("transient_load_bytes32", |mut c: Caller<'_, Frame>,
                                     key: i32,
                                     dest: i32|
     -> Result<()> {
        count(&c);
        let slot = (c.data().contract, read_word(&c, key)?);
        let value = c
            .data()
            .shared
            .journal
            .borrow()
            .transient
            .get(&slot)
            .copied()
            .unwrap_or_default();
        write(&mut c, dest, value.as_slice())
    });
    hook!("transient_store_bytes32", |c: Caller<'_, Frame>,
                                      key: i32,
                                      value: i32|
     -> Result<()> {
        count(&c);
        let slot = (c.data().contract, read_word(&c, key)?);
        let value = read_word(&c, value)?;
        c.data()
            .shared
            .journal
            .borrow_mut()
            .transient
            .insert(slot, value);
        Ok(())
    });
    hook!("call_contract", |c: Caller<'_, Frame>,
                            to: i32,
                            data: i32,
                            len: i32,
                            value: i32,
                            _gas: i64,
                            ret: i32|
     -> Result<i32> {
        if !read_word(&c, value)?.is_zero() {
            return Err(Error::new(
                "value transfers are not supported by this harness",
            ));
        }
        call_out(c, to, data, len, CallKind::Call, ret)
    });
    hook!("static_call_contract", |c: Caller<'_, Frame>,
                                   to: i32,
                                   data: i32,
                                   len: i32,
                                   _gas: i64,
                                   ret: i32|
     -> Result<i32> {
        call_out(c, to, data, len, CallKind::Static, ret)
    });
    hook!("delegate_call_contract", |c: Caller<'_, Frame>,
                                     to: i32,
                                     data: i32,
                                     len: i32,
                                     _gas: i64,
                                     ret: i32|
     -> Result<i32> {
        call_out(c, to, data, len, CallKind::Delegate, ret)
    });
    hook!("create1", |_c: Caller<'_, Frame>,
                      _code: i32,
                      _len: i32,
                      _endowment: i32,
                      _contract: i32,
                      _ret: i32|
     -> Result<()> {
        Err(Error::new("create1 is not supported by this harness"))
    });
    hook!("create2", |_c: Caller<'_, Frame>,
                      _code: i32,
                      _len: i32,
                      _endowment: i32,
                      _salt: i32,
                      _contract: i32,
                      _ret: i32|
     -> Result<()> {
        Err(Error::new("create2 is not supported by this harness"))
    });
    hook!("read_return_data", |mut c: Caller<'_, Frame>,
                               dest: i32,
                               offset: i32,
                               size: i32|
     -> Result<i32> {
        count(&c);
        let data = &c.data().return_data;
        let start = (offset as u32 as usize).min(data.len());
        let end = start.saturating_add(size as u32 as usize).min(data.len());
        let chunk = data[start..end].to_vec();
        write(&mut c, dest, &chunk)?;
        Ok(chunk.len() as i32)
    });
    hook!("return_data_size", |c: Caller<'_, Frame>| -> i32 {
        count(&c);
        c.data().return_data.len() as i32
    });
    hook!("emit_log", |c: Caller<'_, Frame>,
                       data: i32,
                       len: i32,
                       topics: i32|
     -> Result<()> {
        count(&c);
        if c.data().is_static {
            return Err(Error::new("log in a static call"));
        }
        let bytes = read(&c, data, len as u32 as usize)?;
        let topics = topics as u32 as usize;
        if topics > 4 || bytes.len() < 32 * topics {
            return Err(Error::new("malformed log"));
        }
        let log = Log {
            address: c.data().contract,
            topics: bytes[..32 * topics]
                .chunks(32)
                .map(B256::from_slice)
                .collect(),
            data: bytes[32 * topics..].to_vec(),
        };
        let shared = &c.data().shared;
        let mut journal = shared.journal.borrow_mut();
        journal.stats.logs += 1;
        journal.stats.log_topics += topics as u64;
        journal.stats.log_bytes += log.data.len() as u64;
        shared.world.borrow_mut().logs.push(log);
        Ok(())
    });
    hook!("account_balance", |mut c: Caller<'_, Frame>,
                              _addr: i32,
                              dest: i32|
     -> Result<()> {
        count(&c);
        write(&mut c, dest, &[0u8; 32])
    });
    hook!("account_code", |_c: Caller<'_, Frame>,
                           _addr: i32,
                           _offset: i32,
                           _size: i32,
                           _dest: i32|
     -> i32 { 0 });
    hook!("account_code_size", |c: Caller<'_, Frame>,
                                addr: i32|
     -> Result<i32> {
        count(&c);
        let addr = read_address(&c, addr)?;
        Ok(i32::from(
            c.data().shared.programs.borrow().contains_key(&addr),
        ))
    });
    hook!("account_codehash", |mut c: Caller<'_, Frame>,
                               addr: i32,
                               dest: i32|
     -> Result<()> {
        count(&c);
        let addr = read_address(&c, addr)?;
        let hash = if c.data().shared.programs.borrow().contains_key(&addr) {
            keccak256(addr)
        } else {
            keccak256([])
        };
        write(&mut c, dest, hash.as_slice())
    });
    hook!("evm_gas_left", |_c: Caller<'_, Frame>| -> i64 {
        30_000_000
    });
    hook!("evm_ink_left", |_c: Caller<'_, Frame>| -> i64 {
        300_000_000_000
    });
    hook!("block_basefee", |mut c: Caller<'_, Frame>,
                            dest: i32|
     -> Result<()> {
        write(&mut c, dest, &[0u8; 32])
    });
    hook!("chainid", |c: Caller<'_, Frame>| -> i64 {
        c.data().shared.world.borrow().chain_id as i64
    });
    hook!("block_coinbase", |mut c: Caller<'_, Frame>,
                             dest: i32|
     -> Result<()> {
        write(&mut c, dest, &[0u8; 20])
    });
    hook!("block_gas_limit", |_c: Caller<'_, Frame>| -> i64 {
        32_000_000
    });
    hook!("block_number", |c: Caller<'_, Frame>| -> i64 {
        c.data().shared.world.borrow().block_number as i64
    });
    hook!("block_timestamp", |c: Caller<'_, Frame>| -> i64 {
        count(&c);
        c.data().shared.world.borrow().timestamp as i64
    });
    hook!("contract_address", |mut c: Caller<'_, Frame>,
                               dest: i32|
     -> Result<()> {
        count(&c);
        let address = c.data().contract;
        write(&mut c, dest, address.as_slice())
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
    hook!("msg_reentrant", |c: Caller<'_, Frame>| -> i32 {
        count(&c);
        let frame = c.data();
        let outer = &frame.stack[..frame.stack.len().saturating_sub(1)];
        i32::from(outer.contains(&frame.contract))
    });
    hook!("msg_sender", |mut c: Caller<'_, Frame>,
                         dest: i32|
     -> Result<()> {
        count(&c);
        let sender = c.data().sender;
        write(&mut c, dest, sender.as_slice())
    });
    hook!("msg_value", |mut c: Caller<'_, Frame>,
                        dest: i32|
     -> Result<()> {
        count(&c);
        let value = c.data().value;
        write(&mut c, dest, &value.to_be_bytes::<32>())
    });
    hook!("native_keccak256", |mut c: Caller<'_, Frame>,
                               ptr: i32,
                               len: i32,
                               out: i32|
     -> Result<()> {
        count(&c);
        let hash = keccak256(read(&c, ptr, len as u32 as usize)?);
        write(&mut c, out, hash.as_slice())
    });
    hook!("tx_gas_price", |mut c: Caller<'_, Frame>,
                           dest: i32|
     -> Result<()> {
        write(&mut c, dest, &[0u8; 32])
    });
    hook!("tx_ink_price", |_c: Caller<'_, Frame>| -> i32 { 10_000 });
    hook!("tx_origin", |mut c: Caller<'_, Frame>,
                        dest: i32|
     -> Result<()> {
        count(&c);
        let origin = *c.data().shared.origin.borrow();
        write(&mut c, dest, origin.as_slice())
    });
    hook!(
        "pay_for_memory_grow",
        |_c: Caller<'_, Frame>, _pages: i32| {}
    );
    l
}
