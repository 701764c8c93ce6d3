//! SQLite's errors as the user reads them.

use crate::error::Error;

impl From<rusqlite::Error> for Error {
    /// A full disk, a read-only file and an I/O failure say so plainly (and
    /// that nothing of the command was saved); anything else is a database
    /// error with SQLite's own words.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        let message = match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                ErrorCode::DiskFull => "disk full: No space left on device for the database; \
                                        nothing of this command was saved (free some space and \
                                        try again)"
                    .to_string(),
                ErrorCode::ReadOnly => "the database is read-only for this user; nothing was \
                                        saved (check the file's owner and permissions)"
                    .to_string(),
                ErrorCode::SystemIoFailure => {
                    format!("I/O error on the database: {e}; nothing of this command was saved")
                }
                _ => format!("database error: {e}"),
            },
            _ => format!("database error: {e}"),
        };
        Error::database(message, e)
    }
}
