//! PostgreSQL's errors as the user reads them, mapped once.

use postgres::error::SqlState;

use crate::error::Error;

/// The SQLSTATE the schema's trigger functions raise for a broken business
/// rule; their message is written for users (`field: reason`).
const RULE: &str = "EP001";

/// Maps a driver error: a broken rule becomes a conflict with its message, a
/// lost connection says that nothing was saved, anything else is a database
/// error with the server's words.
pub fn map(e: &postgres::Error) -> Error {
    map_with(e, &[])
}

/// Like [`map`], with unique constraints named: a violation of `constraint`
/// becomes a conflict saying `message`.
pub fn map_with(e: &postgres::Error, unique: &[(&str, &str)]) -> Error {
    if let Some(db) = e.as_db_error() {
        if db.code().code() == RULE {
            return Error::conflict(db.message().to_string());
        }
        if *db.code() == SqlState::UNIQUE_VIOLATION
            && let Some(name) = db.constraint()
            && let Some((_, message)) = unique.iter().find(|(c, _)| *c == name)
        {
            return Error::conflict(message.to_string());
        }
        if *db.code() == SqlState::INSUFFICIENT_PRIVILEGE {
            return Error::permission(format!("the database refused: {}", db.message()));
        }
        if *db.code() == SqlState::T_R_SERIALIZATION_FAILURE
            || *db.code() == SqlState::T_R_DEADLOCK_DETECTED
        {
            return Error::database(
                "concurrent updates kept this command from finishing after many tries; \
                 nothing was saved, run it again",
                clone(e),
            );
        }
        // The server ended the session (restart, shutdown, an administrator)
        // or the connection broke: the transaction is gone with it.
        let code = db.code().code();
        if !(code.starts_with("57P") || code.starts_with("08")) {
            return Error::database(format!("database error: {}", db.message()), clone(e));
        }
    }
    if e.as_db_error().is_some() || e.is_closed() || is_io(e) {
        return Error::database(
            "the connection to the PostgreSQL server was lost; this command was rolled back \
             and nothing of it was saved (the next command reconnects)",
            clone(e),
        );
    }
    Error::database(format!("database error: {e}"), clone(e))
}

/// The error of a failed connect: a refused password is an authentication
/// failure (exit 3), a missing database is not found (exit 6), anything
/// else means the server could not be reached (exit 1).
pub fn connect(e: &postgres::Error, display: &str) -> Error {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            return Error::auth(format!(
                "the PostgreSQL server at {display} refused the login: {}",
                db.message()
            ));
        }
        if *code == SqlState::INVALID_CATALOG_NAME {
            return Error::NotFound(
                format!(
                    "{}; create it first (`createdb`), then run `epic --db {display} init`",
                    db.message()
                )
                .into(),
            );
        }
        return Error::database(
            format!(
                "the PostgreSQL server at {display} refused the connection: {}",
                db.message()
            ),
            clone(e),
        );
    }
    let text = e.to_string();
    let reason = std::error::Error::source(e)
        .map(|s| s.to_string())
        .unwrap_or(text);
    if reason.contains("password") {
        // No password was available for a server that asks for one.
        return Error::auth(format!(
            "the PostgreSQL server at {display} asks for a password: set PGPASSWORD or add it \
             to ~/.pgpass (never on the command line)"
        ));
    }
    Error::database(
        format!("cannot reach the PostgreSQL server at {display}: {reason}"),
        clone(e),
    )
}

/// True when the error ended the session: the server terminated it
/// (57P..), the connection failed (08...), or the socket closed.
pub fn is_lost(e: &postgres::Error) -> bool {
    match e.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("57P") || code.starts_with("08")
        }
        None => e.is_closed() || is_io(e),
    }
}

/// True for an error that a retry of the whole transaction can cure.
pub fn is_retryable(e: &Error) -> bool {
    let Error::Database { source, .. } = e else {
        return false;
    };
    let Some(pg) = source.downcast_ref::<Failure>() else {
        return false;
    };
    matches!(pg.code.as_deref(), Some("40001") | Some("40P01"))
}

fn is_io(e: &postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

/// What is kept of a driver error (which is not `Clone`): its SQLSTATE and
/// its text.
#[derive(Debug)]
pub struct Failure {
    /// The SQLSTATE, when the server sent one.
    pub code: Option<String>,
    text: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for Failure {}

fn clone(e: &postgres::Error) -> Failure {
    Failure {
        code: e.code().map(|c| c.code().to_string()),
        text: e.to_string(),
    }
}
