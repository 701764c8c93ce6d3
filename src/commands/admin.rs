//! `doctor` and `backup` (management).

use std::path::PathBuf;

use clap::Args;
use serde_json::json;

use super::Context;
use crate::auth;
use crate::error::{Error, Result};
use crate::policy::{self, Action};
use crate::render::{Output, Record};

/// Arguments of `backup`.
#[derive(Debug, Clone, Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist)
    pub file: PathBuf,
}

/// Checks integrity and foreign keys; reports the schema version and counts.
pub fn doctor(ctx: &mut Context) -> Result<Output> {
    ctx.read(|c, actor| {
        policy::check(Action::Maintain, actor.department, actor.id)?;
        let integrity = c.integrity_problems()?;
        let foreign = c.foreign_key_problems()?;
        let mut r = Record::new();
        r.insert("schema_version".into(), json!(c.schema_version()?));
        r.insert(
            "integrity".into(),
            json!(if integrity.is_empty() {
                "ok".to_string()
            } else {
                integrity.join("; ")
            }),
        );
        r.insert(
            "foreign_keys".into(),
            json!(if foreign.is_empty() {
                "ok".to_string()
            } else {
                foreign.join("; ")
            }),
        );
        for (table, n) in c.table_counts()? {
            r.insert(table.into(), json!(n));
        }
        if !integrity.is_empty() || !foreign.is_empty() {
            return Err(Error::internal(format!(
                "the database is damaged: {}",
                integrity
                    .iter()
                    .chain(&foreign)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        Ok(Output::Record(r))
    })
}

/// Writes a consistent copy of the database, and (SQLite) of its signing
/// key beside it; a server has no key, its sessions are roles.
pub fn backup(ctx: &mut Context, args: &BackupArgs) -> Result<Output> {
    let key = if ctx.is_server() {
        None
    } else {
        Some(ctx.key()?)
    };
    ctx.read(|c, actor| {
        policy::check(Action::Maintain, actor.department, actor.id)?;
        c.backup(&args.file)?;
        if let Some(key) = &key {
            auth::files::save_key_copy(&args.file, key)?;
        }
        Ok(Output::Message(format!(
            "backed up to {}",
            args.file.display()
        )))
    })
}
