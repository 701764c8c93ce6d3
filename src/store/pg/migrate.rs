//! Versioned migrations on PostgreSQL, applied when a database opens.
//!
//! Version N is `migrations/postgres/00N_*.sql`, run in its own transaction
//! under an advisory lock (so several processes opening a fresh database at
//! once migrate it once), and recorded in `epic.schema_migrations`.

use postgres::Client;

use super::error;
use crate::error::{Error, Result};
use crate::store::OpenMode;

/// The migrations, oldest first. Version N is reached after step N.
const STEPS: &[&str] = &[
    include_str!("../../../migrations/postgres/001_schema.sql"),
    include_str!("../../../migrations/postgres/002_least_privilege.sql"),
    include_str!("../../../migrations/postgres/003_records_over_time.sql"),
    include_str!("../../../migrations/postgres/004_reports.sql"),
];

/// The schema version this binary writes.
pub const LATEST: i64 = STEPS.len() as i64;

/// The advisory lock key that serializes migrations ("EPIC").
const LOCK: i64 = 0x4550_4943;

/// Sets the connection's search path to epic's schema and brings the schema
/// to [`LATEST`]. Refuses a database of another application, one from a
/// newer epic, and (unless `mode` creates) a database with no epic schema.
pub fn to_latest(client: &mut Client, mode: OpenMode, display: &str) -> Result<()> {
    let map = |e: postgres::Error| error::map(&e);
    client
        .batch_execute("SET search_path = epic")
        .map_err(map)?;
    let version = current(client)?;
    if version == Some(LATEST) {
        return Ok(()); // the common case: one query
    }
    if let Some(v) = version
        && v > LATEST
    {
        return Err(too_new(v));
    }
    if version.is_none() {
        let foreign: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_catalog.pg_tables
                 WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
                &[],
            )
            .map_err(map)?
            .get(0);
        if foreign > 0 {
            return Err(Error::conflict(format!(
                "the database at {display} is not an epic database (it has tables of another \
                 application); use an empty database"
            )));
        }
        if mode == OpenMode::Existing {
            return Err(Error::NotFound(
                format!(
                    "no epic database at {display}; create one with `epic --db {display} init`"
                )
                .into(),
            ));
        }
    }
    client.batch_execute("BEGIN").map_err(map)?;
    let result = apply(client);
    match result {
        Ok(()) => client.batch_execute("COMMIT").map_err(map),
        Err(e) => {
            let _ = client.batch_execute("ROLLBACK");
            Err(e)
        }
    }
}

fn apply(client: &mut Client) -> Result<()> {
    let map = |e: postgres::Error| error::map(&e);
    client
        .execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
        .map_err(map)?;
    // Another process may have migrated while we waited for the lock.
    let from = current(client)?.unwrap_or(0);
    if from > LATEST {
        return Err(too_new(from));
    }
    for (i, step) in STEPS
        .iter()
        .enumerate()
        .skip(usize::try_from(from).unwrap_or(0))
    {
        let version = i64::try_from(i + 1).unwrap_or(i64::MAX);
        client.batch_execute(step).map_err(|e| {
            if e.code() == Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) {
                // A collaborator's session on a database an older epic made.
                return Error::conflict(format!(
                    "the database's schema is at version {from}, this epic needs version \
                     {LATEST}; the installer must upgrade it (run any epic command once \
                     with the installer's credentials and no session: it migrates on opening)"
                ));
            }
            Error::internal(format!(
                "migrating the schema to version {version}: {}",
                error::map(&e)
            ))
        })?;
        client
            .execute(
                "INSERT INTO epic.schema_migrations (version) VALUES ($1::bigint::integer)",
                &[&version],
            )
            .map_err(map)?;
    }
    client
        .batch_execute("SET search_path = epic")
        .map_err(map)?;
    Ok(())
}

/// The recorded schema version; `None` when there is no epic schema.
fn current(client: &mut Client) -> Result<Option<i64>> {
    let map = |e: postgres::Error| error::map(&e);
    // A plain query of the catalog, not `to_regclass`: name lookups may use
    // a catalog cache that an advisory lock does not refresh, and a second
    // process waiting on the lock must see the first one's tables.
    let exists: bool = client
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables
                            WHERE schemaname = 'epic' AND tablename = 'schema_migrations')",
            &[],
        )
        .map_err(map)?
        .get(0);
    if !exists {
        return Ok(None);
    }
    let v: Option<i32> = client
        .query_one("SELECT max(version) FROM epic.schema_migrations", &[])
        .map_err(map)?
        .get(0);
    Ok(Some(i64::from(v.unwrap_or(0))))
}

fn too_new(version: i64) -> Error {
    Error::conflict(format!(
        "the database has schema version {version}, newer than this epic understands ({LATEST}); upgrade epic"
    ))
}
