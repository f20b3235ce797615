//! What the suite's tests share (feature `testing`, never in a deployable
//! program): an ERC-1271 smart account, a router driver, the typed data
//! wallets sign, and a reproducible random generator.

use alloc::{vec, vec::Vec};

use alloy_primitives::{Address, FixedBytes, B256};
use stylus_sdk::{
    abi::Bytes,
    prelude::*,
    storage::{StorageAddress, StorageU8},
};

use crate::{
    router::{route, Contract},
    signature::{self, ERC1271_MAGIC},
};

/// What a router answers: `None` for an unknown selector, else the return
/// data or the revert data.
pub type Answer = Option<Result<Vec<u8>, Vec<u8>>>;

/// Runs `calldata` (selector and arguments, as a client encodes it)
/// through a contract's router. Call it on `&mut *contract.sender(caller)`
/// to choose the caller.
///
/// # Panics
///
/// When `calldata` is shorter than a 4-byte selector.
pub fn call_router<C: Contract>(contract: &mut C, calldata: &[u8]) -> Answer {
    let selector = u32::from_be_bytes(calldata[..4].try_into().expect("a selector"));
    route(contract, selector, &calldata[4..])
}

/// Asserts that each of `calls` (one spec-encoded call per function of
/// `tables`, each run by `run`) reaches its function: it returns, or
/// reverts with a reason; never an unknown selector, never a bare revert.
///
/// # Panics
///
/// When a call misses its function, or the calls do not cover the tables.
pub fn assert_each_routed(
    tables: &[&[u32]],
    calls: &[Vec<u8>],
    mut run: impl FnMut(u32, &[u8]) -> Answer,
) {
    let declared = || tables.iter().flat_map(|table| table.iter());
    assert_eq!(calls.len(), declared().count(), "one call per function");
    for calldata in calls {
        let selector = u32::from_be_bytes(calldata[..4].try_into().expect("a selector"));
        assert!(
            declared().any(|s| *s == selector),
            "{selector:08x} is not in the tables"
        );
        match run(selector, calldata) {
            Some(Ok(_)) => {}
            Some(Err(data)) => assert!(data.len() >= 4, "{selector:08x} reverted without a reason"),
            None => panic!("{selector:08x} was not routed"),
        }
    }
}

/// Asserts that `listed` (a contract's selectors, from `selectors!` and
/// `errors!`, with those of `access` it uses) are exactly `spec`'s (what
/// `sol!` generated from the spec file): none missing, none extra, none
/// twice.
///
/// # Panics
///
/// When they differ.
pub fn assert_same_selectors<S: Ord + Copy + core::fmt::Debug>(
    what: &str,
    listed: &[&[S]],
    spec: &[S],
) {
    let mut listed: Vec<S> = listed
        .iter()
        .flat_map(|table| table.iter().copied())
        .collect();
    listed.sort_unstable();
    let count = listed.len();
    listed.dedup();
    assert_eq!(count, listed.len(), "{what}: a selector is listed twice");
    let mut spec = spec.to_vec();
    spec.sort_unstable();
    let missing: Vec<_> = spec.iter().filter(|s| !listed.contains(s)).collect();
    let extra: Vec<_> = listed.iter().filter(|s| !spec.contains(s)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: the spec's only: {missing:x?}; listed only: {extra:x?}"
    );
}

/// Asserts that a contract's error encodings (`errors!`'s
/// `ERROR_SELECTORS`) are exactly its spec's errors, and include those of
/// `access` it raises.
///
/// # Panics
///
/// When they differ.
pub fn assert_errors_are_the_specs(
    what: &str,
    listed: &[[u8; 4]],
    spec: &[[u8; 4]],
    access: &[[u8; 4]],
) {
    assert_same_selectors(what, &[listed], spec);
    for selector in access {
        assert!(listed.contains(selector), "{what}: {selector:x?}");
    }
}

alloy_sol_types::sol! {
    /// EIP-2612's signed approval.
    #[derive(Debug)]
    struct Permit {
        address owner;
        address spender;
        uint256 value;
        uint256 nonce;
        uint256 deadline;
    }

    /// EIP-3009's signed transfer, which anyone may submit.
    #[derive(Debug)]
    struct TransferWithAuthorization {
        address from;
        address to;
        uint256 value;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    /// EIP-3009's signed transfer, which only its payee may submit.
    #[derive(Debug)]
    struct ReceiveWithAuthorization {
        address from;
        address to;
        uint256 value;
        uint256 validAfter;
        uint256 validBefore;
        bytes32 nonce;
    }

    /// EIP-3009's signed cancel of an unused nonce.
    #[derive(Debug)]
    struct CancelAuthorization {
        address authorizer;
        bytes32 nonce;
    }
}

/// Panics unless the mappings `names` (a contract's, `Access.minters` and
/// its strings' included) have distinct 4-byte tags (`slot::Map`), none of
/// them `styl`: a map slot is `keccak256(tag ‖ key)`, so only a shared tag
/// could let two records, or a record and stylus-sdk's constructor guard
/// (`keccak256("stylus_constructor")`), meet.
///
/// # Panics
///
/// When two names share a tag, or one's tag is `styl`.
pub fn assert_distinct_tags(names: &[&[u8]]) {
    let tag = |name: &[u8]| {
        let hash = alloy_primitives::keccak256(name);
        [hash[0], hash[1], hash[2], hash[3]]
    };
    for (i, a) in names.iter().enumerate() {
        assert_ne!(tag(a), *b"styl", "{a:?} could meet the constructor guard");
        for b in &names[i + 1..] {
            assert_ne!(tag(a), tag(b), "{a:?} and {b:?} share a tag");
        }
    }
}

/// One spec-encoded call of each administration function of `access`,
/// for `assert_each_routed`: `owner` stays the owner and `minter` loses its
/// minter role.
#[must_use]
pub fn access_calls(owner: Address, minter: Address) -> Vec<Vec<u8>> {
    use crate::access::*;
    use alloy_sol_types::SolCall;
    alloc::vec![
        setMinterCall {
            minter,
            enabled: false,
        }
        .abi_encode(),
        isMinterCall { account: owner }.abi_encode(),
        pauseCall {}.abi_encode(),
        unpauseCall {}.abi_encode(),
        pausedCall {}.abi_encode(),
        ownerCall {}.abi_encode(),
        pendingOwnerCall {}.abi_encode(),
        transferOwnershipCall { newOwner: owner }.abi_encode(),
        acceptOwnershipCall {}.abi_encode(),
        renounceOwnershipCall {}.abi_encode(),
    ]
}

/// A deterministic xorshift generator: reproducible operation sequences
/// without a property-testing dependency in the contract crates.
pub struct Rng(pub u64);

impl Rng {
    /// The next number of the sequence (xorshift64, shifts 13, 7, 17); a zero state stays
    /// zero, so seed it with a non-zero number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// An ERC-1271 smart account: it holds tokens like any account and answers
/// `isValidSignature` as its mode says.
#[storage]
pub struct SmartAccount {
    /// The key whose 65-byte ECDSA signatures the account accepts.
    owner: StorageAddress,
    /// 0 accepts its owner's signatures (and nothing else), 1 refuses every
    /// signature with a wrong answer, 2 reverts.
    mode: StorageU8,
}

unsafe impl TopLevelStorage for SmartAccount {}

/// `SmartAccount`'s answer when it refuses.
pub const REFUSAL: [u8; 4] = [0xff, 0xff, 0xff, 0xff];

#[public]
impl SmartAccount {
    /// Sets the key whose signatures the account accepts in mode 0.
    pub fn set_owner(&mut self, owner: Address) {
        self.owner.set(owner);
    }

    /// Sets how `isValidSignature` answers: 0 checks the owner's signature, 1 refuses,
    /// 2 or more reverts.
    pub fn set_mode(&mut self, mode: u8) {
        self.mode.set(alloy_primitives::Uint::from(mode));
    }

    /// Accepts ERC-1155 units, as smart accounts do.
    #[selector(name = "onERC1155Received")]
    #[must_use]
    pub fn on_erc1155_received(
        &self,
        _operator: Address,
        _from: Address,
        _id: alloy_primitives::U256,
        _value: alloy_primitives::U256,
        _data: Bytes,
    ) -> FixedBytes<4> {
        FixedBytes([0xf2, 0x3a, 0x6e, 0x61])
    }

    /// ERC-1271: `ERC1271_MAGIC` in mode 0 for a hash the owner signed, else `REFUSAL`.
    ///
    /// # Errors
    ///
    /// Reverts with the bytes `account refuses` in mode 2 or more.
    #[selector(name = "isValidSignature")]
    #[allow(clippy::needless_pass_by_value)] // `#[public]` passes arguments by value
    pub fn is_valid_signature(
        &self,
        hash: B256,
        signature: Bytes,
    ) -> Result<FixedBytes<4>, Vec<u8>> {
        match self.mode.get().to::<u8>() {
            0 => {
                let signed_by_owner = signature::split(&signature)
                    .is_some_and(|(v, r, s)| signature::recover(hash, v, r, s) == self.owner.get());
                Ok(FixedBytes(if signed_by_owner {
                    ERC1271_MAGIC
                } else {
                    REFUSAL
                }))
            }
            1 => Ok(FixedBytes(REFUSAL)),
            _ => Err(b"account refuses".to_vec()),
        }
    }
}
