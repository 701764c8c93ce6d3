//! Collaborators (staff accounts): what the store reads and writes.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::ser_time;
use crate::domain::Department;

/// A collaborator as everyone may read it (never the password hash).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Collaborator {
    /// Row id.
    pub id: i64,
    /// Unique employee number.
    pub employee_number: String,
    /// Full name.
    pub full_name: String,
    /// Unique (case-insensitive) email.
    pub email: String,
    /// Department.
    pub department: Department,
    /// Creation time.
    #[serde(serialize_with = "ser_time")]
    pub created_at: DateTime<Utc>,
    /// Last update.
    #[serde(serialize_with = "ser_time")]
    pub updated_at: DateTime<Utc>,
    /// Server mode: the PostgreSQL login role of this collaborator (shown
    /// by `show`; never on SQLite).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub db_role: Option<String>,
}

/// What authentication needs to know about an account.
#[derive(Clone)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// Email.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// Department, read fresh for every command.
    pub department: Department,
    /// Bumped on logout, password or department change.
    pub token_version: i64,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Consecutive failed logins.
    pub failed_logins: i64,
    /// Locked until this unix time, if locked.
    pub locked_until: Option<i64>,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("department", &self.department)
            .field("token_version", &self.token_version)
            .field("password_hash", &"***")
            .finish_non_exhaustive()
    }
}

/// A collaborator to create.
#[derive(Debug, Clone)]
pub struct NewCollaborator<'a> {
    /// Employee number.
    pub employee_number: &'a str,
    /// Full name.
    pub full_name: &'a str,
    /// Email.
    pub email: &'a str,
    /// Department.
    pub department: Department,
    /// The password as the store keeps it: an argon2id PHC string
    /// (SQLite), a SCRAM-SHA-256 verifier for the role (PostgreSQL).
    pub password_hash: &'a str,
}

/// Changes to a collaborator; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct CollaboratorChanges {
    /// New full name.
    pub full_name: Option<String>,
    /// New email.
    pub email: Option<String>,
    /// New department (revokes the account's sessions).
    pub department: Option<Department>,
    /// New password hash or SCRAM verifier (revokes the account's sessions).
    pub password_hash: Option<String>,
}

/// Server mode: who the connection's session role acts for.
#[derive(Debug, Clone)]
pub struct ServerSession {
    /// The collaborator.
    pub account: Account,
    /// The collaborator's own login role.
    pub db_role: String,
    /// When the session role stops being able to log in.
    pub expires_at: DateTime<Utc>,
}
