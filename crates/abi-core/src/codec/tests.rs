//! The codec's tests: decoding against alloy's encoder, strictness on
//! malformed calldata, and the hand-laid encodings.

use super::*;
use alloy_primitives::{address, fixed_bytes};
use alloy_sol_types::{sol_data, SolType, SolValue};

#[test]
fn an_inlined_word_is_the_word() {
    let word = alloy_primitives::keccak256(b"TokenAI.balances");
    assert_eq!(inline_word(&word), word);
    assert_eq!(inline_word(&B256::ZERO), B256::ZERO);
}

#[test]
fn static_values_decode_and_dirty_padding_is_refused() {
    type Static = (
        sol_data::Address,
        sol_data::Bool,
        sol_data::Uint<8>,
        sol_data::Uint<16>,
        sol_data::Uint<64>,
        sol_data::Uint<256>,
    );
    let who = address!("00000000000000000000000000000000000000aa");
    let data = Static::abi_encode_params(&(who, true, 7u8, 513u16, u64::MAX, U256::MAX));
    let mut a = Args::new(&data);
    assert_eq!(a.address(), Ok(who));
    assert_eq!(a.bool(), Ok(true));
    assert_eq!(a.u8(), Ok(7));
    assert_eq!(a.u16(), Ok(513));
    assert_eq!(a.u64(), Ok(u64::MAX));
    assert_eq!(a.u256(), Ok(U256::MAX));
    assert_eq!(a.u256(), Err(Malformed), "no word left");

    let mut dirty = [0u8; 32];
    dirty[0] = 1;
    for read in [
        |a: &mut Args<'_>| a.address().map(drop),
        |a: &mut Args<'_>| a.bool().map(drop),
        |a: &mut Args<'_>| a.u8().map(drop),
        |a: &mut Args<'_>| a.u16().map(drop),
        |a: &mut Args<'_>| a.u64().map(drop),
    ] {
        assert_eq!(read(&mut Args::new(&dirty)), Err(Malformed));
    }
    let mut two = [0u8; 32];
    two[31] = 2;
    assert_eq!(Args::new(&two).bool(), Err(Malformed));
    let mut tail_dirty = [0u8; 32];
    tail_dirty[31] = 1;
    assert_eq!(Args::new(&tail_dirty).fixed::<16>(), Err(Malformed));
    let model = fixed_bytes!("4750542d340000000000000000000000");
    assert_eq!(Args::new(&model.abi_encode()).fixed::<16>(), Ok(model));
}

#[test]
fn dynamic_values_decode_as_alloy_encodes_them() {
    let items = vec![b"".to_vec(), b"one".to_vec(), vec![7u8; 65]];
    let values = vec![U256::from(1), U256::MAX];
    let data = (
        alloy_primitives::Bytes::from(b"hello".to_vec()),
        values.clone(),
        items
            .iter()
            .cloned()
            .map(alloy_primitives::Bytes::from)
            .collect::<Vec<_>>(),
    )
        .abi_encode_params();
    let mut a = Args::new(&data);
    assert_eq!(a.bytes(), Ok(&b"hello"[..]));
    assert_eq!(a.u256_array(), Ok(values));
    let decoded = a.bytes_array().unwrap();
    assert_eq!(decoded.len(), 3);
    for (got, want) in decoded.iter().zip(&items) {
        assert_eq!(got, want);
    }
}

#[test]
fn static_struct_arrays_read_word_by_word() {
    type Pair = (sol_data::Address, sol_data::Uint<256>);
    let pairs = vec![
        (Address::with_last_byte(1), U256::from(10)),
        (Address::with_last_byte(2), U256::from(20)),
    ];
    let data = <(sol_data::Array<Pair>,)>::abi_encode_params(&(pairs.clone(),));
    let (len, mut items) = Args::new(&data).array(2).unwrap();
    assert_eq!(len, 2);
    for (who, value) in pairs {
        assert_eq!(items.address(), Ok(who));
        assert_eq!(items.u256(), Ok(value));
    }
}

#[test]
fn lengths_and_offsets_out_of_range_are_refused() {
    // Offset past the end, length past the end, offset too large to be small.
    let mut data = words(&[size_word(64)]);
    assert_eq!(Args::new(&data).bytes(), Err(Malformed));
    data = words(&[size_word(32), size_word(33), B256::ZERO]);
    assert_eq!(Args::new(&data).bytes(), Err(Malformed));
    data = words(&[U256::MAX.word()]);
    assert_eq!(Args::new(&data).u256_array(), Err(Malformed));
    data = words(&[size_word(32), U256::from(u32::MAX).word()]);
    assert_eq!(Args::new(&data).array(5).map(|(n, _)| n), Err(Malformed));
}

#[test]
fn limb_conversions_equal_ruints() {
    let mut x = U256::from(0x0123_4567_89ab_cdefu64);
    for step in 0..200u64 {
        x = x.wrapping_mul(U256::from(6_364_136_223_846_793_005u64)) + U256::from(step);
        assert_eq!(x.word().0, x.to_be_bytes::<32>());
        assert_eq!(u256_of(&x.to_be_bytes::<32>()), x);
    }
    for who in [
        Address::ZERO,
        Address::repeat_byte(0xab),
        Address::with_last_byte(1),
    ] {
        assert_eq!(who.word(), who.into_word());
    }
    for n in 0..=32 {
        assert!(clean(&[0u8; 32], &prefix_mask(n)));
        for dirty in 0..32 {
            let mut word = [0u8; 32];
            word[dirty] = 0x80;
            assert_eq!(
                clean(&word, &prefix_mask(n)),
                dirty >= n,
                "n {n} dirty {dirty}"
            );
        }
    }
}

#[test]
fn encoders_equal_abi_encode() {
    let values = [U256::from(3), U256::MAX];
    assert_eq!(encode_array(&values), values.to_vec().abi_encode());
    assert_eq!(
        encode_two_arrays(&values, &values[..1]),
        (values.to_vec(), values[..1].to_vec()).abi_encode_params()
    );
    for text in ["", "x", &"y".repeat(32), &"z".repeat(33)] {
        assert_eq!(encode_bytes(text.as_bytes()), text.to_string().abi_encode());
    }
    let model = fixed_bytes!("4750542d340000000000000000000000");
    assert_eq!(model.word().as_slice(), model.abi_encode().as_slice());
    assert_eq!(7u8.word(), U256::from(7).word());
}

#[test]
fn a_code_word_is_the_word() {
    const WORD: B256 = B256::new(
        stylus_sdk::keccak_const::Keccak256::new()
            .update(b"Transfer(address,address,uint256)")
            .finalize(),
    );
    assert_eq!(crate::code_word!(WORD), WORD);
    assert_eq!(crate::code_word!(B256::ZERO), B256::ZERO);
    assert_eq!(of_pieces(pieces(&WORD)), WORD);
}
