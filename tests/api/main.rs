//! One API test binary. Every story runs against SQLite and against PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod helpers;

mod admin;
mod auth;
mod bad_input;
mod binary;
mod first_use;
mod grouping;
mod hall;
mod health;
mod intake;
mod jwt;
mod labels;
mod lessons;
mod moderation;
mod paper;
mod privacy;
mod projects;
mod queue;
mod security;
mod sms;
mod store_contract;
mod synonyms;
mod uploads;
mod wechat;
