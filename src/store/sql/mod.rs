//! The SQL of the store, written once for both backends.
//!
//! Both sqlx drivers accept `$1`-style parameters, and the two schemas differ only in column
//! types (see the two migration folders), so one body of SQL and code serves both. This folder
//! is compiled once per backend: `postgres.rs` and `sqlite.rs` each include it with `#[path]`,
//! after naming their store type `SqlStore` and their driver `Db`. Those two names are all the
//! backend glue; the rest is ordinary Rust that rustfmt, clippy and grep reach. (Atuin writes
//! one impl per backend; one copy is simpler to keep correct here. A generic over
//! `sqlx::Database` would need an `Encode`/`Type`/`FromRow` bound for every value and row.)
//!
//! Each file implements one of the store's traits and starts with its statements: lowercase
//! SQL in constants named for what they do.
mod access;
mod accounts;
mod areas;
mod audit;
mod corrections;
mod delivery;
mod events;
mod first_use;
mod funding;
mod inbox;
mod logins;
mod meetings;
mod notifications;
mod organisations;
mod outbox;
mod paper;
mod participation;
mod privacy;
mod schema;
mod shared;
mod sms;
mod statistics;
mod status;
mod suggestions;
mod synonyms;
mod topics;
mod uploads;

use super::{Db, SqlStore};

/// A transaction on this backend.
type Tx<'c> = sqlx::Transaction<'c, Db>;
