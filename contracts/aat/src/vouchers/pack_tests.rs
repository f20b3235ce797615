use super::*;

#[test]
fn pay_accounts_pack_into_one_word_and_back() {
    let max96 = (U256::from(1) << 96) - U256::from(1);
    let max95 = (U256::from(1) << 95) - U256::from(1);
    for (settled, locked, delegated, expires_at) in [
        (U256::ZERO, U256::ZERO, false, 0),
        (U256::from(1), U256::from(2), true, 3),
        (max96, max95, false, u64::MAX),
        (max96, max95, true, u64::MAX),
        (
            U256::from(0x1234_5678_9abc_def0_1122_3344u128),
            U256::from(7u8) << 64,
            true,
            1,
        ),
    ] {
        let account = PayAccount {
            settled,
            locked,
            delegated,
            expires_at,
        };
        let word = account.encode().unwrap();
        assert_eq!(&word[..12], &settled.to_be_bytes::<32>()[20..]);
        let mut locked_field = [0u8; 12];
        locked_field.copy_from_slice(&word[12..24]);
        assert_eq!(locked_field[0] >> 7, u8::from(delegated), "the flag bit");
        locked_field[0] &= 0x7f;
        assert_eq!(&locked_field, &locked.to_be_bytes::<32>()[20..]);
        assert_eq!(&word[24..], &expires_at.to_be_bytes());
        assert_eq!(PayAccount::decode(word), account);
    }
    for (settled, locked) in [
        (max96 + U256::from(1), U256::ZERO),
        (U256::MAX, U256::ZERO),
        (U256::ZERO, max95 + U256::from(1)),
        (U256::ZERO, U256::MAX),
    ] {
        let over = PayAccount {
            settled,
            locked,
            ..PayAccount::default()
        };
        assert_eq!(over.encode(), Err(Error::overflow()));
    }
}
