//! `epic` — the Epic Events CRM shell.
//!
//! A line of input travels one way through the crate:
//!
//! ```text
//! text ─▶ clap command ─▶ authenticate + authorize ─▶ service (one transaction:
//! validate, write, audit) ─▶ result ─▶ render
//! ```
//!
//! * [`shell`] holds the three front doors (interactive REPL, one-shot, script)
//!   over one clap tree defined in [`commands`].
//! * [`commands`] turns a parsed command into a call on the [`store`], inside
//!   one transaction, after [`policy`] has checked the permission matrix. It
//!   returns an [`render::Output`] value; it never prints.
//! * [`domain`] parses and validates user input (emails, money, dates...) and
//!   knows nothing of SQLite or clap.
//! * [`store`] is the only module that speaks SQL.
//! * [`auth`] hashes passwords (argon2id), signs and checks tokens (JWT), and
//!   keeps the signing key and session files owner-only.
//! * [`report`] sends crashes and business events to Sentry, scrubbed.
//! * [`render`] prints results as tables, vertical records, JSON or CSV.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod auth;
pub mod commands;
pub mod config;
pub mod domain;
pub mod error;
pub mod policy;
pub mod render;
pub mod report;
pub mod shell;
pub mod store;

pub use error::{Error, ExitCode, Result};
