//! motsu tests of `Access` on a minimal contract that routes only it: every
//! function, each error with its exact arguments, every event, and the
//! routing of each administration selector.

use alloy_primitives::Address;
use alloy_sol_types::{SolCall, SolError};
use motsu::prelude::*;
use stylus_sdk::prelude::*;

use super::*;
use crate::{
    codec::Args,
    router::{Contract as Routed, Failure, Output},
    testing::{access_calls, assert_each_routed, call_router},
};

/// A contract with nothing but `Access`.
#[storage]
struct Probe {}

impl Probe {
    fn access(&self) -> Access {
        Access
    }
}

impl Routed for Probe {
    fn call(&mut self, selector: u32, a: &mut Args<'_>) -> crate::router::Routed {
        self.access().route(selector, a)
    }

    fn construct(&mut self, a: &mut Args<'_>) -> Result<(), Failure> {
        Ok(self.access().init(a.address()?)?)
    }
}

crate::entrypoint!(Probe);

fn deploy(probe: &Contract<Probe>, owner: Address) {
    probe.sender(owner).access().init(owner).motsu_unwrap();
}

fn unauthorized(account: Address) -> Revert {
    OwnableUnauthorizedAccount { account }.into()
}

#[motsu::test]
fn init_names_the_owner_and_refuses_zero(probe: Contract<Probe>, owner: Address) {
    assert_eq!(
        probe
            .sender(owner)
            .access()
            .init(Address::ZERO)
            .motsu_unwrap_err(),
        OwnableInvalidOwner {
            owner: Address::ZERO
        }
        .into()
    );
    deploy(&probe, owner);
    probe.assert_emitted(&OwnershipTransferred {
        previousOwner: Address::ZERO,
        newOwner: owner,
    });
    assert_eq!(probe.sender(owner).access().owner(), owner);
    assert_eq!(probe.sender(owner).access().pending_owner(), Address::ZERO);
    assert!(!probe.sender(owner).access().paused());
    assert!(
        !probe.sender(owner).access().is_minter(owner),
        "the owner is no minter"
    );
}

#[motsu::test]
fn ownership_moves_in_two_steps(
    probe: Contract<Probe>,
    owner: Address,
    heir: Address,
    other: Address,
    mallory: Address,
) {
    deploy(&probe, owner);
    probe
        .sender(owner)
        .access()
        .transfer_ownership(other)
        .motsu_unwrap();
    // A second transfer replaces the pending owner; the first cannot accept.
    probe
        .sender(owner)
        .access()
        .transfer_ownership(heir)
        .motsu_unwrap();
    probe.assert_emitted(&OwnershipTransferStarted {
        previousOwner: owner,
        newOwner: heir,
    });
    assert_eq!(probe.sender(owner).access().pending_owner(), heir);
    for stranger in [other, mallory, owner] {
        assert_eq!(
            probe
                .sender(stranger)
                .access()
                .accept_ownership()
                .motsu_unwrap_err(),
            unauthorized(stranger)
        );
    }
    assert_eq!(
        probe.sender(owner).access().owner(),
        owner,
        "nothing moved yet"
    );
    probe
        .sender(heir)
        .access()
        .accept_ownership()
        .motsu_unwrap();
    probe.assert_emitted(&OwnershipTransferred {
        previousOwner: owner,
        newOwner: heir,
    });
    assert_eq!(probe.sender(heir).access().owner(), heir);
    assert_eq!(probe.sender(heir).access().pending_owner(), Address::ZERO);
    assert_eq!(
        probe.sender(owner).access().only_owner().motsu_unwrap_err(),
        unauthorized(owner)
    );
    probe.sender(heir).access().only_owner().motsu_unwrap();

    // Naming the zero address pending cancels a transfer.
    probe
        .sender(heir)
        .access()
        .transfer_ownership(mallory)
        .motsu_unwrap();
    probe
        .sender(heir)
        .access()
        .transfer_ownership(Address::ZERO)
        .motsu_unwrap();
    assert_eq!(
        probe
            .sender(mallory)
            .access()
            .accept_ownership()
            .motsu_unwrap_err(),
        unauthorized(mallory)
    );
}

#[motsu::test]
fn only_the_owner_transfers_or_renounces(probe: Contract<Probe>, owner: Address, mallory: Address) {
    deploy(&probe, owner);
    assert_eq!(
        probe
            .sender(mallory)
            .access()
            .transfer_ownership(mallory)
            .motsu_unwrap_err(),
        unauthorized(mallory)
    );
    assert_eq!(
        probe
            .sender(mallory)
            .access()
            .renounce_ownership()
            .motsu_unwrap_err(),
        unauthorized(mallory)
    );
    probe
        .sender(owner)
        .access()
        .transfer_ownership(mallory)
        .motsu_unwrap();
    probe
        .sender(owner)
        .access()
        .renounce_ownership()
        .motsu_unwrap();
    probe.assert_emitted(&OwnershipTransferred {
        previousOwner: owner,
        newOwner: Address::ZERO,
    });
    assert_eq!(probe.sender(owner).access().owner(), Address::ZERO);
    assert_eq!(
        probe
            .sender(mallory)
            .access()
            .accept_ownership()
            .motsu_unwrap_err(),
        unauthorized(mallory),
        "renouncing clears the pending owner"
    );
    assert_eq!(
        probe.sender(owner).access().pause().motsu_unwrap_err(),
        unauthorized(owner),
        "nobody administers a renounced contract"
    );
}

#[motsu::test]
fn pause_and_unpause_are_the_owners_and_alternate(
    probe: Contract<Probe>,
    owner: Address,
    mallory: Address,
) {
    deploy(&probe, owner);
    probe
        .sender(owner)
        .access()
        .when_not_paused()
        .motsu_unwrap();
    assert_eq!(
        probe.sender(owner).access().unpause().motsu_unwrap_err(),
        ExpectedPause {}.into()
    );
    assert_eq!(
        probe.sender(mallory).access().pause().motsu_unwrap_err(),
        unauthorized(mallory)
    );
    probe.sender(owner).access().pause().motsu_unwrap();
    probe.assert_emitted(&Paused { account: owner });
    assert!(probe.sender(owner).access().paused());
    assert_eq!(
        probe
            .sender(owner)
            .access()
            .when_not_paused()
            .motsu_unwrap_err(),
        EnforcedPause {}.into()
    );
    assert_eq!(
        probe.sender(owner).access().pause().motsu_unwrap_err(),
        EnforcedPause {}.into()
    );
    assert_eq!(
        probe.sender(mallory).access().unpause().motsu_unwrap_err(),
        unauthorized(mallory)
    );
    probe.sender(owner).access().unpause().motsu_unwrap();
    probe.assert_emitted(&Unpaused { account: owner });
    assert!(!probe.sender(owner).access().paused());
}

/// The owner and the pause flag share one word: each write keeps the other.
#[motsu::test]
fn the_owner_and_the_pause_flag_share_a_word_and_keep_each_other(
    probe: Contract<Probe>,
    owner: Address,
    heir: Address,
) {
    deploy(&probe, owner);
    probe.sender(owner).access().pause().motsu_unwrap();
    assert_eq!(
        probe.sender(owner).access().owner(),
        owner,
        "pausing keeps the owner"
    );
    probe
        .sender(owner)
        .access()
        .transfer_ownership(heir)
        .motsu_unwrap();
    probe
        .sender(heir)
        .access()
        .accept_ownership()
        .motsu_unwrap();
    assert!(
        probe.sender(heir).access().paused(),
        "a new owner takes over the stop as it is"
    );
    assert_eq!(
        probe.sender(owner).access().unpause().motsu_unwrap_err(),
        unauthorized(owner)
    );
    probe.sender(heir).access().unpause().motsu_unwrap();
    assert_eq!(
        probe.sender(heir).access().owner(),
        heir,
        "unpausing keeps the owner"
    );
    probe.sender(heir).access().pause().motsu_unwrap();
    probe
        .sender(heir)
        .access()
        .renounce_ownership()
        .motsu_unwrap();
    assert!(
        probe.sender(heir).access().paused(),
        "renouncing keeps the stop"
    );
    assert_eq!(probe.sender(heir).access().owner(), Address::ZERO);
}

#[motsu::test]
fn minters_are_the_owners_to_name(
    probe: Contract<Probe>,
    owner: Address,
    minter: Address,
    mallory: Address,
) {
    deploy(&probe, owner);
    assert_eq!(
        probe
            .sender(minter)
            .access()
            .only_minter()
            .motsu_unwrap_err(),
        UnauthorizedMinter { account: minter }.into()
    );
    assert_eq!(
        probe
            .sender(mallory)
            .access()
            .set_minter(mallory, true)
            .motsu_unwrap_err(),
        unauthorized(mallory)
    );
    probe
        .sender(owner)
        .access()
        .set_minter(minter, true)
        .motsu_unwrap();
    probe.assert_emitted(&MinterSet {
        minter,
        enabled: true,
    });
    assert!(probe.sender(owner).access().is_minter(minter));
    assert_eq!(
        probe.sender(minter).access().only_minter().motsu_unwrap(),
        minter
    );
    probe
        .sender(owner)
        .access()
        .set_minter(minter, false)
        .motsu_unwrap();
    probe.assert_emitted(&MinterSet {
        minter,
        enabled: false,
    });
    assert_eq!(
        probe
            .sender(minter)
            .access()
            .only_minter()
            .motsu_unwrap_err(),
        UnauthorizedMinter { account: minter }.into()
    );
}

#[motsu::test]
fn every_administration_selector_is_routed(probe: Contract<Probe>, owner: Address) {
    deploy(&probe, owner);
    assert_each_routed(&[SELECTORS], &access_calls(owner, owner), |_, calldata| {
        call_router(&mut *probe.sender(owner), calldata)
    });
    // What the router answers decodes as the spec declares it.
    let out = call_router(&mut *probe.sender(owner), &ownerCall {}.abi_encode());
    let owner_now = ownerCall::abi_decode_returns(&out.unwrap().unwrap(), true);
    assert_eq!(
        owner_now.unwrap()._0,
        Address::ZERO,
        "the calls ended in a renounce"
    );
    // Malformed arguments revert without data; other selectors are not Access's.
    let mut dirty = setMinterCall {
        minter: owner,
        enabled: true,
    }
    .abi_encode();
    dirty[4 + 63] = 2;
    assert_eq!(
        call_router(&mut *probe.sender(owner), &dirty),
        Some(Err(vec![]))
    );
    assert_eq!(call_router(&mut *probe.sender(owner), &[1, 2, 3, 4]), None);
}

/// A contract without minters declares and routes everything but them.
#[test]
fn the_owner_and_pause_subsets_leave_out_exactly_the_minters() {
    let minters = [SET_MINTER, IS_MINTER];
    assert_eq!(
        OWNER_AND_PAUSE_SELECTORS.len() + minters.len(),
        SELECTORS.len()
    );
    for selector in SELECTORS {
        let kept = OWNER_AND_PAUSE_SELECTORS.contains(selector);
        assert_eq!(kept, !minters.contains(selector), "{selector:08x}");
    }
    assert_eq!(
        OWNER_AND_PAUSE_ERROR_SELECTORS.len() + 1,
        ERROR_SELECTORS.len()
    );
    assert!(!OWNER_AND_PAUSE_ERROR_SELECTORS.contains(&UnauthorizedMinter::SELECTOR));
}

#[motsu::test]
fn without_minters_their_selectors_are_unknown(probe: Contract<Probe>, owner: Address) {
    deploy(&probe, owner);
    for calldata in [
        setMinterCall {
            minter: owner,
            enabled: true,
        }
        .abi_encode(),
        isMinterCall { account: owner }.abi_encode(),
    ] {
        let mut args = Args::new(&calldata[4..]);
        let selector = u32::from_be_bytes(calldata[..4].try_into().unwrap());
        let routed = probe
            .sender(owner)
            .access()
            .route_owner_and_pause(selector, &mut args);
        assert_eq!(routed, Ok(None));
    }
    assert!(!probe.sender(owner).access().is_minter(owner));
    let mut args = Args::new(&[]);
    let paused = probe
        .sender(owner)
        .access()
        .route_owner_and_pause(PAUSED, &mut args);
    assert_eq!(paused, Ok(Some(Output::Word(B256::ZERO))));
}
