//! The names of a database's roles, computed as the schema computes them
//! (`epic.role_tag`, `epic.role_of_email`), and the secrets given to them.

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

fn hex(bytes: &[u8], chars: usize) -> String {
    bytes
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(chars)
        .map(|n| char::from_digit(u32::from(n), 16).unwrap_or('0'))
        .collect()
}

/// The prefix of every role of the database `dbname`.
pub fn tag(dbname: &str) -> String {
    format!("epic_{}", hex(&Sha256::digest(dbname.as_bytes()), 10))
}

/// The login role of the collaborator with `email` in `dbname` (emails
/// are ASCII, so lowering them here and in SQL agrees).
pub fn of_email(dbname: &str, email: &str) -> String {
    let email = email.trim().to_ascii_lowercase();
    format!(
        "{}_u{}",
        tag(dbname),
        hex(&Sha256::digest(email.as_bytes()), 20)
    )
}

/// What PostgreSQL stores for `password` (SCRAM-SHA-256 with a random
/// salt): the server can verify it, nobody can read the password back, and
/// the password itself never travels to the server.
pub fn verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// A fresh session secret: 256 random bits, hex.
pub fn session_secret() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::internal(format!("no randomness from the OS: {e}")))?;
    Ok(hex(&bytes, 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_those_the_schema_computes() {
        // SELECT 'epic_' || left(encode(sha256('crm'), 'hex'), 10)
        assert_eq!(tag("crm").len(), 15);
        assert!(of_email("crm", " Ann@X.io ").starts_with(&tag("crm")));
        assert_eq!(of_email("crm", "ann@x.io"), of_email("crm", "ANN@x.io"));
        assert_ne!(of_email("crm", "ann@x.io"), of_email("crm2", "ann@x.io"));
        assert_eq!(of_email("crm", "ann@x.io").len(), 15 + 2 + 20);
    }

    #[test]
    fn verifiers_and_secrets_look_right() {
        let v = verifier("correct horse battery");
        assert!(v.starts_with("SCRAM-SHA-256$4096:"), "{v}");
        assert!(!v.contains("correct"));
        let a = session_secret().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, session_secret().unwrap());
    }
}
