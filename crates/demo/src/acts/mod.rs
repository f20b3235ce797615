//! The story's acts, in the order they are played.

pub mod administer;
pub mod agents;
pub mod chat;
pub mod course;
pub mod deploy;
pub mod donor;
pub mod market;
pub mod reclaim;
pub mod settle;
