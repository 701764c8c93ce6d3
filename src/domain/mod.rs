//! Input types with validation: every value that comes from a user is parsed
//! here into a type that cannot hold an invalid value.
//!
//! Each `parse` takes the field name as the user knows it (`email`, `--due`,
//! `start`...) and fails with [`Error::invalid`](crate::error::Error::invalid),
//! so the message is one lowercase line such as `email: missing '@'`.
//!
//! The domain knows nothing of SQLite or clap: the store turns these types
//! into columns, the commands turn flags into calls to `parse`.

pub mod department;
pub mod email;
pub mod money;
pub mod phone;
pub mod text;
pub mod visible;
pub mod when;

pub use department::Department;
pub use email::Email;
pub use money::Money;
pub use phone::Phone;
pub use text::{EmployeeNumber, Text};
