//! Phone numbers, stored as the user wrote them.
//!
//! We do not normalise to E.164: without a default country we cannot tell
//! `01 23 45 67 89` (France) from a foreign number, and sales staff want to
//! see the number as the client gave it. We only check that it looks like a
//! phone number a human can dial.

use std::fmt;

use crate::error::{Error, Result};

/// Fewest digits accepted (short national numbers).
pub const MIN_DIGITS: usize = 6;
/// Most digits accepted: the E.164 maximum.
pub const MAX_DIGITS: usize = 15;
/// Longest written form accepted, separators included.
pub const MAX_LEN: usize = 32;

/// A plausible phone number: trimmed, inner runs of spaces collapsed to one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

/// What the previous character was, for the little grammar below.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    Start,
    Plus,
    Digit,
    Sep,
    Open,
    Close,
}

impl Phone {
    /// Parses `s`: an optional leading `+`, then groups of digits separated
    /// by single separators (space, `-` or `.`), where a group may be wrapped
    /// in parentheses (`(555) 123-4567`, `+44 (0)20 7946 0958`). It must hold
    /// 6..=15 digits and, once trimmed with space runs collapsed, be at most
    /// 32 characters. Errors name `field`.
    pub fn parse(field: &'static str, s: &str) -> Result<Phone> {
        let bad = |reason: String| Error::invalid(field, reason);
        // Collapse runs of spaces first so `+33  6 12` is not refused for a
        // double separator nobody can see.
        let mut written = String::with_capacity(s.len());
        for c in s.trim().chars() {
            if !(c == ' ' && written.ends_with(' ')) {
                written.push(c);
            }
        }
        if written.is_empty() {
            return Err(bad("must not be empty".into()));
        }
        let digits = check_grammar(&written).map_err(bad)?;
        if digits < MIN_DIGITS {
            return Err(bad(format!("too few digits (min {MIN_DIGITS})")));
        }
        if digits > MAX_DIGITS {
            return Err(bad(format!("too many digits (max {MAX_DIGITS})")));
        }
        if written.chars().count() > MAX_LEN {
            return Err(bad(format!("too long (max {MAX_LEN} characters)")));
        }
        Ok(Phone(written))
    }

    /// The number as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Phone {
    /// The number as written (trimmed, space runs collapsed).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks the shape of `s` and returns its number of digits.
fn check_grammar(s: &str) -> std::result::Result<usize, String> {
    let mut prev = Prev::Start;
    let mut in_group = false;
    let mut digits = 0;
    for c in s.chars() {
        prev = match c {
            '0'..='9' => {
                digits += 1;
                Prev::Digit
            }
            '+' if prev == Prev::Start => Prev::Plus,
            '+' => return Err("'+' is only allowed at the start".into()),
            ' ' | '-' | '.' if in_group => {
                return Err("only digits are allowed inside parentheses".into());
            }
            ' ' | '-' | '.' if matches!(prev, Prev::Digit | Prev::Close) => Prev::Sep,
            ' ' | '-' | '.' => {
                return Err("separators must be single and between digits".into());
            }
            '(' if in_group => return Err("parentheses must not be nested".into()),
            '(' if matches!(prev, Prev::Start | Prev::Plus | Prev::Sep) => {
                in_group = true;
                Prev::Open
            }
            '(' => return Err("'(' must start a group of digits".into()),
            ')' if in_group && prev == Prev::Digit => {
                in_group = false;
                Prev::Close
            }
            ')' => return Err("unbalanced or empty parentheses".into()),
            c if c.is_control() => return Err("contains a control character".into()),
            c => {
                return Err(format!(
                    "invalid character {c:?} (digits, spaces, '-', '.', parentheses and a leading '+' only)"
                ));
            }
        };
    }
    if in_group {
        return Err("unbalanced or empty parentheses".into());
    }
    if !matches!(prev, Prev::Digit | Prev::Close) {
        return Err("must end with a digit".into());
    }
    Ok(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_numbers_as_written() {
        let cases = [
            ("+678 123 456 78", "+678 123 456 78"),
            ("+1 234 567 8901", "+1 234 567 8901"),
            ("01 23 45 67 89", "01 23 45 67 89"),
            ("(555) 123-4567", "(555) 123-4567"),
            ("(555)123-4567", "(555)123-4567"),
            ("+44 (0)20 7946 0958", "+44 (0)20 7946 0958"),
            ("+33 6.12.34.56.78", "+33 6.12.34.56.78"),
            ("  +33   6 12  34 56 78 ", "+33 6 12 34 56 78"),
            ("123456", "123456"),
            ("123456789012345", "123456789012345"),
            ("+(33) 612345678", "+(33) 612345678"),
        ];
        for (input, expected) in cases {
            let phone = Phone::parse("phone", input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(phone.as_str(), expected);
            assert_eq!(phone.to_string(), expected);
        }
    }

    #[test]
    fn refuses_invalid_numbers_naming_the_field() {
        let cases = [
            ("", "must not be empty"),
            ("  ", "must not be empty"),
            ("++1 234 567", "'+' is only allowed at the start"),
            ("12+345678", "'+' is only allowed at the start"),
            ("1--2345678", "separators must be single"),
            ("1 - 2345678", "separators must be single"),
            ("-12345678", "separators must be single"),
            ("+ 33 612345678", "separators must be single"),
            ("12345678-", "must end with a digit"),
            ("06 12 AB 56", "invalid character 'A'"),
            ("call me", "invalid character 'c'"),
            ("0612345678 ext 2", "invalid character 'e'"),
            ("06\t12345678", "control character"),
            (
                "(555 123) 4567",
                "only digits are allowed inside parentheses",
            ),
            ("((555)) 1234567", "nested"),
            ("555) 1234567", "unbalanced or empty parentheses"),
            ("() 1234567", "unbalanced or empty parentheses"),
            ("(555 1234567", "only digits"),
            ("1234567 (89", "unbalanced"),
            ("12(34)5678", "'(' must start a group"),
            ("12345", "too few digits (min 6)"),
            ("1234567890123456", "too many digits (max 15)"),
            ("1-2-3-4-5-6-7-8-9-0-1-2-3-4-5-6", "too many digits"),
            (
                "(1) (2) (3) (4) (5) (6) (7) (8) (9)",
                "too long (max 32 characters)",
            ),
            ("'; DROP TABLE clients; --", "invalid character"),
        ];
        for (input, reason) in cases {
            let err = Phone::parse("--phone", input).expect_err(input).to_string();
            assert!(err.starts_with("--phone: "), "{input:?}: {err}");
            assert!(err.contains(reason), "{input:?}: {err}");
        }
    }
}
