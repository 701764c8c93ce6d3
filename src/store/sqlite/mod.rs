//! The SQLite backend: an embedded file, the default and the demo.
//!
//! Every connection is configured once when the pool opens it (see
//! [`configure`]): a 30 s busy timeout set *before* switching to WAL (so many
//! processes opening a fresh database at once do not fail), foreign keys on,
//! `synchronous=FULL` (an acknowledged write survives power loss).
//!
//! Writes go through [`write`], which begins the transaction `IMMEDIATE`:
//! with SQLite's default `DEFERRED`, a read-then-write transaction that loses
//! the race for the write lock fails with "database is locked" no matter the
//! busy timeout. Inside an enclosing transaction (a script run with
//! `--atomic`) the same call becomes a savepoint, so each command is still
//! all-or-nothing and the script is too.
//!
//! Each aggregate has its own module of functions taking a `&Connection`;
//! parameters are always bound, and the only SQL built at run time is
//! assembled from fixed fragments chosen from whitelists. [`SqliteDb`] puts
//! them behind the backend-neutral [`crate::store::Db`].

pub mod audit;
pub mod clients;
pub mod collaborators;
pub mod contracts;
mod db;
mod error;
pub mod events;
pub mod file;
mod maintenance;
pub mod migrate;
mod query;
pub mod reports;
pub mod settings;

pub use db::SqliteDb;
pub use file::create_database;
pub use maintenance::{backup, foreign_key_problems, integrity_problems, table_counts};

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

/// `PRAGMA application_id` of an epic database ("EPIC" in ASCII).
pub const APPLICATION_ID: i32 = 0x4550_4943;

/// A pooled connection (boxed: it is much larger than the PostgreSQL one,
/// and `store::Conn` holds either).
pub type Conn = Box<r2d2::PooledConnection<Manager>>;

/// The pool's connection manager: SQLite's, handing out first the
/// connection [`Store::open`] already opened (and so checked).
pub struct Manager {
    inner: SqliteConnectionManager,
    first: Mutex<Option<Connection>>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = rusqlite::Error;

    fn connect(&self) -> rusqlite::Result<Connection> {
        let first = self.first.lock().ok().and_then(|mut f| f.take());
        match first {
            Some(c) => Ok(c),
            None => self.inner.connect(),
        }
    }

    fn is_valid(&self, conn: &mut Connection) -> rusqlite::Result<()> {
        self.inner.is_valid(conn)
    }

    fn has_broken(&self, conn: &mut Connection) -> bool {
        self.inner.has_broken(conn)
    }
}

pub use crate::store::OpenMode;

/// A handle on one database file: a small connection pool.
#[derive(Clone)]
pub struct Store {
    pool: r2d2::Pool<Manager>,
    path: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates, with [`OpenMode::Create`]) the database at `path`
    /// and brings its schema to the latest version.
    ///
    /// Before SQLite sees the file: it must be a regular file (no symbolic
    /// link, no directory), writable by this user, owned by this user and
    /// closed to others (or the shared-group set-up), and start like an
    /// SQLite database (see [`file`]), and be an epic database (its
    /// `application_id`). `Create` makes a new database only where there is
    /// nothing; a file already there is opened as it is, if it passes.
    pub fn open(path: &Path, mode: OpenMode) -> Result<Store> {
        let created = match mode {
            OpenMode::Create => file::create_database(path, &[])?,
            OpenMode::Existing => false,
        };
        if file::probe(path)?.is_none() {
            return Err(Error::NotFound(
                format!(
                    "no database at {}; create one with `epic init` (or try `epic demo`)",
                    path.display()
                )
                .into(),
            ));
        }
        check_writable(path)?;
        file::check_ownership(path)?;
        if !created {
            file::check_header(path)?;
        }
        // SQLite refuses a link swapped in after the checks above.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW
            | OpenFlags::SQLITE_OPEN_URI;
        let inner = SqliteConnectionManager::file(file::resolve(path)?)
            .with_flags(flags)
            .with_init(configure);
        // The first connection is opened here, not by the pool: r2d2 retries
        // a failing connect until its timeout, so a corrupt file would stall
        // every command for seconds before saying so.
        let first = r2d2::ManageConnection::connect(&inner).map_err(|e| open_error(path, e))?;
        let manager = Manager {
            inner,
            first: Mutex::new(Some(first)),
        };
        // One connection serves a shell; a second lets a long read overlap a
        // backup. A short timeout: a failing disk must not hang us for 30 s.
        let pool = r2d2::Pool::builder()
            .max_size(2)
            .min_idle(Some(0))
            // r2d2 starts three helper threads by default; one is plenty for
            // two connections and saves a command ~0.2 ms of start-up.
            .thread_pool(std::sync::Arc::new(
                scheduled_thread_pool::ScheduledThreadPool::new(1),
            ))
            .connection_timeout(Duration::from_secs(5))
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        let store = Store {
            pool,
            path: path.to_path_buf(),
        };
        let mut conn = store.conn()?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(read_only(path));
        }
        if !migrate::is_epic(&conn)? {
            return Err(file::not_epic(path));
        }
        migrate::to_latest(&mut conn)?;
        Ok(store)
    }

    /// Opens a private in-memory database (tests).
    pub fn memory() -> Result<Store> {
        // A named shared-cache memory database, so every pooled connection
        // sees the same data.
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let uri = format!(
            "file:epic-mem-{}-{n}?mode=memory&cache=shared",
            std::process::id()
        );
        let manager = Manager {
            inner: SqliteConnectionManager::file(&uri)
                .with_flags(
                    OpenFlags::SQLITE_OPEN_READ_WRITE
                        | OpenFlags::SQLITE_OPEN_CREATE
                        | OpenFlags::SQLITE_OPEN_URI,
                )
                .with_init(configure),
            first: Mutex::new(None),
        };
        let pool = r2d2::Pool::builder()
            .max_size(2)
            .min_idle(Some(1))
            .build(manager)
            .map_err(|e| Error::internal(format!("opening the in-memory database: {e}")))?;
        let store = Store {
            pool,
            path: PathBuf::from(uri),
        };
        migrate::to_latest(&mut *store.conn()?)?;
        Ok(store)
    }

    /// A connection from the pool.
    pub fn conn(&self) -> Result<Conn> {
        self.pool
            .get()
            .map(Box::new)
            .map_err(|e| open_error(&self.path, e))
    }

    /// The database file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The error for a database this user may not write.
fn read_only(path: &Path) -> Error {
    Error::io(
        format!(
            "cannot open the database {} for writing: it is read-only for this user \
             (check the owner and permissions of the file and of its folder, and \
             whether the filesystem is mounted read-only)",
            path.display()
        ),
        std::io::Error::other("not writable"),
    )
}

/// Fails fast, before SQLite opens anything, when this user cannot write
/// the database, its `-wal`/`-shm` files, or (when those must be created)
/// its folder. SQLite would otherwise open it read-only, and a read-only
/// open of a WAL database can leave `-wal`/`-shm` files that lock its owner
/// out. A few `access(2)` calls: no second connection per command.
fn check_writable(path: &Path) -> Result<()> {
    use nix::unistd::{AccessFlags, access};
    let rw = AccessFlags::R_OK | AccessFlags::W_OK;
    if access(path, rw).is_err() {
        return Err(read_only(path));
    }
    let (wal, shm) = (file::sidecar(path, "-wal"), file::sidecar(path, "-shm"));
    for file in [&wal, &shm] {
        // A sidecar that vanishes between the two calls was removed by the
        // last connection of another process closing: nothing to refuse.
        match access(file.as_path(), rw) {
            Ok(()) | Err(nix::errno::Errno::ENOENT) => {}
            Err(_) => return Err(read_only(path)),
        }
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !(wal.exists() && shm.exists())
        && access(dir, AccessFlags::W_OK | AccessFlags::X_OK).is_err()
    {
        return Err(read_only(path));
    }
    Ok(())
}

fn open_error(path: &Path, e: impl std::fmt::Display) -> Error {
    let text = e.to_string();
    if text.contains("file is not a database") {
        file::not_a_database(path)
    } else if text.contains("malformed") {
        Error::internal(format!(
            "the database {} is corrupt ({text}); restore it from a backup",
            path.display()
        ))
    } else if text.contains("readonly")
        || text.contains("read-only")
        || text.contains("unable to open")
    {
        Error::io(
            format!("cannot open the database {} for writing", path.display()),
            std::io::Error::other(text),
        )
    } else {
        Error::internal(format!(
            "cannot open the database {}: {text}",
            path.display()
        ))
    }
}

/// Deletes a database file and its `-wal`/`-shm` companions (`demo --reset`).
pub fn remove_database_files(path: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("removing {}", path.display()), e)),
        }
    }
    Ok(())
}

/// Per-connection settings, applied once when the pool opens a connection.
pub fn configure(c: &mut Connection) -> rusqlite::Result<()> {
    // The busy timeout must come first: switching to WAL takes a lock.
    // (The last connection to close still checkpoints and deletes the WAL:
    // keeping it, with SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, made every later
    // process rebuild the WAL index on open, and a mix of one-shot adds and
    // lists 65 % slower.)
    c.busy_timeout(Duration::from_secs(30))?;
    c.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA foreign_keys = ON;
         PRAGMA synchronous = FULL;
         PRAGMA trusted_schema = OFF;",
    )?;
    Ok(())
}

/// Runs `f` as one write transaction, begun `IMMEDIATE`; or as a savepoint
/// when a transaction is already open on this connection (`--atomic`).
pub fn write<T>(conn: &mut Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    if conn.is_autocommit() {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    } else {
        let sp = conn.savepoint()?;
        let value = f(&sp)?;
        sp.commit()?;
        Ok(value)
    }
}

/// Opens an enclosing write transaction (an `--atomic` script): every
/// [`write`] inside it becomes a savepoint, and nothing is kept unless
/// [`end_enclosing`] commits.
pub fn begin_enclosing(conn: &Connection) -> Result<()> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    Ok(())
}

/// Commits (`true`) or rolls back (`false`) the enclosing transaction.
pub fn end_enclosing(conn: &Connection, commit: bool) -> Result<()> {
    conn.execute_batch(if commit { "COMMIT" } else { "ROLLBACK" })?;
    Ok(())
}

/// Runs `f` in a read transaction, so a command sees one consistent snapshot.
pub fn read<T>(conn: &mut Connection, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
    if conn.is_autocommit() {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    } else {
        f(conn)
    }
}

pub use crate::store::{instant, now};

/// Maps a constraint failure to a user-facing error: a UNIQUE violation on
/// `column` becomes a conflict naming `field`; a trigger's `RAISE(ABORT,
/// 'field: reason')` becomes a conflict carrying its message.
pub fn constraint(e: rusqlite::Error, unique: &[(&str, &str)]) -> Error {
    if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == rusqlite::ErrorCode::ConstraintViolation
    {
        for (column, message) in unique {
            if msg.contains("UNIQUE") && msg.contains(column) {
                return Error::conflict(message.to_string());
            }
        }
        if !msg.contains("constraint failed") {
            // A trigger's RAISE message, written for users.
            return Error::conflict(msg.clone());
        }
    }
    Error::from(e)
}

#[cfg(test)]
mod tests;
