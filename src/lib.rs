pub mod cli;
pub mod grouping;
