//! Storage: the only module that speaks SQL, behind one interface.
//!
//! The commands see three things here: the records ([`model`]), the
//! [`Db`] trait — everything a command may ask of the database inside one
//! transaction — and [`Store`] / [`Conn`], which open a database and run a
//! closure against a [`Db`] as one read or one write transaction. Two
//! backends implement them:
//!
//! * [`sqlite`]: an embedded file, the default and the demo;
//! * [`pg`]: a PostgreSQL server (`--db postgresql://...`), for staff on
//!   several machines.
//!
//! The same conformance tests run against both (`tests/` and the module
//! tests, parameterised by backend). Nothing above this module names a
//! database driver: errors arrive as [`crate::error::Error`], rows as the
//! [`model`] types.

pub mod backup_file;
pub mod list;
pub mod model;
pub mod pg;
pub mod sqlite;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

pub use list::{ListQuery, SortKey};
pub use model::{
    audit, clients, collaborators, contracts, events, reports, ser_opt_time, ser_time,
};

use crate::domain::{Department, Money};
use crate::error::{Error, Result};
use audit::{AuditEntry, AuditFilter, Payment};
use clients::{Client, ClientChanges, ClientFilter, NewClient};
use collaborators::{Account, Collaborator, CollaboratorChanges, NewCollaborator};
use contracts::{Contract, ContractFilter, NewContract};
use events::{Event, EventChanges, EventFilter, NewEvent};

/// How to open the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// The database must exist (every command but `init` and `demo`): a typo
    /// in `--db` must not silently create an empty database.
    Existing,
    /// Create it if it is missing (`init`, `demo`).
    Create,
}

/// Calls back with each row of a list, as the query yields it.
pub type Visit<'a, T> = &'a mut dyn FnMut(T) -> Result<()>;

fn server_mode_only() -> Error {
    Error::internal("sessions held by database roles exist only in server mode")
}

/// Everything a command may ask of the database, inside one transaction
/// opened by [`Conn::read`] or [`Conn::write`]. Each backend implements it
/// with its own SQL; the behaviour (errors included) is the same, which the
/// conformance tests check.
pub trait Db {
    // --- collaborators -------------------------------------------------

    /// Inserts a collaborator; returns its id.
    fn insert_collaborator(&mut self, new: &NewCollaborator<'_>) -> Result<i64>;
    /// The collaborator with this id (not found otherwise).
    fn collaborator(&mut self, id: i64) -> Result<Collaborator>;
    /// The collaborator with this id or email (case-insensitive).
    fn find_collaborator(&mut self, key: &str) -> Result<Collaborator>;
    /// Lists collaborators, optionally of one department or matching `search`.
    fn list_collaborators(
        &mut self,
        department: Option<Department>,
        search: Option<&str>,
        q: &ListQuery,
    ) -> Result<Vec<Collaborator>>;
    /// What authentication needs to know about this account.
    fn account_by_id(&mut self, id: i64) -> Result<Option<Account>>;
    /// The account with this email (case-insensitive).
    fn account_by_email(&mut self, email: &str) -> Result<Option<Account>>;
    /// Applies `changes` to a collaborator.
    fn update_collaborator(&mut self, id: i64, changes: &CollaboratorChanges) -> Result<()>;
    /// Deletes a collaborator (a conflict while they own records).
    fn delete_collaborator(&mut self, id: i64) -> Result<()>;
    /// Revokes every session of the account.
    fn bump_token_version(&mut self, id: i64) -> Result<()>;
    /// Counts a failed login; locks the account for `lock_secs` after
    /// `max_failures`. Returns the failures so far.
    fn record_failed_login(
        &mut self,
        id: i64,
        now: i64,
        max_failures: i64,
        lock_secs: i64,
    ) -> Result<i64>;
    /// Clears the failed-login count after a success.
    fn reset_failed_logins(&mut self, id: i64) -> Result<()>;
    /// How many collaborators exist.
    fn count_collaborators(&mut self) -> Result<i64>;
    /// The next free employee number.
    fn next_employee_number(&mut self) -> Result<String>;
    /// Every collaborator's email (completion).
    fn collaborator_emails(&mut self) -> Result<Vec<String>>;

    // --- clients -------------------------------------------------------

    /// Inserts a client; returns its id.
    fn insert_client(&mut self, new: &NewClient<'_>) -> Result<i64>;
    /// The client with this id.
    fn client(&mut self, id: i64) -> Result<Client>;
    /// Calls `visit` with each client `list` would return, in order.
    fn each_client(
        &mut self,
        filter: &ClientFilter,
        q: &ListQuery,
        visit: Visit<'_, Client>,
    ) -> Result<()>;
    /// Applies `changes` to a client.
    fn update_client(&mut self, id: i64, changes: &ClientChanges) -> Result<()>;
    /// Gives a client to another sales collaborator.
    fn set_sales_contact(&mut self, id: i64, sales_contact_id: i64) -> Result<()>;
    /// Moves every client of `from` to `to`; returns how many.
    fn reassign_clients(&mut self, from: i64, to: i64) -> Result<usize>;
    /// How many clients this sales collaborator has.
    fn count_clients_of(&mut self, collaborator_id: i64) -> Result<i64>;
    /// Deletes a client (a conflict while contracts point to it).
    fn delete_client(&mut self, id: i64) -> Result<()>;
    /// Which of `emails` a client already has, lowercased (emails are
    /// ASCII and unique case-insensitively): one look-up for a whole import.
    fn existing_client_emails(&mut self, emails: &[&str]) -> Result<Vec<String>>;

    // --- contracts -----------------------------------------------------

    /// Inserts a contract; returns its id.
    fn insert_contract(&mut self, new: &NewContract) -> Result<i64>;
    /// The contract with this id.
    fn contract(&mut self, id: i64) -> Result<Contract>;
    /// Calls `visit` with each contract `list` would return, in order.
    fn each_contract(
        &mut self,
        filter: &ContractFilter,
        q: &ListQuery,
        visit: Visit<'_, Contract>,
    ) -> Result<()>;
    /// Sets the total; the amount due follows from the ledger (a conflict
    /// if more than the new total is already paid).
    fn set_contract_total(&mut self, id: i64, total: Money) -> Result<()>;
    /// Records management's adjustment of the amount due: lowers it by
    /// `cents` (raises it when negative), with a reason; returns the new
    /// amount due.
    fn adjust_contract(
        &mut self,
        id: i64,
        cents: i64,
        reason: &str,
        recorded_by: i64,
    ) -> Result<Money>;
    /// Signs the contract now (a conflict if it already is).
    fn sign_contract(&mut self, id: i64) -> Result<()>;
    /// Records a payment in the ledger; returns the new amount due.
    fn pay_contract(&mut self, id: i64, amount: Money, recorded_by: i64) -> Result<Money>;
    /// Sum of the payments recorded on a contract.
    fn contract_paid(&mut self, id: i64) -> Result<Money>;
    /// The contract's ledger, oldest first, with running totals.
    fn contract_payments(&mut self, id: i64) -> Result<Vec<Payment>>;
    /// Deletes a contract (a conflict while events or payments point to it).
    fn delete_contract(&mut self, id: i64) -> Result<()>;

    // --- events --------------------------------------------------------

    /// Inserts an event; returns its id.
    fn insert_event(&mut self, new: &NewEvent<'_>) -> Result<i64>;
    /// The event with this id.
    fn event(&mut self, id: i64) -> Result<Event>;
    /// Calls `visit` with each event `list` would return, in order.
    fn each_event(
        &mut self,
        filter: &EventFilter,
        q: &ListQuery,
        visit: Visit<'_, Event>,
    ) -> Result<()>;
    /// Applies `changes` to an event.
    fn update_event(&mut self, id: i64, changes: &EventChanges) -> Result<()>;
    /// Assigns a support collaborator (`None` unassigns the event).
    fn assign_event(&mut self, id: i64, support_contact_id: Option<i64>) -> Result<()>;
    /// Deletes an event.
    fn delete_event(&mut self, id: i64) -> Result<()>;
    /// Moves every event of support collaborator `from` to `to`.
    fn reassign_events(&mut self, from: i64, to: i64) -> Result<usize>;
    /// How many events this support collaborator has.
    fn count_events_of(&mut self, collaborator_id: i64) -> Result<i64>;

    // --- reports (one query each, sums in cents by the database) ---------

    /// `report pipeline`: per sales collaborator, then the total line.
    fn report_pipeline(&mut self) -> Result<Vec<reports::PipelineRow>>;
    /// `report events` of the events starting in `[from, before)` (unix
    /// seconds): per local month, per support collaborator, then the total.
    fn report_events(&mut self, from: i64, before: i64) -> Result<Vec<reports::EventsRow>>;
    /// `report due` at `now` (unix seconds): signed contracts with an
    /// amount still due, by days since signature, then the total.
    fn report_due(&mut self, now: i64) -> Result<Vec<reports::DueRow>>;

    // --- server-mode sessions (PostgreSQL roles) ------------------------

    /// The session this connection's role belongs to, if it is an open one.
    fn server_session(&mut self) -> Result<Option<collaborators::ServerSession>> {
        Err(server_mode_only())
    }
    /// Opens a session for the collaborator connected with their own
    /// password: a login role with `verifier` as its password, valid for
    /// `seconds`. Returns the role's name and its end.
    fn open_server_session(
        &mut self,
        verifier: &str,
        seconds: i64,
    ) -> Result<(String, DateTime<Utc>)> {
        let _ = (verifier, seconds);
        Err(server_mode_only())
    }
    /// Ends this connection's own session; false if it had already ended.
    fn close_server_session(&mut self) -> Result<bool> {
        Err(server_mode_only())
    }
    /// Sets the password of the collaborator connected with their own
    /// password (a SCRAM verifier) and ends their sessions; returns their id.
    fn change_own_password(&mut self, verifier: &str) -> Result<i64> {
        let _ = verifier;
        Err(server_mode_only())
    }

    // --- audit and maintenance ------------------------------------------

    /// Records that `actor` did `action` to `entity` #`entity_id`, in this
    /// transaction. `detail` never holds a password or token.
    fn audit(
        &mut self,
        actor: Option<i64>,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        detail: Option<&serde_json::Value>,
    ) -> Result<()>;
    /// Calls `visit` with each audit row `filter` selects, newest first.
    fn each_audit(&mut self, filter: &AuditFilter, visit: Visit<'_, AuditEntry>) -> Result<()>;
    /// The schema version of the database.
    fn schema_version(&mut self) -> Result<i64>;
    /// The value stored under `key` in the `settings` table (facts about
    /// the database itself, such as [`DEMO_MARK`]).
    fn setting(&mut self, key: &str) -> Result<Option<String>>;
    /// Problems the backend's integrity check finds (empty when sound).
    fn integrity_problems(&mut self) -> Result<Vec<String>>;
    /// Rows whose references point nowhere.
    fn foreign_key_problems(&mut self) -> Result<Vec<String>>;
    /// Row counts of the main tables.
    fn table_counts(&mut self) -> Result<Vec<(&'static str, i64)>>;
    /// Writes a consistent copy of the database to `dest` (a new file).
    fn backup(&mut self, dest: &Path) -> Result<()>;
}

impl dyn Db + '_ {
    /// Lists clients.
    pub fn list_clients(&mut self, filter: &ClientFilter, q: &ListQuery) -> Result<Vec<Client>> {
        collect(|visit| self.each_client(filter, q, visit))
    }

    /// Lists contracts.
    pub fn list_contracts(
        &mut self,
        filter: &ContractFilter,
        q: &ListQuery,
    ) -> Result<Vec<Contract>> {
        collect(|visit| self.each_contract(filter, q, visit))
    }

    /// Lists events.
    pub fn list_events(&mut self, filter: &EventFilter, q: &ListQuery) -> Result<Vec<Event>> {
        collect(|visit| self.each_event(filter, q, visit))
    }
}

/// Collects into a vector the rows an `each`-style function yields.
pub fn collect<T>(each: impl FnOnce(Visit<'_, T>) -> Result<()>) -> Result<Vec<T>> {
    let mut rows = Vec::new();
    each(&mut |row| {
        rows.push(row);
        Ok(())
    })?;
    Ok(rows)
}

/// The `settings` key `demo` leaves on the databases it creates; `demo`
/// reuses or resets no database without it.
pub const DEMO_MARK: &str = "demo";

/// Where the database is: a file, or a PostgreSQL server.
#[derive(Debug, Clone)]
pub enum Target {
    /// An SQLite file.
    File(PathBuf),
    /// A PostgreSQL server (`postgresql://...`).
    Postgres(Box<pg::target::Target>),
}

impl Target {
    /// Reads `--db` / `EPIC_DB`: a `postgresql://` or `postgres://` URL, or a
    /// file path.
    pub fn parse(text: &str) -> Result<Target> {
        if pg::target::is_url(text) {
            Ok(Target::Postgres(Box::new(pg::target::Target::parse(text)?)))
        } else {
            Ok(Target::File(PathBuf::from(text)))
        }
    }

    /// How messages name the database (never with a password).
    pub fn display(&self) -> String {
        match self {
            Target::File(p) => p.display().to_string(),
            Target::Postgres(t) => t.display.clone(),
        }
    }
}

/// An open database: a small connection pool on one backend.
#[derive(Clone, Debug)]
pub enum Store {
    /// An SQLite file.
    Sqlite(sqlite::Store),
    /// A PostgreSQL server.
    Postgres(pg::Store),
}

impl Store {
    /// Opens (or creates, with [`OpenMode::Create`]) the database and brings
    /// its schema to the latest version.
    pub fn open(target: &Target, mode: OpenMode) -> Result<Store> {
        match target {
            Target::File(path) => Ok(Store::Sqlite(sqlite::Store::open(path, mode)?)),
            Target::Postgres(t) => Ok(Store::Postgres(pg::Store::open(t, mode)?)),
        }
    }

    /// A private in-memory SQLite database (tests).
    pub fn memory() -> Result<Store> {
        Ok(Store::Sqlite(sqlite::Store::memory()?))
    }

    /// A connection from the pool.
    pub fn conn(&self) -> Result<Conn> {
        match self {
            Store::Sqlite(s) => Ok(Conn::Sqlite(s.conn()?)),
            Store::Postgres(s) => Ok(Conn::Postgres(Box::new(s.conn()?))),
        }
    }
}

/// One connection, on which commands run their transactions.
pub enum Conn {
    /// SQLite.
    Sqlite(sqlite::Conn),
    /// PostgreSQL (its statement cache makes it the larger one).
    Postgres(Box<pg::Conn>),
}

impl Conn {
    /// Runs `f` as one write transaction: SQLite begins it `IMMEDIATE`;
    /// PostgreSQL runs it `SERIALIZABLE` and runs `f` again, transparently,
    /// when the server reports a serialization failure or a deadlock. Inside
    /// an enclosing transaction ([`Conn::begin_enclosing`]) it is a
    /// savepoint.
    pub fn write<T>(&mut self, f: &mut dyn FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        match self {
            Conn::Sqlite(c) => sqlite::write(c, |c| f(&mut sqlite::SqliteDb::new(c))),
            Conn::Postgres(c) => c.write(f),
        }
    }

    /// Runs `f` in one read transaction: a consistent snapshot.
    pub fn read<T>(&mut self, f: impl FnOnce(&mut dyn Db) -> Result<T>) -> Result<T> {
        match self {
            Conn::Sqlite(c) => sqlite::read(c, |c| f(&mut sqlite::SqliteDb::new(c))),
            Conn::Postgres(c) => c.read(f),
        }
    }

    /// Opens an enclosing write transaction (an `--atomic` script): every
    /// write inside becomes a savepoint, and nothing is kept unless
    /// [`Conn::end_enclosing`] commits.
    pub fn begin_enclosing(&mut self) -> Result<()> {
        match self {
            Conn::Sqlite(c) => sqlite::begin_enclosing(c),
            Conn::Postgres(c) => c.begin_enclosing(),
        }
    }

    /// Commits (`true`) or rolls back (`false`) the enclosing transaction.
    pub fn end_enclosing(&mut self, commit: bool) -> Result<()> {
        match self {
            Conn::Sqlite(c) => sqlite::end_enclosing(c, commit),
            Conn::Postgres(c) => c.end_enclosing(commit),
        }
    }

    /// The SQLite connection underneath, if this is one (tests that look at
    /// the file itself).
    pub fn as_sqlite(&mut self) -> Option<&mut rusqlite::Connection> {
        match self {
            Conn::Sqlite(c) => Some(c),
            Conn::Postgres(_) => None,
        }
    }

    /// The PostgreSQL client underneath, if this is one (tests that look
    /// at the server directly).
    pub fn as_postgres(&mut self) -> Option<&mut postgres::Client> {
        match self {
            Conn::Sqlite(_) => None,
            Conn::Postgres(c) => Some(c.client()),
        }
    }

    /// True once the server has gone away (never for SQLite): the next
    /// command needs a new connection.
    pub fn is_broken(&self) -> bool {
        match self {
            Conn::Sqlite(_) => false,
            Conn::Postgres(c) => c.is_broken(),
        }
    }

    /// True inside an enclosing transaction.
    pub fn in_transaction(&self) -> bool {
        match self {
            Conn::Sqlite(c) => !c.is_autocommit(),
            Conn::Postgres(c) => c.in_transaction(),
        }
    }
}

/// Now, as stored: UTC unix seconds.
pub fn now() -> i64 {
    Utc::now().timestamp()
}

/// Converts stored seconds to a UTC instant.
pub fn instant(secs: i64) -> DateTime<Utc> {
    crate::domain::when::from_unix(secs)
}
