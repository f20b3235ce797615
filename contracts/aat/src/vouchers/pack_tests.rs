use super::*;

#[test]
fn pay_accounts_pack_into_one_word_and_back() {
    let max96 = (U256::from(1) << 96) - U256::from(1);
    for (settled, locked, expires_at) in [
        (U256::ZERO, U256::ZERO, 0),
        (U256::from(1), U256::from(2), 3),
        (max96, max96, u64::MAX),
        (
            U256::from(0x1234_5678_9abc_def0_1122_3344u128),
            U256::from(7u8) << 64,
            1,
        ),
    ] {
        let account = PayAccount {
            settled,
            locked,
            expires_at,
        };
        let word = account.encode().unwrap();
        assert_eq!(&word[..12], &settled.to_be_bytes::<32>()[20..]);
        assert_eq!(&word[12..24], &locked.to_be_bytes::<32>()[20..]);
        assert_eq!(&word[24..], &expires_at.to_be_bytes());
        assert_eq!(PayAccount::decode(word), account);
    }
    for too_big in [max96 + U256::from(1), U256::MAX] {
        let over = PayAccount {
            settled: too_big,
            ..PayAccount::default()
        };
        assert_eq!(over.encode(), Err(Error::overflow()));
        let over = PayAccount {
            locked: too_big,
            ..PayAccount::default()
        };
        assert_eq!(over.encode(), Err(Error::overflow()));
    }
}
