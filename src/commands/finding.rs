//! What the lists share to find records: `--from WHEN` / `--to WHEN` (a
//! half-open range of unix seconds, `[from, before)`), and the checks that
//! refuse a filter which could only ever return nothing (`--sales` naming
//! a manager, `--mine` for a department that owns no such record).
//!
//! `--from` is inclusive. `--to` is inclusive as a user reads it: a date
//! alone (`--to 2026-06-30`) takes in that whole local day; a time
//! (`--to "2026-06-30 18:00"`) takes in that very second, so
//! `--from 2026-06-01 --to 2026-06-30` is June.

use chrono::{Days, NaiveDate};

use super::Actor;
use crate::domain::{Department, when};
use crate::error::{Error, Result};
use crate::store::Db;

/// A range of instants, `[from, before)`, either end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Range {
    /// The first instant in the range (unix seconds).
    pub from: Option<i64>,
    /// The first instant after the range (unix seconds).
    pub before: Option<i64>,
}

impl Range {
    /// Reads `--from` and `--to`. Errors name the flag; a `--to` before
    /// `--from` is an error naming `--to`.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<Range> {
        Range::parse_flags(("--from", from), ("--to", to))
    }

    /// [`Range::parse`] for flags of other names (`audit list --since
    /// --until`).
    pub fn parse_flags(
        (from_flag, from): (&'static str, Option<&str>),
        (to_flag, to): (&'static str, Option<&str>),
    ) -> Result<Range> {
        let from = from
            .map(|t| when::parse_when(from_flag, t).map(|t| t.timestamp()))
            .transpose()?;
        let before = to.map(|t| end_of(to_flag, t)).transpose()?;
        if let (Some(f), Some(b)) = (from, before)
            && b <= f
        {
            return Err(Error::invalid(to_flag, format!("is before {from_flag}")));
        }
        Ok(Range { from, before })
    }
}

/// The first second after what `--to TEXT` (named `flag`) takes in.
fn end_of(flag: &'static str, text: &str) -> Result<i64> {
    let trimmed = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        && trimmed.len() == 10
    {
        // The whole day: up to the next local midnight.
        let next = day.checked_add_days(Days::new(1)).ok_or_else(|| {
            Error::invalid(flag, "must be between 1900-01-02 and 9999-12-30 (UTC)")
        })?;
        return Ok(when::parse_when(flag, &next.format("%Y-%m-%d").to_string())?.timestamp());
    }
    Ok(when::parse_when(flag, trimmed)?.timestamp() + 1)
}

/// The id of the collaborator `key` (id or email) given to `flag`, who must
/// be in `department`: anyone else owns no such record, so the list could
/// only be empty (invalid input naming `flag`, not an empty list).
pub fn staff_in(
    db: &mut dyn Db,
    flag: &'static str,
    key: &str,
    department: Department,
) -> Result<i64> {
    let found = db.find_collaborator(key)?;
    if found.department != department {
        return Err(Error::invalid(
            flag,
            format!(
                "{} is in {}, not {}: only {} collaborators are {} contacts",
                crate::domain::visible::escape(&found.email),
                found.department.as_str(),
                department.as_str(),
                department.as_str(),
                department.as_str()
            ),
        ));
    }
    Ok(found.id)
}

/// `--mine` of `client list` and `contract list`: the records whose sales
/// contact the actor is; refused outside sales, where it could only be empty.
pub fn mine_as_sales(actor: &Actor, what: &str) -> Result<i64> {
    if actor.department != Department::Sales {
        return Err(Error::invalid(
            "--mine",
            format!(
                "means the {what} whose sales contact you are, and only sales have any \
                 (you are in {})",
                actor.department.as_str()
            ),
        ));
    }
    Ok(actor.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_alone_takes_in_the_whole_day() {
        let june = Range::parse(Some("2026-06-01"), Some("2026-06-30")).unwrap();
        let start = when::parse_when("f", "2026-06-01").unwrap().timestamp();
        let july = when::parse_when("f", "2026-07-01").unwrap().timestamp();
        assert_eq!(june.from, Some(start));
        assert_eq!(june.before, Some(july));
        let one_day = Range::parse(Some("2026-06-30"), Some("2026-06-30")).unwrap();
        assert_eq!(one_day.before, Some(july));
        let at = Range::parse(None, Some("2026-06-30 18:00")).unwrap();
        let six = when::parse_when("f", "2026-06-30 18:00")
            .unwrap()
            .timestamp();
        assert_eq!(at.before, Some(six + 1));
        assert_eq!(Range::parse(None, None).unwrap(), Range::default());
    }

    #[test]
    fn bad_ranges_name_their_flag() {
        let err = Range::parse(Some("2026-07-01"), Some("2026-06-30")).unwrap_err();
        assert_eq!(err.to_string(), "--to: is before --from");
        let err = Range::parse(Some("soon"), None).unwrap_err().to_string();
        assert!(err.starts_with("--from:"), "{err}");
        let err = Range::parse(None, Some("2026-13-01"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--to:"), "{err}");
        let err = Range::parse(None, Some("9999-12-31"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("--to:"), "{err}");
    }
}
