//! Timestamps: stored as UTC unix seconds, typed and shown in local time.
//!
//! "Local" is [`chrono::Local`], which honours `TZ`, so a user in Paris types
//! and reads Paris times while the database holds one unambiguous instant.

use chrono::{
    DateTime, Local, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, SecondsFormat,
    SubsecRound, TimeZone, Utc,
};

use crate::error::{Error, Result};

/// Earliest year accepted by [`parse_when`].
pub const YEAR_MIN: i32 = 1900;
/// Latest year accepted by [`parse_when`].
pub const YEAR_MAX: i32 = 9999;

const EXPECTED: &str = "expected YYYY-MM-DD, YYYY-MM-DD HH:MM or YYYY-MM-DDTHH:MM, or words \
                        such as `today`, `tomorrow 13:00`, `next friday 18:00`, `+3 days`";

/// Parses a user-typed date and time. Errors name `field`.
///
/// Accepts, in local time: `2026-06-04 13:00`, `2026-06-04T13:00`,
/// `2026-06-04` (midnight) and the same with `:ss` seconds. Also accepts a
/// full RFC 3339 timestamp with an offset or `Z` (`2026-06-04T13:00:00+02:00`,
/// also without seconds), whose offset wins over the local zone; fractions of
/// a second are dropped. Years must be within 1900..=9999, and the instant
/// within [`earliest`]..=[`latest`], so that it shows as a year of
/// 1900..=9999 in every time zone.
///
/// A local time skipped by a daylight-saving change does not exist and is
/// refused; a local time repeated by one is ambiguous and refused, naming
/// both offsets to choose from. Words (`tomorrow 13:00`) are read as GNU
/// `date -d` does; slashed numeric dates are refused as ambiguous.
pub fn parse_when(field: &'static str, s: &str) -> Result<DateTime<Utc>> {
    let s = s.trim();
    let bad = |reason: &str| Error::invalid(field, reason.to_string());
    let naive = match parse_naive(s) {
        Some(Ok(naive)) => naive,
        Some(Err(reason)) => return Err(bad(reason)),
        None => {
            if let Some(fixed) = parse_with_offset(s) {
                check_year(fixed.naive_local()).map_err(bad)?;
                return in_range(fixed.with_timezone(&Utc).trunc_subsecs(0)).map_err(bad);
            }
            return parse_words(s).map_err(|reason| Error::invalid(field, reason));
        }
    };
    check_year(naive).map_err(bad)?;
    let t = match Local.from_local_datetime(&naive) {
        MappedLocalTime::Single(t) => t.with_timezone(&Utc),
        MappedLocalTime::Ambiguous(a, b) => {
            let (a, b) = (a.min(b), a.max(b));
            let iso = naive.format("%Y-%m-%dT%H:%M");
            return Err(Error::invalid(
                field,
                format!(
                    "{} happens twice (the clocks go back): say which, {iso}{} or {iso}{}",
                    naive.format("%Y-%m-%d %H:%M"),
                    a.offset(),
                    b.offset()
                ),
            ));
        }
        MappedLocalTime::None => {
            return Err(bad("does not exist in local time (daylight-saving gap)"));
        }
    };
    in_range(t).map_err(bad)
}

/// Dates as people type them (`today`, `tomorrow 13:00`, `next friday
/// 18:00`, `+3 days`), read by `parse_datetime` (GNU `date -d` syntax) in
/// the local zone. Numeric dates with slashes are refused: `04/06/2027` is
/// 4 June to some and April 6 to others.
fn parse_words(s: &str) -> std::result::Result<DateTime<Utc>, String> {
    let slashed = s.split(|c: char| c.is_whitespace()).any(|w| {
        let parts: Vec<&str> = w.split('/').collect();
        parts.len() >= 2
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    });
    if slashed {
        let parts: Vec<&str> = s.split(|c: char| c == '/' || c.is_whitespace()).collect();
        let hint = match parts.as_slice() {
            [a, b, y, ..] if y.len() == 4 => {
                format!(" (write {y}-{b:0>2}-{a:0>2} or {y}-{a:0>2}-{b:0>2}, year-month-day)")
            }
            _ => " (write it year-month-day, e.g. 2027-06-04)".to_string(),
        };
        return Err(format!(
            "'{}' is ambiguous: day/month or month/day?{hint}",
            s.escape_debug()
        ));
    }
    if !s.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(EXPECTED.to_string());
    }
    match parse_datetime::parse_datetime(s) {
        Ok(parse_datetime::ParsedDateTime::InRange(z)) => {
            let t = DateTime::from_timestamp(z.timestamp().as_second(), 0)
                .ok_or_else(|| "must be between 1900-01-02 and 9999-12-30 (UTC)".to_string())?;
            in_range(t).map_err(str::to_string)
        }
        Ok(parse_datetime::ParsedDateTime::Extended(_)) => {
            Err("must be between 1900-01-02 and 9999-12-30 (UTC)".to_string())
        }
        Err(_) => Err(EXPECTED.to_string()),
    }
}

/// The earliest instant accepted: 1900-01-02 00:00 UTC, still in 1900 in
/// every zone (offsets reach at most ±24 h).
pub fn earliest() -> DateTime<Utc> {
    DateTime::from_timestamp(-2_208_902_400, 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The latest instant accepted: 9999-12-30 23:59:59 UTC, still in 9999 in
/// every zone.
pub fn latest() -> DateTime<Utc> {
    DateTime::from_timestamp(253_402_214_399, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn in_range(t: DateTime<Utc>) -> std::result::Result<DateTime<Utc>, &'static str> {
    if (earliest()..=latest()).contains(&t) {
        Ok(t)
    } else {
        Err("must be between 1900-01-02 and 9999-12-30 (UTC)")
    }
}

/// `t` within [`earliest`]..=[`latest`]: what a corrupt or foreign value
/// shows as, so that every display stays a valid RFC 3339 date.
pub fn clamp(t: DateTime<Utc>) -> DateTime<Utc> {
    t.clamp(earliest(), latest())
}

/// Parses the strict local shapes. `None` means "not this shape at all";
/// `Some(Err)` means the shape is right but the values are not.
fn parse_naive(s: &str) -> Option<std::result::Result<NaiveDateTime, &'static str>> {
    let b = s.as_bytes();
    // Positions: YYYY-MM-DD[( |T)HH:MM[:SS]]
    let shape_ok = matches!(b.len(), 10 | 16 | 19)
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b' ' || c == b'T',
            13 | 16 => c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    // The shape check makes every slice below ASCII digits.
    let num = |from: usize, to: usize| s[from..to].parse::<u32>().unwrap_or(u32::MAX);
    let date = NaiveDate::from_ymd_opt(num(0, 4) as i32, num(5, 7), num(8, 10));
    let Some(date) = date else {
        return Some(Err("invalid date (month or day out of range)"));
    };
    let time = match b.len() {
        10 => NaiveTime::MIN,
        16 => match NaiveTime::from_hms_opt(num(11, 13), num(14, 16), 0) {
            Some(t) => t,
            None => return Some(Err("invalid time (hour or minute out of range)")),
        },
        _ => match NaiveTime::from_hms_opt(num(11, 13), num(14, 16), num(17, 19)) {
            Some(t) => t,
            None => return Some(Err("invalid time (hour, minute or second out of range)")),
        },
    };
    Some(Ok(date.and_time(time)))
}

/// Parses a timestamp that carries its own offset.
fn parse_with_offset(s: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .or_else(|| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z").ok())
        .or_else(|| {
            let utc = s.strip_suffix(['Z', 'z'])?;
            let naive = NaiveDateTime::parse_from_str(utc, "%Y-%m-%dT%H:%M").ok()?;
            Some(naive.and_utc().fixed_offset())
        })
}

fn check_year(t: NaiveDateTime) -> std::result::Result<(), &'static str> {
    use chrono::Datelike;
    if (YEAR_MIN..=YEAR_MAX).contains(&t.year()) {
        Ok(())
    } else {
        Err("year must be between 1900 and 9999")
    }
}

/// The instant `secs` seconds after the Unix epoch.
///
/// Values outside [`earliest`]..=[`latest`] (never written by this
/// program, so only a corrupt database) are clamped to them rather than
/// panicking or showing a year past 9999.
pub fn from_unix(secs: i64) -> DateTime<Utc> {
    clamp(DateTime::from_timestamp(secs, 0).unwrap_or(if secs < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    }))
}

/// RFC 3339 in the local zone, whole seconds, with a numeric offset:
/// `2023-06-04T13:00:00+02:00` (`+00:00` rather than `Z` in UTC).
///
/// RFC 3339 offsets have no seconds, so a historical zone offset that has
/// them (local mean time before ~1912) is shown rounded to the minute.
pub fn to_rfc3339_local(t: DateTime<Utc>) -> String {
    clamp(t)
        .with_timezone(&Local)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// The short local form used in tables: `2023-06-04 13:00`.
pub fn to_display_local(t: DateTime<Utc>) -> String {
    clamp(t)
        .with_timezone(&Local)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The current instant, truncated to whole seconds (what the store keeps).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Duration, Timelike};
    use proptest::prelude::*;

    /// Local wall-clock times in 1900..=9999 that exist and are unambiguous in
    /// whatever zone the tests run in would be zone-dependent; instead every
    /// test below compares against chrono's own view of `Local`.
    fn local(naive: NaiveDateTime) -> MappedLocalTime<DateTime<Local>> {
        Local.from_local_datetime(&naive)
    }

    /// The earlier instant of a local time. Not chrono's `earliest()`, which
    /// returns the first of an `Ambiguous` pair: with chrono 0.4.45 on Linux
    /// that is the *later* instant (Paris, 2026-10-25 02:30 gave +01:00).
    fn earlier(naive: NaiveDateTime) -> Option<DateTime<Local>> {
        match local(naive) {
            MappedLocalTime::Single(t) => Some(t),
            MappedLocalTime::Ambiguous(a, b) => Some(a.min(b)),
            MappedLocalTime::None => None,
        }
    }

    #[test]
    fn accepts_every_documented_shape() {
        let at = |h, m, s| {
            NaiveDate::from_ymd_opt(2026, 6, 4)
                .unwrap()
                .and_hms_opt(h, m, s)
                .unwrap()
        };
        let cases = [
            ("2026-06-04 13:00", at(13, 0, 0)),
            ("2026-06-04T13:00", at(13, 0, 0)),
            ("  2026-06-04 13:00 ", at(13, 0, 0)),
            ("2026-06-04", at(0, 0, 0)),
            ("2026-06-04 13:05:09", at(13, 5, 9)),
            ("2026-06-04T13:05:09", at(13, 5, 9)),
        ];
        for (input, naive) in cases {
            let Some(expected) = earlier(naive) else {
                continue;
            };
            assert_eq!(
                parse_when("--start", input).unwrap(),
                expected.with_timezone(&Utc),
                "{input}"
            );
        }
    }

    #[test]
    fn explicit_offsets_win_over_the_local_zone() {
        let utc = Utc.with_ymd_and_hms(2026, 6, 4, 11, 0, 0).unwrap();
        for input in [
            "2026-06-04T13:00:00+02:00",
            "2026-06-04T13:00+02:00",
            "2026-06-04T11:00:00Z",
            "2026-06-04T11:00Z",
            "2026-06-04T11:00:00.750Z",
            "2026-06-04T06:00:00-05:00",
        ] {
            assert_eq!(parse_when("--start", input).unwrap(), utc, "{input}");
        }
    }

    #[test]
    fn every_accepted_instant_shows_as_a_four_digit_year_in_every_zone() {
        for input in [
            "9999-12-31T23:00:00-05:00",
            "9999-12-31T20:00Z",
            "9999-12-31 23:59",
            "1900-01-01T00:30+01:00",
        ] {
            let err = parse_when("--start", input).unwrap_err().to_string();
            assert!(
                err.contains("between 1900-01-02 and 9999-12-30"),
                "{input}: {err}"
            );
        }
        for t in [latest(), earliest()] {
            for secs in [-86_340, -50_400, -3600, 0, 3600, 50_400, 86_340] {
                let zone = chrono::FixedOffset::east_opt(secs).unwrap();
                let shown = t.with_timezone(&zone).to_rfc3339();
                assert!(DateTime::parse_from_rfc3339(&shown).is_ok(), "{shown}");
                assert_eq!(shown.find('-'), Some(4), "{shown}");
            }
        }
        assert!(parse_when("--start", "9999-12-29 12:00").is_ok());
        assert!(parse_when("--start", "1900-01-03").is_ok());
        // A foreign or corrupt instant is shown clamped, never `+10000-…`.
        let far = DateTime::<Utc>::MAX_UTC;
        assert!(to_rfc3339_local(far).starts_with("9999-12-3"));
        assert!(to_display_local(DateTime::<Utc>::MIN_UTC).starts_with("1900-01-0"));
    }

    #[test]
    fn refuses_bad_input_naming_the_field() {
        let cases = [
            ("", EXPECTED),
            (
                "04/06/2026",
                "ambiguous: day/month or month/day? (write 2026-06-04 or 2026-04-06",
            ),
            ("2026-6-4", EXPECTED),
            ("2026-06-04 13", EXPECTED),
            ("2026-06-04 13h00", EXPECTED),
            ("2026-06-0413:00", EXPECTED),
            ("2026-06-04  13:00", EXPECTED),
            ("2026-06-04 13:00:00.5", EXPECTED),
            ("+2026-06-04", EXPECTED),
            ("2026-06-04T13:00:00+25:00", EXPECTED),
            ("2026-13-01", "invalid date"),
            ("2026-02-30", "invalid date"),
            ("2026-00-10", "invalid date"),
            ("2026-06-04 24:00", "invalid time"),
            ("2026-06-04 13:60", "invalid time"),
            ("2026-06-04 13:00:61", "invalid time"),
            ("1899-12-31", "year must be between 1900 and 9999"),
            ("0000-01-01 00:00", "year must be between 1900 and 9999"),
            ("1850-01-01T00:00:00Z", "year must be between 1900 and 9999"),
        ];
        for (input, reason) in cases {
            let err = parse_when("--due", input).expect_err(input).to_string();
            assert!(err.starts_with("--due: "), "{input:?}: {err}");
            assert!(err.contains(reason), "{input:?}: {err}");
        }
        let err = parse_when("start", "soon").unwrap_err().to_string();
        assert_eq!(err, format!("start: {EXPECTED}"));
    }

    #[test]
    fn dates_as_people_type_them() {
        let now = Utc::now().timestamp();
        let day = 86_400;
        let at = |s: &str| parse_when("--start", s).unwrap().timestamp();
        assert!((at("today") - now).abs() < day, "today");
        assert!(
            (at("tomorrow 13:00") - now - day).abs() <= day,
            "tomorrow 13:00"
        );
        assert!((at("+3 days") - now - 3 * day).abs() < 60, "+3 days");
        let friday = parse_when("--start", "next friday 18:00").unwrap();
        assert_eq!(
            friday.with_timezone(&Local).format("%a %H:%M").to_string(),
            "Fri 18:00"
        );
        assert!(friday.timestamp() > now && friday.timestamp() <= now + 8 * day);
        // Beyond the bounds, words are refused like digits.
        let err = parse_when("--start", "200 years ago")
            .unwrap_err()
            .to_string();
        assert!(err.contains("between 1900-01-02 and 9999-12-30"), "{err}");
        for slashed in ["04/06/2027", "4/6/2027 13:00", "06/04"] {
            let err = parse_when("--start", slashed).unwrap_err().to_string();
            assert!(err.contains("ambiguous"), "{slashed}: {err}");
        }
    }

    /// Finds the local zone's offset changes in 2020-2030 and checks every
    /// quarter hour around each. In a zone without DST (UTC on most CI
    /// machines) there is nothing to check; run with e.g. `TZ=Europe/Paris`
    /// to exercise it.
    #[test]
    fn dst_gaps_and_overlaps_are_refused_naming_the_choices() {
        let offset = |t: DateTime<Utc>| Local.offset_from_utc_datetime(&t.naive_utc());
        let mut day = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        while day.year() < 2030 {
            let next = day + Duration::days(1);
            if offset(day) != offset(next) {
                let mut t = day.naive_utc() - Duration::days(1);
                while t < next.naive_utc() + Duration::days(1) {
                    check_transition_minute(t);
                    t += Duration::minutes(15);
                }
            }
            day = next;
        }
    }

    fn check_transition_minute(t: NaiveDateTime) {
        let text = t.format("%Y-%m-%d %H:%M").to_string();
        match local(t) {
            MappedLocalTime::None => {
                let err = parse_when("start", &text).unwrap_err().to_string();
                assert_eq!(
                    err,
                    "start: does not exist in local time (daylight-saving gap)"
                );
            }
            MappedLocalTime::Ambiguous(a, b) => {
                let err = parse_when("start", &text).unwrap_err().to_string();
                assert!(err.contains("happens twice"), "{text}: {err}");
                for offset in [a.offset().to_string(), b.offset().to_string()] {
                    assert!(err.contains(&offset), "{text}: {err}");
                    // Each offered form is accepted as is.
                    let iso = format!("{}{offset}", t.format("%Y-%m-%dT%H:%M"));
                    assert!(parse_when("start", &iso).is_ok(), "{iso}");
                }
            }
            MappedLocalTime::Single(x) => {
                assert_eq!(parse_when("start", &text).unwrap(), x.with_timezone(&Utc));
            }
        }
    }

    #[test]
    fn formats_and_clock() {
        let t = parse_when("t", "2023-06-04T13:00:00+02:00").unwrap();
        let rfc = to_rfc3339_local(t);
        assert_eq!(DateTime::parse_from_rfc3339(&rfc).unwrap(), t, "{rfc}");
        assert_eq!(rfc.len(), "2023-06-04T13:00:00+02:00".len(), "{rfc}");
        let shown = to_display_local(t);
        assert_eq!(shown.len(), "2023-06-04 13:00".len(), "{shown}");
        assert_eq!(parse_when("t", &shown).unwrap(), t, "{shown}");
        assert_eq!(from_unix(t.timestamp()), t);
        assert_eq!(from_unix(0), DateTime::UNIX_EPOCH);
        assert_eq!(from_unix(i64::MAX), latest());
        assert_eq!(from_unix(i64::MIN), earliest());
        let now = now();
        assert_eq!(now.nanosecond(), 0);
        assert!((Utc::now() - now).num_seconds().abs() < 5);
    }

    proptest! {
        #[test]
        fn local_minutes_round_trip(minutes in 0i64..(8100 * 365 * 24 * 60)) {
            let naive = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
                + Duration::minutes(minutes);
            prop_assume!(naive.year() <= YEAR_MAX);
            let expected = earlier(naive);
            prop_assume!(expected.is_some());
            let expected = expected.unwrap().with_timezone(&Utc);
            for format in ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"] {
                let text = naive.format(format).to_string();
                let parsed = parse_when("start", &text).unwrap();
                prop_assert_eq!(parsed, expected, "{}", text);
                prop_assert_eq!(to_display_local(parsed), naive.format("%Y-%m-%d %H:%M").to_string());
                // RFC 3339 offsets have no seconds: historical local mean
                // times (e.g. Paris before 1911, +00:09:21) cannot round-trip.
                if expected.with_timezone(&Local).offset().local_minus_utc() % 60 == 0 {
                    let rfc = to_rfc3339_local(parsed);
                    prop_assert_eq!(parse_when("start", &rfc).unwrap(), expected, "{}", rfc);
                }
            }
        }
    }
}
