//! What a command runs against: the database, the session, the password
//! input, and the Sentry events waiting for their transaction to commit.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use chrono::{DateTime, Utc};

use crate::auth::{self, Hasher, Password, SigningKey};
use crate::domain::Department;
use crate::error::{Error, Result};
use crate::report::{self, BusinessEvent};
use crate::store::{Conn, Db, OpenMode, Store, Target};

/// The logged-in collaborator, as re-read from the database for this command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Collaborator id.
    pub id: i64,
    /// Email.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// Department, fresh from the database.
    pub department: Department,
    /// When the session expires.
    pub expires_at: DateTime<Utc>,
    /// Server mode: the collaborator's PostgreSQL login role.
    pub db_role: Option<String>,
}

/// The prefix of a server-mode token: `pg1.ROLE.SECRET`, a session role and
/// the secret that is its password (never the collaborator's password).
const SERVER_TOKEN: &str = "pg1.";

/// A session role and its secret, from a server-mode token.
fn server_token(token: &str) -> Result<(&str, &str)> {
    token
        .strip_prefix(SERVER_TOKEN)
        .and_then(|rest| rest.split_once('.'))
        .filter(|(role, secret)| !role.is_empty() && secret.len() == 64)
        .ok_or_else(|| Error::auth("the session token is not one of this server's; log in again"))
}

/// Where a command's identity comes from.
enum Credentials {
    /// A signed token, checked against the account (SQLite).
    Token(Rc<SigningKey>, String),
    /// The connection's own session role (server mode): PostgreSQL checked
    /// its secret at connect time; the session is re-read in the transaction.
    Server,
}

/// How the token file is read: see [`Context::pin_session`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pin {
    /// Before every command.
    Off,
    /// Once, at the next command.
    Pending,
    /// Already read: never again.
    Done,
}

/// Reads one line of "stdin" for `--password-stdin` (the script runner
/// substitutes its own reader, so the line comes from the script).
pub type LineSource = Box<dyn FnMut() -> Result<Option<String>>>;

/// Asks the user a yes/no question (a delete's confirmation); the shell sets
/// one when a person is at a terminal.
pub type Confirm = Box<dyn FnMut(&str) -> Result<bool>>;

/// The state commands run against; one per process (or per test).
pub struct Context {
    target: Target,
    /// The file the key and the session file are named after: the database
    /// file itself, or (server mode) a name in the session folder derived
    /// from the server's URL.
    db_path: PathBuf,
    session_dir: PathBuf,
    store: Option<Store>,
    conn: Option<Conn>,
    key: Option<Rc<SigningKey>>,
    /// A token obtained by `login` in this process (the REPL keeps it).
    token: Option<String>,
    /// `EPIC_TOKEN`, when set.
    env_token: Option<String>,
    /// Whether the token file is read for every command (one-shot commands
    /// and scripts) or once (the interactive shell: see [`Context::pin_session`]).
    pin: Pin,
    /// The argon2 parameters for new hashes.
    pub hasher: Hasher,
    stdin: LineSource,
    confirm: Option<Confirm>,
    reports: Vec<BusinessEvent>,
    hold_reports: bool,
    /// Who the last successful command ran as (for the prompt).
    pub last_actor: Option<Actor>,
    /// `timing on`: the shell prints each command's elapsed time.
    pub timing: bool,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("db_path", &self.db_path)
            .field("logged_in", &self.token.is_some())
            .finish_non_exhaustive()
    }
}

/// A transaction in progress: the connection, the actor, and the reports to
/// send if it commits.
pub struct Tx<'a> {
    /// The database, inside the transaction.
    pub conn: &'a mut dyn Db,
    /// Who is acting.
    pub actor: &'a Actor,
    reports: Vec<BusinessEvent>,
}

impl Tx<'_> {
    /// Records an audit row for this write, in this transaction.
    pub fn audit(
        &mut self,
        action: &str,
        entity: &str,
        entity_id: i64,
        detail: serde_json::Value,
    ) -> Result<()> {
        let detail = (!detail.is_null()).then_some(detail);
        self.conn.audit(
            Some(self.actor.id),
            action,
            entity,
            Some(entity_id),
            detail.as_ref(),
        )
    }

    /// Queues a Sentry business event, sent only once the transaction commits.
    pub fn report(&mut self, event: BusinessEvent) {
        self.reports.push(event);
    }
}

impl Context {
    /// A context on the database at `db_path`, keeping session tokens in
    /// `session_dir`. Nothing is opened yet.
    pub fn new(db_path: PathBuf, session_dir: PathBuf) -> Context {
        Context::with_target(Target::File(db_path), session_dir)
    }

    /// A context on `target` (a file or a PostgreSQL server).
    pub fn with_target(target: Target, session_dir: PathBuf) -> Context {
        let db_path = match &target {
            Target::File(path) => path.clone(),
            Target::Postgres(t) => {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(t.display.as_bytes());
                let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
                session_dir.join(format!("pg-{hex}"))
            }
        };
        Context {
            target,
            db_path,
            session_dir,
            store: None,
            conn: None,
            key: None,
            token: None,
            env_token: std::env::var("EPIC_TOKEN")
                .ok()
                .filter(|t| !t.trim().is_empty()),
            pin: Pin::Off,
            hasher: Hasher::from_env(),
            stdin: Box::new(read_stdin_line),
            confirm: None,
            reports: Vec::new(),
            hold_reports: false,
            last_actor: None,
            timing: false,
        }
    }

    /// Lets deletes ask for confirmation (a person is at a terminal).
    pub fn set_confirm(&mut self, confirm: Option<Confirm>) {
        self.confirm = confirm;
    }

    /// Whether the user confirms `question` (`[y/N]` is added): true at
    /// once with `yes` (`--yes`); without `--yes` and with nobody to ask
    /// (a script, a pipe), invalid input naming `--yes`.
    pub fn confirm(&mut self, question: &str, yes: bool) -> Result<bool> {
        if yes {
            return Ok(true);
        }
        match &mut self.confirm {
            Some(ask) => ask(&format!("{question}? [y/N] ")),
            None => Err(Error::invalid(
                "--yes",
                format!("{question}: no terminal to confirm on; add --yes to go ahead"),
            )),
        }
    }

    /// Replaces where `--password-stdin` reads its line from.
    pub fn set_line_source(&mut self, source: LineSource) {
        self.stdin = source;
    }

    /// Ignores `EPIC_TOKEN` (tests).
    pub fn clear_env_token(&mut self) {
        self.env_token = None;
    }

    /// The database file (server mode: the name its key and session file
    /// are derived from).
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    /// Where the database is.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// True in server mode.
    pub fn is_server(&self) -> bool {
        matches!(self.target, Target::Postgres(_))
    }

    /// Points the context at another database (the `demo` command): the
    /// store, the key and the in-memory session are those of the new one.
    pub fn switch_db(&mut self, db_path: PathBuf) {
        *self = Context {
            target: Target::File(db_path.clone()),
            db_path,
            session_dir: std::mem::take(&mut self.session_dir),
            hasher: self.hasher.clone(),
            stdin: std::mem::replace(&mut self.stdin, Box::new(read_stdin_line)),
            confirm: self.confirm.take(),
            env_token: self.env_token.take(),
            // A pinned shell pins the new database's session in its turn.
            pin: match self.pin {
                Pin::Off => Pin::Off,
                Pin::Pending | Pin::Done => Pin::Pending,
            },
            ..Context::new(PathBuf::new(), PathBuf::new())
        };
    }

    /// The store, opened on first use (the file must exist).
    pub fn store(&mut self) -> Result<&Store> {
        if self.store.is_none() {
            let store = match &self.target {
                Target::File(_) => Store::open(&self.target, OpenMode::Existing)?,
                Target::Postgres(_) => self.open_session_store()?,
            };
            self.store = Some(store);
        }
        Ok(self.store.as_ref().expect("just opened"))
    }

    /// Server mode: the server, logged in as this context's session role.
    fn open_session_store(&mut self) -> Result<Store> {
        let Some(token) = self.current_token()? else {
            // A missing or foreign database, or an unreachable server, is
            // the first thing to tell, when the URL's own role can tell it.
            match Store::open(&self.target, OpenMode::Existing) {
                Err(e) if !matches!(e, Error::Auth(_)) => return Err(e),
                _ => return Err(Error::auth("not logged in; run `login` first")),
            }
        };
        let (role, secret) = server_token(&token)?;
        let target = self.server_target(role, secret.as_bytes())?;
        Store::open(&target, OpenMode::Existing).map_err(|e| match e {
            Error::Auth(_) => Error::auth(
                "session ended (expired, logged out, or password, department or account \
                 changed); log in again",
            ),
            e => e,
        })
    }

    /// Server mode: this server and database, logged in as `role`.
    pub(crate) fn server_target(&self, role: &str, password: &[u8]) -> Result<Target> {
        match &self.target {
            Target::Postgres(t) => Ok(Target::Postgres(Box::new(t.as_role(role, password)))),
            Target::File(_) => Err(Error::internal("a database role on a file")),
        }
    }

    /// Server mode: the login role of the collaborator with `email`.
    pub(crate) fn role_of_email(&self, email: &str) -> Result<String> {
        match &self.target {
            Target::Postgres(t) => Ok(t.role_of_email(email)),
            Target::File(_) => Err(Error::internal("a database role on a file")),
        }
    }

    /// Forgets the connection (server mode: it belongs to one role, and the
    /// next command connects as the session's).
    pub(crate) fn reset_connection(&mut self) {
        if self.is_server() {
            self.conn = None;
            self.store = None;
        }
    }

    /// What the store keeps for a new password: an argon2id hash (SQLite),
    /// or the SCRAM-SHA-256 verifier of the collaborator's role (server).
    pub fn password_for_store(&self, password: &Password) -> Result<String> {
        if self.is_server() {
            Ok(crate::store::pg::roles::verifier(password.expose()))
        } else {
            self.hasher.hash(password)
        }
    }

    /// Server mode: a server-mode token for `role` and `secret`.
    pub(crate) fn server_token_for(role: &str, secret: &str) -> String {
        format!("{SERVER_TOKEN}{role}.{secret}")
    }

    /// Creates the database file if needed and opens it (`init`, `demo`).
    pub fn create_store(&mut self) -> Result<&Store> {
        if self.store.is_none() {
            self.store = Some(Store::open(&self.target, OpenMode::Create)?);
        }
        Ok(self.store.as_ref().expect("just opened"))
    }

    /// The one connection this context uses, kept for its lifetime (so a
    /// `--atomic` script's transaction spans every command).
    pub fn conn(&mut self) -> Result<&mut Conn> {
        // A server that went away (restart, network): the failed command
        // said so and nothing of it was kept; the next one reconnects —
        // unless an `--atomic` script's transaction died with it.
        if let Some(conn) = &self.conn
            && conn.is_broken()
        {
            let atomic = conn.in_transaction();
            self.conn = None;
            if atomic {
                return Err(Error::database(
                    "the connection to the PostgreSQL server was lost inside the --atomic \
                     script: its transaction was rolled back and nothing of it was saved",
                    std::io::Error::from(std::io::ErrorKind::ConnectionAborted),
                ));
            }
        }
        if self.conn.is_none() {
            let conn = self.store()?.conn()?;
            self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("just set"))
    }

    /// The signing key (SQLite), loaded once from beside the database
    /// file. Server mode has none: its sessions are database roles.
    pub fn key(&mut self) -> Result<Rc<SigningKey>> {
        if self.key.is_none() {
            self.key = Some(Rc::new(auth::files::load_key(&self.db_path)?));
        }
        Ok(Rc::clone(self.key.as_ref().expect("just loaded")))
    }

    /// A fresh signing key (`init`): no token signed for an earlier
    /// database here can ever be accepted.
    pub(crate) fn rotate_key(&mut self) -> Result<Rc<SigningKey>> {
        let key = Rc::new(auth::files::rotate_key(&self.db_path)?);
        self.key = Some(Rc::clone(&key));
        Ok(key)
    }

    /// Sets the key after `init` created it.
    pub(crate) fn set_key(&mut self, key: SigningKey) {
        self.key = Some(Rc::new(key));
    }

    /// The session token file of this database.
    pub fn token_path(&self) -> PathBuf {
        auth::files::token_path(&self.session_dir, &self.db_path)
    }

    /// The session token: from `login` in this process, else `EPIC_TOKEN`,
    /// else the token file (read once and kept, when pinned).
    pub fn current_token(&mut self) -> Result<Option<String>> {
        if let Some(t) = &self.token {
            return Ok(Some(t.clone()));
        }
        if let Some(t) = &self.env_token {
            return Ok(Some(t.trim().to_string()));
        }
        match self.pin {
            Pin::Off => auth::files::read_token(&self.token_path()),
            Pin::Done => Ok(None),
            Pin::Pending => {
                // Whatever happens, this is the one read: a file written
                // later by another terminal is not this session's.
                self.pin = Pin::Done;
                let token = auth::files::read_token(&self.token_path())?;
                self.token.clone_from(&token);
                Ok(token)
            }
        }
    }

    /// Makes this context keep the identity it starts with (the interactive
    /// shell): the token file is read once, now, and never again; a `login`
    /// made later in another terminal rewrites the file but does not change
    /// who this shell is (only `login`, `logout` and `passwd` typed here
    /// do). Returns the error of that one read (a loose or foreign file),
    /// after which the shell starts logged out.
    pub fn pin_session(&mut self) -> Result<()> {
        self.pin_session_at_first_use();
        self.current_token().map(|_| ())
    }

    /// [`Context::pin_session`] for scripts (`epic < FILE`, `-f FILE`): the
    /// token file is read once, by the first command that needs a session,
    /// and never again, so a `login` made in another terminal while a long
    /// script runs does not change who the rest of the script runs as. A
    /// loose or foreign file is that first command's error.
    pub fn pin_session_at_first_use(&mut self) {
        if self.pin == Pin::Off {
            self.pin = Pin::Pending;
        }
    }

    /// A session chosen here (`login`, `logout`) ends a pending pin: the
    /// token file is no longer this context's to read.
    fn settle_pin(&mut self) {
        if self.pin == Pin::Pending {
            self.pin = Pin::Done;
        }
    }

    /// Keeps a fresh token in memory and in the token file.
    pub(crate) fn keep_token(&mut self, token: String) -> Result<()> {
        auth::files::write_token(&self.token_path(), &token)?;
        self.token = Some(token);
        self.settle_pin();
        self.reset_connection();
        Ok(())
    }

    /// Forgets the session (memory and file).
    pub(crate) fn forget_token(&mut self) -> Result<()> {
        self.token = None;
        self.last_actor = None;
        self.settle_pin();
        self.reset_connection();
        auth::files::delete_token(&self.token_path())
    }

    /// Checks the session against the database: signature, expiry, and the
    /// account as it is now (existing, same token version); in server mode,
    /// the session role's own session, still open.
    fn authenticate(c: &mut dyn Db, credentials: &Credentials) -> Result<Actor> {
        let (key, token) = match credentials {
            Credentials::Token(key, token) => (key, token),
            Credentials::Server => {
                let s = c.server_session()?.ok_or_else(|| {
                    Error::auth(
                        "session ended (logged out, or password, department or account \
                         changed); log in again",
                    )
                })?;
                return Ok(Actor {
                    id: s.account.id,
                    email: s.account.email,
                    full_name: s.account.full_name,
                    department: s.account.department,
                    expires_at: s.expires_at,
                    db_role: Some(s.db_role),
                });
            }
        };
        let claims = auth::token::verify(key, token)?;
        let id = claims.collaborator_id()?;
        let account = c
            .account_by_id(id)?
            .ok_or_else(|| Error::auth("this account no longer exists; log in again"))?;
        if account.token_version != claims.ver {
            return Err(Error::auth(
                "session revoked (logged out, or password or department changed); log in again",
            ));
        }
        Ok(Actor {
            id: account.id,
            email: account.email,
            full_name: account.full_name,
            department: account.department,
            expires_at: claims.expires_at(),
            db_role: None,
        })
    }

    fn credentials(&mut self) -> Result<Credentials> {
        // A missing database is the first thing to tell (not "log in").
        self.store()?;
        if self.is_server() {
            return Ok(Credentials::Server);
        }
        let token = self
            .current_token()?
            .ok_or_else(|| Error::auth("not logged in; run `login` first"))?;
        Ok(Credentials::Token(self.key()?, token))
    }

    /// Runs `f` as the logged-in collaborator in one write transaction
    /// (SQLite: begun IMMEDIATE; PostgreSQL: SERIALIZABLE, and `f` runs
    /// again if the server asks for a retry, so it must not act outside the
    /// transaction). Business events are sent after the commit.
    pub fn write<T>(&mut self, mut f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let credentials = self.credentials()?;
        let conn = self.conn()?;
        let (value, actor, reports) = conn.write(&mut |c| {
            let actor = Self::authenticate(c, &credentials)?;
            report::set_command_department(actor.department.as_str());
            let mut tx = Tx {
                conn: c,
                actor: &actor,
                reports: Vec::new(),
            };
            let value = f(&mut tx)?;
            let reports = std::mem::take(&mut tx.reports);
            Ok((value, actor, reports))
        })?;
        self.reports.extend(reports);
        self.last_actor = Some(actor);
        Ok(value)
    }

    /// Runs `f` as the logged-in collaborator in one read transaction.
    pub fn read<T>(&mut self, f: impl FnOnce(&mut dyn Db, &Actor) -> Result<T>) -> Result<T> {
        let credentials = self.credentials()?;
        let conn = self.conn()?;
        let (value, actor) = conn.read(|c| {
            let actor = Self::authenticate(c, &credentials)?;
            report::set_command_department(actor.department.as_str());
            Ok((f(c, &actor)?, actor))
        })?;
        self.last_actor = Some(actor);
        Ok(value)
    }

    /// Runs `f` in a write transaction without a session (`login`, `init`).
    pub fn write_anonymous<T>(&mut self, mut f: impl FnMut(&mut dyn Db) -> Result<T>) -> Result<T> {
        self.conn()?.write(&mut f)
    }

    /// Reads a password: one line from stdin with `--password-stdin`, else a
    /// hidden prompt (asked twice when `new`). New passwords are checked
    /// against the password policy, with `new` holding the account's email
    /// and name (a password must not be built from them).
    pub fn read_password(
        &mut self,
        from_stdin: bool,
        new: Option<&[&str]>,
        prompt: &str,
    ) -> Result<Password> {
        if from_stdin {
            let line = (self.stdin)()?
                .ok_or_else(|| Error::invalid("password", "expected one line on stdin"))?;
            let line = line.trim_end_matches(['\n', '\r']).to_string();
            return match new {
                Some(inputs) => Password::new(line, inputs),
                None => Ok(Password::any(line)),
            };
        }
        match new {
            Some(inputs) => auth::password::read_new_password(prompt, inputs),
            None => auth::password::read_password(prompt),
        }
    }

    /// Holds business events back until [`Context::flush_reports`] after
    /// the enclosing transaction (`--atomic`) commits.
    pub fn hold_reports(&mut self, hold: bool) {
        self.hold_reports = hold;
    }

    /// True inside an enclosing transaction (an `--atomic` script), where a
    /// command's writes are undone if the script fails.
    pub fn transaction_open(&self) -> bool {
        self.conn.as_ref().is_some_and(Conn::in_transaction)
    }

    /// Refuses commands whose effects must survive a rollback (counting
    /// failed logins, revoking sessions) inside an `--atomic` script.
    pub fn refuse_in_transaction(&self, command: &str) -> Result<()> {
        if self.transaction_open() {
            return Err(Error::conflict(format!(
                "`{command}` cannot run inside an --atomic script: its effects must not be rolled back"
            )));
        }
        Ok(())
    }

    /// Queues a business event for after the command (and any enclosing
    /// `--atomic` transaction) commits.
    pub fn queue_report(&mut self, event: BusinessEvent) {
        self.reports.push(event);
    }

    /// Sends the business events of committed commands.
    pub fn flush_reports(&mut self) {
        if self.hold_reports {
            return;
        }
        for event in self.reports.drain(..) {
            report::business(event);
        }
    }

    /// Drops the events of a command that failed.
    pub fn discard_reports(&mut self) {
        self.reports.clear();
    }
}

/// One line of stdin for `--password-stdin`, at most 4 KiB.
fn read_stdin_line() -> Result<Option<String>> {
    use std::io::{BufRead, Read};
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .take(4096)
        .read_line(&mut line)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidData => Error::invalid("password", "not valid UTF-8"),
            _ => Error::io("reading stdin", e),
        })?;
    Ok((n > 0).then_some(line))
}

#[cfg(test)]
mod pin_tests {
    use super::*;

    #[test]
    fn a_pinned_context_reads_the_token_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::new(dir.path().join("crm.db"), dir.path().join("s"));
        ctx.clear_env_token();
        let file = ctx.token_path();
        auth::files::write_token(&file, "first").unwrap();
        // Unpinned (one-shot commands, scripts): the file as it is now.
        assert_eq!(ctx.current_token().unwrap().as_deref(), Some("first"));
        auth::files::write_token(&file, "second").unwrap();
        assert_eq!(ctx.current_token().unwrap().as_deref(), Some("second"));
        // Pinned (the shell): what it held at the pin, whatever comes later.
        ctx.pin_session().unwrap();
        auth::files::write_token(&file, "third").unwrap();
        assert_eq!(ctx.current_token().unwrap().as_deref(), Some("second"));
        // Forgetting it (logout) leaves the shell logged out, not on the file.
        ctx.forget_token().unwrap();
        auth::files::write_token(&file, "fourth").unwrap();
        assert_eq!(ctx.current_token().unwrap(), None);
    }

    #[test]
    fn a_script_pins_at_the_first_read_and_a_logout_ends_the_pin() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::new(dir.path().join("crm.db"), dir.path().join("s"));
        ctx.clear_env_token();
        let file = ctx.token_path();
        ctx.pin_session_at_first_use();
        // Nothing read yet: the first command sees the file as it is then.
        auth::files::write_token(&file, "at start").unwrap();
        assert_eq!(ctx.current_token().unwrap().as_deref(), Some("at start"));
        auth::files::write_token(&file, "other terminal").unwrap();
        assert_eq!(ctx.current_token().unwrap().as_deref(), Some("at start"));

        // A logout before any read: the file written afterwards is not ours.
        let mut ctx = Context::new(dir.path().join("crm.db"), dir.path().join("s"));
        ctx.clear_env_token();
        ctx.pin_session_at_first_use();
        ctx.forget_token().unwrap();
        auth::files::write_token(&file, "other terminal").unwrap();
        assert_eq!(ctx.current_token().unwrap(), None);
    }

    #[test]
    fn a_pinned_context_started_logged_out_stays_so() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = Context::new(dir.path().join("crm.db"), dir.path().join("s"));
        ctx.clear_env_token();
        ctx.pin_session().unwrap();
        auth::files::write_token(&ctx.token_path(), "later").unwrap();
        assert_eq!(ctx.current_token().unwrap(), None);
    }
}
