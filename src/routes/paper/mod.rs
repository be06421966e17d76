//! Paper batches and their entries, for volunteers and workers of the batch's community.
pub mod batches;
pub mod entries;
