//! The one error type of the crate, and the exit status each variant maps to.
//!
//! Errors are typed inside (callers branch on the variant) and turned into a
//! message and an exit status exactly once, at the edge (`main`, the shell
//! loop). Messages are one line and name the offending field when there is one.

use std::borrow::Cow;
use std::fmt;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit statuses of SPEC.md "Modes".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Success.
    Ok = 0,
    /// Internal error (a bug, an I/O failure, a corrupt database).
    Internal = 1,
    /// Usage error: unknown command or flag.
    Usage = 2,
    /// Not logged in, or authentication failed.
    Auth = 3,
    /// Permission denied by the permission matrix.
    Permission = 4,
    /// Invalid input.
    Invalid = 5,
    /// A referenced record does not exist.
    NotFound = 6,
    /// Duplicate, or a state that forbids the operation.
    Conflict = 7,
}

impl ExitCode {
    /// The numeric process exit status.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// Everything that can go wrong while running a command.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line itself is wrong (clap's message, already formatted).
    #[error("{0}")]
    Usage(String),
    /// Not logged in, bad credentials, expired or revoked session.
    #[error("{0}")]
    Auth(Cow<'static, str>),
    /// The permission matrix (or an ownership rule) refused the command.
    /// The message names the rule.
    #[error("permission denied: {0}")]
    Permission(Cow<'static, str>),
    /// A field's value is invalid.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field, as the user names it (`email`, `--due`, `start`...).
        field: Cow<'static, str>,
        /// What is wrong with it.
        reason: Cow<'static, str>,
    },
    /// A referenced record does not exist.
    #[error("{0}")]
    NotFound(Cow<'static, str>),
    /// A duplicate, or a state that forbids the operation.
    #[error("{0}")]
    Conflict(Cow<'static, str>),
    /// The database said something we did not expect. The message is
    /// written by the backend that failed (see `store::sqlite::error` and
    /// `store::pg::error`), so this layer knows no database driver.
    #[error("{message}")]
    Database {
        /// What the user reads: one line, saying whether anything was saved.
        message: String,
        /// The driver's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Reading or writing a file or stream failed.
    #[error("{context}: {source}")]
    Io {
        /// What we were doing.
        context: Cow<'static, str>,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Any other unexpected failure.
    #[error("internal error: {0}")]
    Internal(Cow<'static, str>),
}

impl Error {
    /// An invalid-input error naming `field`.
    pub fn invalid(
        field: impl Into<Cow<'static, str>>,
        reason: impl Into<Cow<'static, str>>,
    ) -> Self {
        Error::Invalid {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// A permission refusal naming the rule that refused.
    pub fn permission(rule: impl Into<Cow<'static, str>>) -> Self {
        Error::Permission(rule.into())
    }

    /// A not-found error, e.g. `not_found("client", 42)`.
    pub fn not_found(entity: &str, key: impl fmt::Display) -> Self {
        // The key may be user text: escape hidden characters so a message
        // stays one plain line (the terminal escapes again, to no effect).
        let key = key.to_string();
        let key = crate::domain::visible::escape(&key);
        Error::NotFound(format!("{entity} {key} not found").into())
    }

    /// A conflict error.
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Conflict(message.into())
    }

    /// An authentication error.
    pub fn auth(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Auth(message.into())
    }

    /// An internal error.
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Error::Internal(message.into())
    }

    /// A database driver's error, with the line the user reads.
    pub fn database(
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error::Database {
            message: message.into(),
            source: Box::new(source),
        }
    }

    /// An I/O error with what we were doing.
    pub fn io(context: impl Into<Cow<'static, str>>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// The exit status this error maps to.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Error::Usage(_) => ExitCode::Usage,
            Error::Auth(_) => ExitCode::Auth,
            Error::Permission(_) => ExitCode::Permission,
            Error::Invalid { .. } => ExitCode::Invalid,
            Error::NotFound(_) => ExitCode::NotFound,
            Error::Conflict(_) => ExitCode::Conflict,
            Error::Database { .. } | Error::Io { .. } | Error::Internal(_) => ExitCode::Internal,
        }
    }

    /// True for errors that are bugs or environment failures (exit 1), which
    /// are reported to Sentry; user mistakes and refusals are not.
    pub fn is_unexpected(&self) -> bool {
        self.exit_code() == ExitCode::Internal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_maps_to_its_documented_status() {
        let cases: Vec<(Error, i32)> = vec![
            (Error::Usage("x".into()), 2),
            (Error::auth("x"), 3),
            (Error::permission("x"), 4),
            (Error::invalid("email", "bad"), 5),
            (Error::not_found("client", 1), 6),
            (Error::conflict("x"), 7),
            (Error::internal("x"), 1),
            (Error::io("x", std::io::Error::other("y")), 1),
        ];
        for (error, code) in cases {
            assert_eq!(error.exit_code().code(), code, "{error:?}");
        }
    }

    #[test]
    fn invalid_names_the_field_first() {
        assert_eq!(
            Error::invalid("email", "missing @").to_string(),
            "email: missing @"
        );
        assert_eq!(
            Error::not_found("client", 42).to_string(),
            "client 42 not found"
        );
        assert_eq!(
            Error::not_found("collaborator", "a\u{1b}]0;x\u{7}@x.io").to_string(),
            "collaborator a\\e]0;x\\x07@x.io not found"
        );
        assert!(Error::internal("x").is_unexpected());
        assert!(!Error::permission("x").is_unexpected());
    }
}
