//! What the validators of the commands share: collecting every error of a
//! record (an import reports them all), the first of them (a command line
//! names one field), and the empty value that clears an optional field.

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

/// `None` for an empty (or blank) value (`--notes ""`), which clears an
/// optional field.
pub(crate) fn clearable(
    value: &str,
    parse: impl Fn(&str) -> Result<String>,
) -> Result<Option<String>> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
}
