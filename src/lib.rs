//! minyi (民意): a residents' deliberation hall — suggestions in, topics out, decisions back.
pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod grouping;
pub mod intake;
pub mod media;
pub mod metrics;
pub mod paper_import;
pub mod queue;
pub mod routes;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod topics;
