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
//!
//! [`linker`] is the table of host functions; what they share is in
//! [`frame`].

mod frame;

use alloy_primitives::{keccak256, B256, U256};
use wasmi::{Caller, Engine, Error, Linker};

use crate::runtime::{CallKind, INK_PER_GAS};
use crate::Log;

use frame::*;
pub(crate) use frame::{run, Frame};

/// The linker with every `vm_hooks` function.
#[allow(clippy::too_many_lines)] // a dispatch table: one hook per host function
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
        let data = read(&c, ptr, len.cast_unsigned() as usize)?;
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
        let value = if let Some(value) = cached {
            value
        } else {
            let contract = c.data().msg.contract;
            let (value, slot_gas) = env(&c)?.storage_load(contract, key);
            gas += slot_gas + EVM_API_GAS;
            let known = Some(value);
            c.data_mut()
                .storage
                .slots
                .insert(key, Word { value, known });
            value
        };
        trace!(contract = %c.data().msg.contract, %key, gas, in_call_cache = cached.is_some(), "sload");
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
            trace!(%contract, %key, gas, "sstore");
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
        call_out(
            c,
            to,
            data,
            len,
            value,
            gas.cast_unsigned(),
            CallKind::Call,
            ret,
        )
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
            gas.cast_unsigned(),
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
            gas.cast_unsigned(),
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
        let start = (offset.cast_unsigned() as usize).min(data.len());
        let end = start
            .saturating_add(size.cast_unsigned() as usize)
            .min(data.len());
        let chunk = data[start..end].to_vec();
        hostio(&mut c, HOSTIO_INK + write_price(chunk.len()))?;
        write(&mut c, dest, &chunk)?;
        Ok(wasm_len(chunk.len()))
    });
    hook!(
        "return_data_size",
        |mut c: Caller<'_, Frame>| -> Result<i32> {
            hostio(&mut c, HOSTIO_INK)?;
            Ok(wasm_len(c.data().return_data.len()))
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
        let bytes = read(&c, data, len.cast_unsigned() as usize)?;
        hostio(&mut c, FLUSH_INK + read_price(bytes.len()))?;
        let topics = topics.cast_unsigned() as usize;
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
        let gas = LOG_GAS + LOG_TOPIC_GAS * topics as u64 + LOG_DATA_GAS * log.data.len() as u64;
        trace!(contract = %log.address, topics, data = log.data.len(), gas, "log");
        charge_gas(&mut c, gas)?;
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
        let start = (offset.cast_unsigned() as usize).min(code.len());
        let end = start
            .saturating_add(size.cast_unsigned() as usize)
            .min(code.len());
        charge(&mut c, write_price(end - start))?;
        write(&mut c, dest, &code[start..end])?;
        Ok(wasm_len(end - start))
    });
    hook!("account_code_size", |mut c: Caller<'_, Frame>,
                                addr: i32|
     -> Result<i32> {
        hostio(&mut c, ACCOUNT_INK)?;
        let addr = read_address(&c, addr)?;
        let (code, gas) = env(&c)?.code(addr);
        charge_gas(&mut c, gas)?;
        Ok(wasm_len(code.len()))
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
        Ok(gas_left(&c).cast_signed())
    });
    hook!("evm_ink_left", |mut c: Caller<'_, Frame>| -> Result<i64> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(ink_left(&c).cast_signed())
    });
    hook!("block_basefee", |c: Caller<'_, Frame>,
                            dest: i32|
     -> Result<()> {
        let fee = env(&c)?.block().basefee;
        put(c, dest, &fee.to_be_bytes::<32>())
    });
    hook!("chainid", |mut c: Caller<'_, Frame>| -> Result<i64> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(env(&c)?.block().chain_id.cast_signed())
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
            Ok(env(&c)?.block().gas_limit.cast_signed())
        }
    );
    hook!("block_number", |mut c: Caller<'_, Frame>| -> Result<i64> {
        hostio(&mut c, HOSTIO_INK)?;
        Ok(env(&c)?.block().number.cast_signed())
    });
    hook!(
        "block_timestamp",
        |mut c: Caller<'_, Frame>| -> Result<i64> {
            hostio(&mut c, HOSTIO_INK)?;
            Ok(env(&c)?.block().timestamp.cast_signed())
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
        let data = read(&c, ptr, len.cast_unsigned() as usize)?;
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
        Ok(i32::try_from(INK_PER_GAS).unwrap_or(i32::MAX))
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
        // growing by nothing costs a host call's ink. Wasm's whole memory is
        // 65,536 pages: a larger (or negative) count is priced as the most,
        // which no call's gas pays.
        let pages = u16::try_from(pages).unwrap_or(u16::MAX);
        if pages == 0 {
            return hostio(&mut c, HOSTIO_INK);
        }
        c.data_mut().host_calls += 1;
        let gas = env(&c)?.open_pages(pages);
        charge_gas(&mut c, gas)
    });
    l
}
