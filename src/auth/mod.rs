//! Authentication building blocks, with no database access: password
//! policy and argon2id hashing ([`password`]), signed session tokens
//! ([`token`]), and the owner-only files that hold the signing key and the
//! session token ([`files`]).
//!
//! The store keeps hashes and token versions; the commands glue the pieces
//! together. Keeping this module free of SQL lets every security rule here be
//! tested on its own, with real files and real clocks.

pub mod files;
pub mod password;
pub mod token;
pub mod tty;

pub use password::{Hasher, Password};
pub use token::{Claims, SigningKey};
