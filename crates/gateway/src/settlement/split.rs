//! Splitting a failing batch until what sinks it is alone.
//!
//! `settleBatch` skips a voucher that cannot settle (`VoucherRejected`), so a
//! batch fails whole only for a reason of the caller's (a pause, a failing
//! fee mint, the node: nothing a split can fix) or because one of its
//! vouchers makes the whole transaction fail: a holder's ERC-1271 wallet
//! that burns all the gas it is given (the contract's static call forwards
//! 63/64 of it, and the rest of the batch runs out), a voucher made out to
//! another provider (`NotVoucherProvider`). A batch that fails for a reason
//! of its own is halved and its halves tried, until each culprit is alone;
//! the culprits are set aside with their reason and the rest settles. One
//! culprit in a batch of n costs about 2·log2(n) attempts, not the
//! settlement.

use std::future::Future;

/// Why an attempt failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Something in the batch made it fail: split it.
    Batch(String),
    /// Not the batch's doing: stop, and try again later.
    Chain(String),
}

/// What became of a batch.
#[derive(Debug)]
pub struct Split<T, O> {
    /// The outcomes of the attempts that went through.
    pub done: Vec<O>,
    /// The items that fail even alone, and why.
    pub culprits: Vec<(T, String)>,
    /// The attempts that failed.
    pub failed_attempts: usize,
    /// What stopped it, when something did (the items not tried yet wait
    /// for the next round).
    pub stopped: Option<String>,
}

/// Tries `items` with `attempt`, halving what fails with [`Fault::Batch`]
/// until the culprits are alone, in order, stopping at the first
/// [`Fault::Chain`].
pub async fn split<T, O, F, Fut>(items: &[T], mut attempt: F) -> Split<T, O>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = Result<O, Fault>>,
{
    let mut split = Split {
        done: Vec::new(),
        culprits: Vec::new(),
        failed_attempts: 0,
        stopped: None,
    };
    // A stack: the first half is tried before the second.
    let mut pending = vec![items.to_vec()];
    while let Some(batch) = pending.pop() {
        if batch.is_empty() {
            continue;
        }
        match attempt(batch.clone()).await {
            Ok(outcome) => split.done.push(outcome),
            Err(fault) => {
                split.failed_attempts += 1;
                match fault {
                    Fault::Chain(reason) => {
                        split.stopped = Some(reason);
                        break;
                    }
                    Fault::Batch(reason) if batch.len() == 1 => {
                        split
                            .culprits
                            .extend(batch.into_iter().map(|t| (t, reason.clone())));
                    }
                    Fault::Batch(_) => {
                        let (first, second) = batch.split_at(batch.len() / 2);
                        pending.push(second.to_vec());
                        pending.push(first.to_vec());
                    }
                }
            }
        }
    }
    split
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A batch fails when it holds a culprit; settles otherwise.
    fn judge(
        culprits: &'static [u32],
    ) -> impl FnMut(Vec<u32>) -> std::future::Ready<Result<Vec<u32>, Fault>> {
        move |batch: Vec<u32>| {
            std::future::ready(match batch.iter().find(|i| culprits.contains(i)) {
                Some(i) => Err(Fault::Batch(format!("{i} sinks it"))),
                None => Ok(batch),
            })
        }
    }

    #[tokio::test]
    async fn one_culprit_is_isolated_in_few_attempts_and_everything_else_goes_through() {
        let items: Vec<u32> = (0..100).collect();
        let split = split(&items, judge(&[37])).await;
        assert_eq!(split.culprits, vec![(37, "37 sinks it".to_owned())]);
        let mut done: Vec<u32> = split.done.into_iter().flatten().collect();
        done.sort_unstable();
        assert_eq!(done, (0..100).filter(|i| *i != 37).collect::<Vec<_>>());
        assert!(split.failed_attempts <= 8, "{}", split.failed_attempts);
        assert_eq!(split.stopped, None);
    }

    #[tokio::test]
    async fn several_culprits_are_each_set_aside() {
        let items: Vec<u32> = (0..10).collect();
        let split = split(&items, judge(&[0, 5, 9])).await;
        let culprits: Vec<u32> = split.culprits.iter().map(|(i, _)| *i).collect();
        assert_eq!(culprits, vec![0, 5, 9]);
        assert_eq!(split.done.into_iter().flatten().count(), 7);
    }

    #[tokio::test]
    async fn a_fault_of_the_chain_stops_without_blaming_anyone() {
        let items: Vec<u32> = (0..10).collect();
        let mut calls = 0;
        let split = split(&items, |_batch: Vec<u32>| {
            calls += 1;
            std::future::ready(Err::<(), _>(Fault::Chain("paused".into())))
        })
        .await;
        assert_eq!(calls, 1);
        assert!(split.culprits.is_empty() && split.done.is_empty());
        assert_eq!(split.stopped.as_deref(), Some("paused"));
    }
}
