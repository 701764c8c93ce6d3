//! `client import FILE` and `event import FILE`: many records from a CSV
//! file, as one transaction.

use crate::error::{Error, Result};

/// `r`'s value, or `None` after pushing its error onto `errors` (so a
/// validator can report every bad field, not only the first).
pub(crate) fn keep<T>(errors: &mut Vec<Error>, r: Result<T>) -> Option<T> {
    r.map_err(|e| errors.push(e)).ok()
}

/// The first of a validator's errors (a command line names one field).
pub(crate) fn first_error(errors: Vec<Error>) -> Error {
    errors
        .into_iter()
        .next()
        .unwrap_or_else(|| Error::internal("validation failed without an error"))
}
