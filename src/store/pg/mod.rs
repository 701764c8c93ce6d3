//! The PostgreSQL backend (server mode): the same [`Db`] on a server that
//! staff on several machines share.
//!
//! * Connections come from `r2d2_postgres`' connection manager, one per
//!   process (a command, a script or a shell holds one connection at a
//!   time). No r2d2 pool sits in front of it: a pool retries a failing
//!   connect until its timeout, which would turn a wrong password into a
//!   five-second wait and hide *why* it failed; a direct connect fails at
//!   once with the server's own reason (exit 3 for a refused password).
//! * Every write is one `SERIALIZABLE` transaction. PostgreSQL then
//!   guarantees what SQLite's single writer did (two payments that together
//!   exceed the amount due cannot both commit; a collaborator deleted
//!   mid-command is seen or the command is retried): on a serialization
//!   failure or a deadlock (SQLSTATE 40001/40P01) the whole command runs
//!   again, transparently (capped exponential backoff with jitter, for up
//!   to 10 s). Reads are one `REPEATABLE READ`,
//!   read-only snapshot.
//! * A connection lost mid-command rolls the command back (the server does)
//!   and says so; the next command opens a new connection.
//! * The schema lives in the PostgreSQL schema `epic`; migrations are
//!   `migrations/postgres/NNN_*.sql`, applied on open (see [`migrate`]).

mod audit;
mod clients;
mod collaborators;
mod contracts;
mod db;
pub mod error;
mod events;
mod maintenance;
pub mod migrate;
mod query;
mod reports;
pub mod roles;
mod session;
mod sessions;
pub mod target;
#[cfg(test)]
pub mod testing;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use postgres::Client;
use r2d2::ManageConnection;
use r2d2_postgres::PostgresConnectionManager;
use tokio_postgres_rustls::MakeRustlsConnect;

pub use session::Session;

use crate::error::Result;
use crate::store::{Db, OpenMode};

/// How many times a write runs before a serialization failure is reported.
const MAX_ATTEMPTS: u32 = 200;
/// How long a write keeps retrying serialization failures before it gives
/// up and says so (a hot row under heavy load can lose many races).
const RETRY_FOR: Duration = Duration::from_secs(10);

/// A PostgreSQL database, opened and migrated.
#[derive(Clone)]
pub struct Store {
    manager: Arc<PostgresConnectionManager<MakeRustlsConnect>>,
    /// The connection `open` made (to migrate), handed to the first `conn`.
    first: Arc<Mutex<Option<Client>>>,
    display: String,
    env: Vec<(String, String)>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("server", &self.display)
            .finish()
    }
}

impl Store {
    /// Connects, and brings the schema to the latest version. With
    /// [`OpenMode::Existing`] an empty database is refused (run `init`).
    pub fn open(target: &target::Target, mode: OpenMode) -> Result<Store> {
        let manager = Arc::new(target.manager()?);
        let mut client = connect(&manager, target)?;
        migrate::to_latest(&mut client, mode, &target.display)?;
        Ok(Store {
            manager,
            first: Arc::new(Mutex::new(Some(client))),
            display: target.display.clone(),
            env: target.libpq_env(),
        })
    }

    /// A connection: the one `open` made, else a new one.
    pub fn conn(&self) -> Result<Conn> {
        let first = self.first.lock().map(|mut f| f.take()).unwrap_or(None);
        let client = match first {
            Some(c) if !c.is_closed() => c,
            _ => {
                let mut c = self
                    .manager
                    .connect()
                    .map_err(|e| error::connect(&e, &self.display))?;
                c.batch_execute("SET search_path = epic")
                    .map_err(|e| error::map(&e))?;
                c
            }
        };
        Ok(Conn {
            client,
            statements: HashMap::new(),
            enclosing: false,
            env: self.env.clone(),
            lost: false,
        })
    }
}

fn connect(
    manager: &PostgresConnectionManager<MakeRustlsConnect>,
    target: &target::Target,
) -> Result<Client> {
    manager
        .connect()
        .map_err(|e| error::connect(&e, &target.display))
}

/// One connection, with its prepared statements.
pub struct Conn {
    client: Client,
    statements: HashMap<String, postgres::Statement>,
    /// Inside an `--atomic` script's enclosing transaction.
    enclosing: bool,
    /// libpq variables naming the server (for `pg_dump`).
    env: Vec<(String, String)>,
    /// A statement failed in a way that leaves the session unusable (the
    /// server ended it): the blocking client may notice the closed socket
    /// only later, so the failure itself is remembered.
    lost: bool,
}

impl Conn {
    fn db(&mut self) -> db::PgDb<'_> {
        let Conn {
            client,
            statements,
            env,
            ..
        } = self;
        db::PgDb::new(Session::new(client, statements), env)
    }

    /// Runs `f` as one SERIALIZABLE write transaction, again on a
    /// serialization failure or deadlock; a savepoint inside `--atomic`.
    pub fn write<T>(&mut self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        if self.enclosing {
            return self.savepoint(f);
        }
        let started = std::time::Instant::now();
        let mut attempt = 1;
        loop {
            let result = self.attempt(f);
            match result {
                Err(e)
                    if error::is_retryable(&e)
                        && attempt < MAX_ATTEMPTS
                        && started.elapsed() < RETRY_FOR =>
                {
                    // Back off exponentially (capped), with random jitter, so
                    // colliding writers do not collide again in lockstep.
                    let cap = 1u64 << attempt.min(6); // 2 .. 64 ms
                    std::thread::sleep(Duration::from_millis(cap / 2 + jitter(cap)));
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    fn attempt<T>(&mut self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        self.transaction("BEGIN ISOLATION LEVEL SERIALIZABLE", |db| f(db))
    }

    /// Runs `f` between `begin` and COMMIT; rolls back when it fails.
    fn transaction<T>(
        &mut self,
        begin: &str,
        f: impl FnOnce(&mut dyn Db) -> Result<T>,
    ) -> Result<T> {
        if let Err(e) = self.client.batch_execute(begin) {
            // BEGIN outside a transaction fails only with the session.
            self.lost = true;
            return Err(error::map(&e));
        }
        match f(&mut self.db()) {
            Ok(value) => {
                if let Err(e) = self.client.batch_execute("COMMIT") {
                    self.lost = error::is_lost(&e);
                    return Err(error::map(&e));
                }
                Ok(value)
            }
            Err(e) => {
                self.rollback();
                Err(e)
            }
        }
    }

    fn savepoint<T>(&mut self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        self.client
            .batch_execute("SAVEPOINT epic_command")
            .map_err(|e| error::map(&e))?;
        match f(&mut self.db()) {
            Ok(value) => {
                self.client
                    .batch_execute("RELEASE SAVEPOINT epic_command")
                    .map_err(|e| error::map(&e))?;
                Ok(value)
            }
            Err(e) => {
                // Undo this command only; the script decides about the rest.
                self.lost = self
                    .client
                    .batch_execute(
                        "ROLLBACK TO SAVEPOINT epic_command; RELEASE SAVEPOINT epic_command",
                    )
                    .is_err();
                Err(e)
            }
        }
    }

    fn rollback(&mut self) {
        // A lost connection has rolled back already; nothing to report,
        // but ROLLBACK fails only when the session is gone.
        self.lost = self.client.batch_execute("ROLLBACK").is_err();
    }

    /// Runs `f` in one read-only REPEATABLE READ snapshot (or inside the
    /// enclosing transaction).
    pub fn read<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        if self.enclosing {
            return f(&mut self.db());
        }
        self.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", f)
    }

    /// Opens the enclosing transaction of an `--atomic` script.
    pub fn begin_enclosing(&mut self) -> Result<()> {
        if let Err(e) = self
            .client
            .batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        {
            self.lost = true;
            return Err(error::map(&e));
        }
        self.enclosing = true;
        Ok(())
    }

    /// Commits or rolls back the enclosing transaction.
    pub fn end_enclosing(&mut self, commit: bool) -> Result<()> {
        self.enclosing = false;
        if commit {
            self.client
                .batch_execute("COMMIT")
                .map_err(|e| error::map(&e))
        } else {
            self.rollback();
            Ok(())
        }
    }

    /// True inside the enclosing transaction.
    pub fn in_transaction(&self) -> bool {
        self.enclosing
    }

    /// True once the server has gone away: the next command reconnects.
    pub fn is_broken(&self) -> bool {
        self.lost || self.client.is_closed()
    }

    /// The raw client (tests that look at the server directly).
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// A random number of milliseconds below `below`.
fn jitter(below: u64) -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        return below / 2;
    }
    u64::from_le_bytes(bytes) % below.max(1)
}
