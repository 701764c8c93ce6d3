//! Free text (names, companies, locations, notes) and employee numbers.
//!
//! Any printable Unicode is welcome (`Candé-sur-Beuvron`, quotes, even SQL,
//! emoji with their joiners): the store binds parameters, so nothing here
//! needs escaping. What we refuse is what would corrupt a terminal or a
//! table, or make two names that look identical differ: every character
//! [`visible::is_hidden`] finds (controls, bidi marks and overrides,
//! zero-width and other default-ignorable characters, private use,
//! unassigned code points), decided from Unicode properties. Text is stored
//! in Unicode normalization form C, so `é` typed as `e` + U+0301 and as
//! U+00E9 is one name.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::visible;
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

/// Non-empty, trimmed, NFC text with no control or invisible character
/// (except `\n` and `\t` when parsed as multi-line).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// Parses single-line text: trimmed, NFC-normalised, non-empty, at most
    /// `max_chars` Unicode scalar values, refusing every hidden character
    /// (see [`visible`]; NUL and newlines included). Errors name `field`
    /// and the code point.
    pub fn parse(field: &'static str, s: &str, max_chars: usize) -> Result<Text> {
        let s: String = s.trim().nfc().collect();
        check(field, &s, max_chars, false).map(|()| Text(s))
    }

    /// Like [`Text::parse`] but also allows `\n` and `\t`, for notes.
    /// Windows line endings (`\r\n`) are normalised to `\n` first, so notes
    /// pasted from another system are not refused for an invisible `\r`.
    pub fn parse_multiline(field: &'static str, s: &str, max_chars: usize) -> Result<Text> {
        let s: String = s.replace("\r\n", "\n").trim().nfc().collect();
        check(field, &s, max_chars, true).map(|()| Text(s))
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

/// Checks already-trimmed, normalised text.
fn check(field: &'static str, s: &str, max_chars: usize, multiline: bool) -> Result<()> {
    if s.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    let allowed = |c: char| multiline && (c == '\n' || c == '\t');
    if let Some(c) = s.split(allowed).find_map(visible::first_hidden) {
        let kind = if c.is_control() {
            "control"
        } else {
            "invisible"
        };
        return Err(Error::invalid(
            field,
            format!("{kind} character U+{:04X} is not allowed", c as u32),
        ));
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
            ("東京都 渋谷区", "東京都 渋谷区"),
            ("👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 1️⃣", "👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ❤️ 1️⃣"),
            // Stored NFC: `e` + U+0301 becomes U+00E9.
            ("Cande\u{301}", "Cand\u{E9}"),
            ("\u{212B}ngstr\u{F6}m", "\u{C5}ngstr\u{F6}m"),
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
            ("a\0b", "control character U+0000 is not allowed"),
            ("a\nb", "control character U+000A is not allowed"),
            ("a\tb", "control character U+0009 is not allowed"),
            ("a\rb", "control character U+000D is not allowed"),
            ("a\u{1b}[31mred", "control character U+001B is not allowed"),
            ("a\u{7f}b", "control character U+007F is not allowed"),
            ("a\u{85}b", "control character U+0085 is not allowed"),
            (
                "evil\u{202E}gnp.exe",
                "invisible character U+202E is not allowed",
            ),
            ("a\u{202A}b", "invisible character U+202A"),
            ("a\u{2066}b", "invisible character U+2066"),
            ("a\u{2069}b", "invisible character U+2069"),
            ("Kev\u{200B}in", "invisible character U+200B"),
            ("Kev\u{200D}in", "invisible character U+200D"),
            ("a\u{2060}b", "invisible character U+2060"),
            ("\u{FEFF}Kevin", "invisible character U+FEFF"),
            // Issue 12, item 7: accepted before the Unicode property test.
            ("Ke\u{00AD}vin", "invisible character U+00AD"),
            ("Ke\u{200E}vin", "invisible character U+200E"),
            ("Ke\u{200F}vin", "invisible character U+200F"),
            ("Ke\u{061C}vin", "invisible character U+061C"),
            ("Ke\u{180E}vin", "invisible character U+180E"),
            ("Ke\u{2061}vin", "invisible character U+2061"),
            ("Ke\u{3164}vin", "invisible character U+3164"),
            ("Ke\u{115F}vin", "invisible character U+115F"),
            ("Ke\u{1160}vin", "invisible character U+1160"),
            ("Ke\u{FFA0}vin", "invisible character U+FFA0"),
            ("Ke\u{2800}vin", "invisible character U+2800"),
            ("Ke\u{E0041}vin", "invisible character U+E0041"),
            ("Ke\u{034F}vin", "invisible character U+034F"),
            ("Ke\u{E000}vin", "invisible character U+E000"),
            ("Ke\u{0378}vin", "invisible character U+0378"),
            ("Ke\u{2028}vin", "invisible character U+2028"),
            ("Ke\u{FE0F}vin", "invisible character U+FE0F"),
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
        let multi = Text::parse_multiline("--notes", "cafe\u{301}\n\t👩‍💻", NOTES_MAX).unwrap();
        assert_eq!(multi.as_str(), "caf\u{E9}\n\t👩‍💻");
        let text = Text::parse_multiline("--notes", notes, NOTES_MAX).unwrap();
        assert_eq!(
            text.as_str(),
            "Wedding starts at 3PM, by the river.\n\tCatering is organized."
        );
        let cases = [
            ("a\0b", "control character U+0000"),
            ("a\rb", "control character U+000D"),
            ("a\u{1b}b", "control character U+001B"),
            ("a\u{202E}b", "invisible character U+202E"),
            ("a\n\u{200E}b", "invisible character U+200E"),
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
