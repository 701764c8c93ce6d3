//! Amounts in euros, held as exact integer cents and never as a float.

use std::fmt;

use crate::error::{Error, Result};

/// A non-negative amount of euros in cents, at most [`Money::MAX`].
///
/// The invariant `0 <= cents <= MAX` holds for every value, so totals and
/// dues can be stored and compared without further checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Characters accepted as thousands separators: space, no-break space and
/// narrow no-break space (what French locales and spreadsheets produce).
fn is_group_sep(c: char) -> bool {
    matches!(c, ' ' | '\u{00A0}' | '\u{202F}')
}

impl Money {
    /// The largest amount: 10 billion euros (1_000_000_000_000 cents).
    pub const MAX: Money = Money(1_000_000_000_000);

    /// The amount of `c` cents, or `None` if `c` is negative or above [`Money::MAX`].
    pub fn from_cents(c: i64) -> Option<Money> {
        (0..=Self::MAX.0).contains(&c).then_some(Money(c))
    }

    /// The amount in cents, in `0..=MAX`.
    pub fn cents(self) -> i64 {
        self.0
    }

    /// Zero euros.
    pub fn zero() -> Money {
        Money(0)
    }

    /// `self - o`, or `None` if the result would be negative.
    pub fn checked_sub(self, o: Money) -> Option<Money> {
        Money::from_cents(self.0 - o.0)
    }

    /// `self + o`, or `None` if the result would exceed [`Money::MAX`].
    pub fn checked_add(self, o: Money) -> Option<Money> {
        // Both are at most 10^12, so the sum cannot overflow an i64.
        Money::from_cents(self.0 + o.0)
    }

    /// Parses a user-typed amount in euros. Errors name `field`.
    ///
    /// Accepts `12500`, `12500.5`, `12500.50`, `12,50`, `0.5`, `12 500,50`:
    /// digits, optionally grouped by thousands with spaces (also U+00A0 and
    /// U+202F), then optionally exactly one decimal separator (`.` or `,`)
    /// followed by 1 or 2 digits. A `€` before or after, or `EUR` (any case)
    /// after or before, is allowed.
    ///
    /// Refuses empty input, a minus sign, more than two decimals, both `.`
    /// and `,` (so `1,234.50` and `1.234,50` are refused as ambiguous), a
    /// missing integer part (`.5`), exponents, `NaN`, `inf`, letters, and
    /// anything above [`Money::MAX`]. Grouping must be regular: the first
    /// group has 1 to 3 digits and every following one exactly 3, with
    /// single separators, so a mistyped `1 2 3` or `12 50` is refused
    /// rather than guessed at.
    pub fn parse(field: &'static str, s: &str) -> Result<Money> {
        parse_amount(s).map_err(|reason| Error::invalid(field, reason))
    }
}

fn parse_amount(s: &str) -> std::result::Result<Money, String> {
    let s = strip_currency(s.trim());
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.starts_with('-') || s.starts_with('\u{2212}') {
        return Err("must not be negative".into());
    }
    if let Some(c) = s
        .chars()
        .find(|&c| !c.is_ascii_digit() && c != '.' && c != ',' && !is_group_sep(c))
    {
        return Err(if c.is_control() {
            "contains a control character".into()
        } else {
            format!("invalid character {c:?} (expected digits, spaces, and '.' or ',' for cents)")
        });
    }
    if s.contains('.') && s.contains(',') {
        return Err("use either '.' or ',' for cents, not both".into());
    }
    let mut parts = s.split(['.', ',']);
    let int_part = parts.next().unwrap_or_default();
    let frac_part = parts.next();
    if parts.next().is_some() {
        return Err("more than one decimal separator".into());
    }
    let euros = parse_euros(int_part)?;
    let cents = match frac_part {
        None => 0,
        Some("") => return Err("missing digits after the decimal separator".into()),
        Some(f) if !f.chars().all(|c| c.is_ascii_digit()) => {
            return Err("spaces are not allowed after the decimal separator".into());
        }
        Some(f) if f.len() > 2 => return Err("at most two decimals (cents)".into()),
        // One digit means tenths: `12.5` is 12.50.
        Some(f) => f.parse::<i64>().unwrap_or_default() * if f.len() == 1 { 10 } else { 1 },
    };
    euros
        .checked_mul(100)
        .and_then(|c| c.checked_add(cents))
        .and_then(Money::from_cents)
        .ok_or_else(too_large)
}

fn too_large() -> String {
    format!("too large (max {})", Money::MAX)
}

/// Removes one leading or trailing euro marker (`€`, `EUR`), then trims.
fn strip_currency(s: &str) -> &str {
    let s = s
        .strip_prefix('€')
        .or_else(|| s.strip_suffix('€'))
        .unwrap_or(s);
    let s = s.trim();
    let upper = |t: &str| t.to_ascii_uppercase();
    let s = match s.len() {
        n if n >= 3 && s.is_char_boundary(3) && upper(&s[..3]) == "EUR" => &s[3..],
        n if n >= 3 && s.is_char_boundary(n - 3) && upper(&s[n - 3..]) == "EUR" => &s[..n - 3],
        _ => s,
    };
    s.trim()
}

/// Parses the integer part, checking the thousands grouping.
fn parse_euros(int_part: &str) -> std::result::Result<i64, String> {
    if int_part.is_empty() {
        return Err("missing digits before the decimal separator".into());
    }
    let groups: Vec<&str> = int_part.split(is_group_sep).collect();
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err("misplaced space (group thousands by three, e.g. 12 500)".into());
        }
    }
    let mut euros: i64 = 0;
    for d in groups.concat().bytes() {
        euros = euros
            .checked_mul(10)
            .and_then(|e| e.checked_add(i64::from(d - b'0')))
            .filter(|&e| e <= Money::MAX.0 / 100)
            .ok_or_else(too_large)?;
    }
    Ok(euros)
}

impl fmt::Display for Money {
    /// Euros with exactly two decimals, `.` separator, no grouping: `12500.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl serde::Serialize for Money {
    /// Serialised as its [`Display`](fmt::Display) string, e.g. `"12500.00"`,
    /// so JSON consumers never see a float.
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cents(s: &str) -> i64 {
        Money::parse("amount", s)
            .unwrap_or_else(|e| panic!("{s:?}: {e}"))
            .cents()
    }

    #[test]
    fn accepts_the_documented_forms() {
        let cases = [
            ("12500", 1_250_000),
            ("12500.5", 1_250_050),
            ("12500.50", 1_250_050),
            ("12 500,50", 1_250_050),
            ("12 500.5", 1_250_050),
            ("12,50", 1_250),
            ("0.5", 50),
            ("0,05", 5),
            ("0", 0),
            ("007", 700),
            ("€ 12 500", 1_250_000),
            ("€12500", 1_250_000),
            ("12500 €", 1_250_000),
            ("12500 EUR", 1_250_000),
            ("12500eur", 1_250_000),
            ("EUR 12500", 1_250_000),
            ("12\u{00A0}500,50", 1_250_050),
            ("1\u{202F}234\u{202F}567,89", 123_456_789),
            ("  1 000 000  ", 100_000_000),
            ("10000000000", 1_000_000_000_000),
            ("10 000 000 000.00", 1_000_000_000_000),
        ];
        for (input, expected) in cases {
            assert_eq!(cents(input), expected, "{input:?}");
        }
    }

    #[test]
    fn refuses_bad_amounts_naming_the_field() {
        let cases = [
            ("", "must not be empty"),
            ("€", "must not be empty"),
            ("-1", "must not be negative"),
            ("- 1", "must not be negative"),
            ("€ -5", "must not be negative"),
            ("1.234", "at most two decimals (cents)"),
            ("12,500", "at most two decimals (cents)"),
            ("NaN", "invalid character 'N'"),
            ("inf", "invalid character 'i'"),
            ("1e5", "invalid character 'e'"),
            ("+5", "invalid character '+'"),
            ("1.2.3", "more than one decimal separator"),
            ("1,2.3", "not both"),
            ("1,234.50", "not both"),
            ("abc", "invalid character"),
            ("12.", "missing digits after"),
            (".5", "missing digits before"),
            ("12. 5", "spaces are not allowed after"),
            ("1 2 3", "misplaced space"),
            ("12 50", "misplaced space"),
            ("1234 567", "misplaced space"),
            ("12  500", "misplaced space"),
            ("12\t500", "control character"),
            ("10000000000.01", "too large (max 10000000000.00)"),
            ("99999999999999999999999", "too large (max 10000000000.00)"),
        ];
        for (input, reason) in cases {
            let err = Money::parse("--total", input).expect_err(input).to_string();
            assert!(err.starts_with("--total: "), "{input:?}: {err}");
            assert!(err.contains(reason), "{input:?}: {err}");
        }
    }

    #[test]
    fn displays_and_serialises_with_two_decimals() {
        let m = |c| Money::from_cents(c).unwrap();
        assert_eq!(m(1_250_000).to_string(), "12500.00");
        assert_eq!(m(50).to_string(), "0.50");
        assert_eq!(m(5).to_string(), "0.05");
        assert_eq!(Money::zero().to_string(), "0.00");
        assert_eq!(Money::MAX.to_string(), "10000000000.00");
        assert_eq!(
            serde_json::to_string(&m(1_250_050)).unwrap(),
            "\"12500.50\""
        );
    }

    #[test]
    fn arithmetic_stays_in_range() {
        let m = |c| Money::from_cents(c).unwrap();
        assert_eq!(Money::from_cents(-1), None);
        assert_eq!(Money::from_cents(Money::MAX.cents() + 1), None);
        assert_eq!(m(500).checked_sub(m(200)), Some(m(300)));
        assert_eq!(m(500).checked_sub(m(500)), Some(Money::zero()));
        assert_eq!(m(200).checked_sub(m(500)), None);
        assert_eq!(m(200).checked_add(m(300)), Some(m(500)));
        assert_eq!(Money::MAX.checked_add(m(1)), None);
        assert_eq!(Money::MAX.checked_add(Money::zero()), Some(Money::MAX));
        assert!(m(1) < m(2));
    }

    /// Groups the integer part by thousands with `sep`, as a French user would.
    fn grouped(m: Money, sep: char) -> String {
        let plain = m.to_string();
        let (int, frac) = plain.split_once('.').unwrap();
        let mut out = String::new();
        for (i, d) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(sep);
            }
            out.push(d);
        }
        format!("{out},{frac}")
    }

    proptest! {
        #[test]
        fn display_round_trips(c in 0..=Money::MAX.cents()) {
            let m = Money::from_cents(c).unwrap();
            prop_assert_eq!(Money::parse("amount", &m.to_string()).unwrap(), m);
        }

        #[test]
        fn french_forms_round_trip(c in 0..=Money::MAX.cents()) {
            let m = Money::from_cents(c).unwrap();
            let comma = m.to_string().replace('.', ",");
            prop_assert_eq!(Money::parse("amount", &comma).unwrap(), m);
            for sep in [' ', '\u{00A0}', '\u{202F}'] {
                let text = grouped(m, sep);
                prop_assert_eq!(Money::parse("amount", &text).unwrap(), m, "{}", text);
            }
        }
    }
}
