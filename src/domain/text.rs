//! Free text (names, companies, locations, notes) and employee numbers.
//!
//! Any printable Unicode is welcome (`Candé-sur-Beuvron`, quotes, even SQL):
//! the store binds parameters, so nothing here needs escaping. What we refuse
//! is what would corrupt a terminal or a table, or make two names that look
//! identical differ: control characters, bidi overrides and zero-width
//! characters.

use std::fmt;

use crate::error::{Error, Result};

/// Most characters in a person's full name or an event name.
pub const NAME_MAX: usize = 200;
/// Most characters in a company name.
pub const COMPANY_MAX: usize = 200;
/// Most characters in an event location.
pub const LOCATION_MAX: usize = 500;
/// Most characters in event notes.
pub const NOTES_MAX: usize = 5000;
/// Most characters in an employee number.
pub const EMPLOYEE_NUMBER_MAX: usize = 32;

/// Non-empty, trimmed text with no control, invisible or direction-override
/// character (except `\n` and `\t` when parsed as multi-line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(String);

/// True for characters that are invisible or reorder text: bidi embeddings
/// and overrides (U+202A–U+202E), isolates (U+2066–U+2069), zero-width
/// space/joiners (U+200B–U+200D), word joiner (U+2060) and the BOM (U+FEFF).
/// They allow "Trojan Source"-style spoofing of names in tables.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

impl Text {
    /// Parses single-line text: trimmed, non-empty, at most `max_chars`
    /// Unicode scalar values, refusing every control character (category
    /// Cc, NUL and newlines included), bidi overrides and isolates, and
    /// zero-width characters. Errors name `field`.
    pub fn parse(field: &'static str, s: &str, max_chars: usize) -> Result<Text> {
        check(field, s.trim(), max_chars, false).map(|()| Text(s.trim().to_owned()))
    }

    /// Like [`Text::parse`] but also allows `\n` and `\t`, for notes.
    /// Windows line endings (`\r\n`) are normalised to `\n` first, so notes
    /// pasted from another system are not refused for an invisible `\r`.
    pub fn parse_multiline(field: &'static str, s: &str, max_chars: usize) -> Result<Text> {
        let s = s.replace("\r\n", "\n");
        let s = s.trim();
        check(field, s, max_chars, true).map(|()| Text(s.to_owned()))
    }

    /// The text as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Checks already-trimmed text.
fn check(field: &'static str, s: &str, max_chars: usize, multiline: bool) -> Result<()> {
    if s.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    for c in s.chars() {
        if c.is_control() && !(multiline && (c == '\n' || c == '\t')) {
            return Err(Error::invalid(field, "contains a control character"));
        }
        if is_invisible(c) {
            return Err(Error::invalid(
                field,
                "contains an invisible or direction-override character",
            ));
        }
    }
    if s.chars().count() > max_chars {
        return Err(Error::invalid(
            field,
            format!("too long (max {max_chars} characters)"),
        ));
    }
    Ok(())
}

impl fmt::Display for Text {
    /// The text as stored.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An employee number: 1..=32 ASCII letters, digits, `-` or `_` (e.g. `E-0001`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmployeeNumber(String);

impl EmployeeNumber {
    /// Parses an employee number after trimming surrounding whitespace.
    /// Errors name `field`.
    pub fn parse(field: &'static str, s: &str) -> Result<EmployeeNumber> {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::invalid(field, "must not be empty"));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(Error::invalid(
                field,
                "only letters, digits, '-' and '_' are allowed",
            ));
        }
        if s.len() > EMPLOYEE_NUMBER_MAX {
            return Err(Error::invalid(
                field,
                format!("too long (max {EMPLOYEE_NUMBER_MAX} characters)"),
            ));
        }
        Ok(EmployeeNumber(s.to_owned()))
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

impl fmt::Display for EmployeeNumber {
    /// The number as stored.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_printable_unicode_trimmed() {
        let cases = [
            ("Candé-sur-Beuvron", "Candé-sur-Beuvron"),
            (
                "  53 Rue du Château, 41120 Candé-sur-Beuvron, France ",
                "53 Rue du Château, 41120 Candé-sur-Beuvron, France",
            ),
            ("'; DROP TABLE clients; --", "'; DROP TABLE clients; --"),
            ("\"Cool\" Startup", "\"Cool\" Startup"),
            ("Zoë 李 مريم 😀", "Zoë 李 مريم 😀"),
            ("a\u{00A0}b", "a\u{00A0}b"),
        ];
        for (input, expected) in cases {
            let text =
                Text::parse("--name", input, NAME_MAX).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(text.as_str(), expected);
            assert_eq!(text.to_string(), expected);
        }
        // The limit counts characters, not bytes.
        assert!(Text::parse("n", &"é".repeat(NAME_MAX), NAME_MAX).is_ok());
    }

    #[test]
    fn refuses_bad_text_naming_the_field() {
        let too_long = "x".repeat(NAME_MAX + 1);
        let cases: Vec<(&str, &str)> = vec![
            ("", "must not be empty"),
            (" \t\n ", "must not be empty"),
            (&too_long, "too long (max 200 characters)"),
            ("a\0b", "contains a control character"),
            ("a\nb", "contains a control character"),
            ("a\tb", "contains a control character"),
            ("a\rb", "contains a control character"),
            ("a\u{1b}[31mred", "contains a control character"),
            ("a\u{7f}b", "contains a control character"),
            ("a\u{85}b", "contains a control character"),
            ("evil\u{202E}gnp.exe", "invisible or direction-override"),
            ("a\u{202A}b", "invisible or direction-override"),
            ("a\u{2066}b", "invisible or direction-override"),
            ("a\u{2069}b", "invisible or direction-override"),
            ("Kev\u{200B}in", "invisible or direction-override"),
            ("Kev\u{200D}in", "invisible or direction-override"),
            ("a\u{2060}b", "invisible or direction-override"),
            ("\u{FEFF}Kevin", "invisible or direction-override"),
        ];
        for (input, reason) in cases {
            let err = Text::parse("--company", input, NAME_MAX)
                .expect_err(input)
                .to_string();
            assert!(err.starts_with("--company: "), "{input:?}: {err}");
            assert!(err.contains(reason), "{input:?}: {err}");
            assert!(!err.contains('\n'), "{input:?}: {err}");
        }
    }

    #[test]
    fn multiline_allows_newlines_and_tabs_only() {
        let notes = "Wedding starts at 3PM, by the river.\r\n\tCatering is organized.\n";
        let text = Text::parse_multiline("--notes", notes, NOTES_MAX).unwrap();
        assert_eq!(
            text.as_str(),
            "Wedding starts at 3PM, by the river.\n\tCatering is organized."
        );
        let cases = [
            ("a\0b", "control character"),
            ("a\rb", "control character"),
            ("a\u{1b}b", "control character"),
            ("a\u{202E}b", "invisible"),
            ("\n\n", "must not be empty"),
            ("abc", "too long (max 2 characters)"),
        ];
        for (input, reason) in cases {
            let err = Text::parse_multiline("--notes", input, 2)
                .expect_err(input)
                .to_string();
            assert!(
                err.starts_with("--notes: ") && err.contains(reason),
                "{input:?}: {err}"
            );
        }
    }

    #[test]
    fn employee_numbers() {
        for input in ["E-0001", "  abc_123 ", "7", &"A".repeat(32)] {
            let n = EmployeeNumber::parse("--employee-number", input).unwrap();
            assert_eq!(n.as_str(), input.trim());
            assert_eq!(n.to_string(), input.trim());
        }
        let too_long = "A".repeat(33);
        let cases = [
            ("", "must not be empty"),
            ("E 0001", "only letters, digits"),
            ("É-1", "only letters, digits"),
            ("E/1", "only letters, digits"),
            ("E-1;--", "only letters, digits"),
            (too_long.as_str(), "too long (max 32 characters)"),
        ];
        for (input, reason) in cases {
            let err = EmployeeNumber::parse("--employee-number", input)
                .expect_err(input)
                .to_string();
            assert!(
                err.starts_with("--employee-number: ") && err.contains(reason),
                "{input:?}: {err}"
            );
        }
    }
}
