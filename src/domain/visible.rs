//! Which characters a terminal would not show as themselves, decided from
//! Unicode properties, and the visible escape they are shown as.
//!
//! One test, [`is_hidden`], serves both ends: [`Text`](super::Text) refuses
//! such characters on input, and every display (tables, CSV, JSON, error
//! lines, the prompt, completions and hints) escapes them, so a value
//! written into the database by other means (`sqlite3`) still cannot drive
//! the terminal or hide itself.
//!
//! Hidden are the general categories Cc (controls), Cf (format: bidi
//! marks and overrides, soft hyphen, tags...), Co (private use), Cs
//! (surrogates) and Cn (unassigned), Zl/Zp (line and paragraph separators),
//! every `Default_Ignorable_Code_Point` (variation selectors, the combining
//! grapheme joiner, hangul fillers...), and U+2800 BRAILLE PATTERN BLANK,
//! which renders as a blank but is a symbol (So).
//!
//! Two exceptions keep emoji whole: U+200D ZERO WIDTH JOINER between two
//! emoji (`👩‍💻`, `🏳️‍🌈`), and the variation selectors U+FE0E/U+FE0F
//! right after an emoji (`❤️`, `1️⃣`). Anywhere else they are hidden too.
//!
//! The escape is the one `ls` and `git` users know: `\t`, `\n`, `\r`, `\e`
//! for the usual controls, `\xHH` for other ASCII controls, `\u{HHHH}` for
//! the rest. A backslash is left as it is, so ordinary text never changes.

use std::borrow::Cow;
use std::fmt::Write as _;

use icu_properties::props::{
    DefaultIgnorableCodePoint, Emoji, EmojiModifier, ExtendedPictographic, GeneralCategory,
    GeneralCategoryGroup,
};
use icu_properties::{CodePointMapData, CodePointSetData};

/// U+200D ZERO WIDTH JOINER.
const ZWJ: char = '\u{200D}';
/// U+FE0F VARIATION SELECTOR-16 (emoji presentation).
const VS16: char = '\u{FE0F}';
/// U+FE0E VARIATION SELECTOR-15 (text presentation).
const VS15: char = '\u{FE0E}';

/// Characters that render as blanks though no property says so.
const BLANKS: &[char] = &['\u{2800}'];

/// Cc, Cf, Co, Cs, Cn, Zl and Zp.
const HIDDEN_CATEGORIES: GeneralCategoryGroup = GeneralCategoryGroup::Other
    .union(GeneralCategoryGroup::LineSeparator)
    .union(GeneralCategoryGroup::ParagraphSeparator);

/// True when `c` is hidden on its own: see the module documentation.
fn hidden_alone(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    HIDDEN_CATEGORIES.contains(CodePointMapData::<GeneralCategory>::new().get(c))
        || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || BLANKS.contains(&c)
}

/// True when `c`, between `prev` and `next`, does not show as itself.
pub fn is_hidden(prev: Option<char>, c: char, next: Option<char>) -> bool {
    if !hidden_alone(c) {
        return false;
    }
    let pictographic = |c: char| CodePointSetData::new::<ExtendedPictographic>().contains(c);
    match c {
        ZWJ => {
            let after_emoji = prev.is_some_and(|p| {
                p == VS16 || pictographic(p) || CodePointSetData::new::<EmojiModifier>().contains(p)
            });
            !(after_emoji && next.is_some_and(pictographic))
        }
        VS15 | VS16 => !prev.is_some_and(|p| CodePointSetData::new::<Emoji>().contains(p)),
        _ => true,
    }
}

/// Every hidden character of `s`, with its byte offset, in order.
fn hidden_chars(s: &str) -> impl Iterator<Item = (usize, char)> + '_ {
    let mut prev = None;
    let mut chars = s.char_indices().peekable();
    std::iter::from_fn(move || {
        loop {
            let (i, c) = chars.next()?;
            let next = chars.peek().map(|&(_, n)| n);
            let hidden = is_hidden(prev, c, next);
            prev = Some(c);
            if hidden {
                return Some((i, c));
            }
        }
    })
}

/// The first hidden character of `s`, if any.
pub fn first_hidden(s: &str) -> Option<char> {
    hidden_chars(s).map(|(_, c)| c).next()
}

/// `s` with every hidden character escaped (newlines and tabs included).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_keeping(s, &[])
}

/// `s` with every hidden character escaped except those in `keep` (such as
/// `'\n'` for text shown on several lines).
pub fn escape_keeping<'a>(s: &'a str, keep: &[char]) -> Cow<'a, str> {
    replace(s, |c, out| {
        if keep.contains(&c) {
            out.push(c);
            return;
        }
        let _ = match c {
            '\t' => write!(out, "\\t"),
            '\n' => write!(out, "\\n"),
            '\r' => write!(out, "\\r"),
            '\x1b' => write!(out, "\\e"),
            c if c.is_ascii() => write!(out, "\\x{:02X}", c as u32),
            c => write!(out, "\\u{{{:04X}}}", c as u32),
        };
    })
}

/// JSON text (as `serde_json` writes it) with every hidden character left
/// raw by the serializer written as a `\uXXXX` escape instead: the same
/// JSON value, but nothing invisible on the terminal. The C0 controls are
/// already escaped by `serde_json` (DEL is not, and is escaped here), and
/// outside strings JSON is plain printable ASCII, so only characters inside
/// strings change.
pub fn escape_json(json: &str) -> Cow<'_, str> {
    replace(json, |c, out| {
        // serde_json escapes the C0 controls inside strings, but writes DEL
        // raw; the newlines and indentation of pretty JSON stay as they are.
        if c == '\x7f' {
            out.push_str("\\u007f");
            return;
        }
        if c.is_ascii() {
            out.push(c);
            return;
        }
        let mut units = [0u16; 2];
        for unit in c.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{unit:04x}");
        }
    })
}

/// `s` with each hidden character replaced by what `with` writes.
fn replace<'a>(s: &'a str, mut with: impl FnMut(char, &mut String)) -> Cow<'a, str> {
    let mut hidden = hidden_chars(s).peekable();
    if hidden.peek().is_none() {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut done = 0;
    for (i, c) in hidden {
        out.push_str(&s[done..i]);
        with(c, &mut out);
        done = i + c.len_utf8();
    }
    out.push_str(&s[done..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The characters of issue 12, item 7, and the usual suspects.
    const HIDDEN: &[char] = &[
        '\0',
        '\x07',
        '\x1b',
        '\x7f',
        '\u{85}',
        '\u{AD}',
        '\u{034F}',
        '\u{061C}',
        '\u{115F}',
        '\u{1160}',
        '\u{180E}',
        '\u{200B}',
        '\u{200C}',
        '\u{200E}',
        '\u{200F}',
        '\u{2028}',
        '\u{2029}',
        '\u{202A}',
        '\u{202E}',
        '\u{2060}',
        '\u{2061}',
        '\u{2066}',
        '\u{2069}',
        '\u{2800}',
        '\u{3164}',
        '\u{E000}',
        '\u{FE00}',
        '\u{FEFF}',
        '\u{FFA0}',
        '\u{E0041}',
        '\u{E0100}',
        '\u{F0000}',
        '\u{10FFFF}',
        '\u{0378}',
    ];

    #[test]
    fn hidden_characters_come_from_unicode_properties() {
        for &c in HIDDEN {
            assert!(is_hidden(Some('a'), c, Some('b')), "U+{:04X}", c as u32);
            assert_eq!(first_hidden(&format!("Kev{c}in")), Some(c));
        }
        // Hangul fillers are Default_Ignorable (not a hand list).
        for c in ['\u{115F}', '\u{1160}', '\u{3164}', '\u{FFA0}'] {
            assert!(CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c));
        }
    }

    #[test]
    fn legitimate_text_is_visible() {
        for s in [
            "Kevin Casey",
            "Candé-sur-Beuvron",
            "Zoë 李 مريم 😀",
            "a\u{00A0}b",
            "e\u{0301}",
            "東京都 渋谷区",
            "한국어",
            "👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 🏳️‍⚧️ ❤️‍🔥 👩🏽‍💻 ❤️ 1️⃣ ☺︎",
            "back\\slash",
        ] {
            assert_eq!(first_hidden(s), None, "{s:?}");
            assert!(matches!(escape(s), Cow::Borrowed(_)), "{s:?}");
        }
    }

    #[test]
    fn joiners_and_selectors_outside_emoji_are_hidden() {
        for s in [
            "Kev\u{200D}in",
            "a\u{200D}😀",
            "😀\u{200D}a",
            "😀\u{200D}",
            "\u{200D}😀",
            "a\u{FE0F}",
            "\u{FE0F}",
            "李\u{FE0E}",
        ] {
            assert!(first_hidden(s).is_some(), "{s:?}");
        }
    }

    #[test]
    fn escapes_are_visible_and_consistent() {
        assert_eq!(escape("x\x1b[2J\x07\t\n\r\0"), "x\\e[2J\\x07\\t\\n\\r\\x00");
        assert_eq!(escape("\u{7f}\u{85}"), "\\x7F\\u{0085}");
        assert_eq!(escape("evil\u{202E}gnp.exe"), "evil\\u{202E}gnp.exe");
        assert_eq!(escape("a\u{E0041}b"), "a\\u{E0041}b");
        assert_eq!(escape("Kev\u{200D}in 👩‍💻"), "Kev\\u{200D}in 👩‍💻");
        assert_eq!(escape_keeping("a\nb\tc\x1b", &['\n']), "a\nb\\tc\\e");
        // Escaping twice changes nothing more.
        let once = escape("a\u{200E}\x1b");
        assert_eq!(escape(&once), once);
    }

    #[test]
    fn json_escapes_round_trip() {
        let value = serde_json::json!({"name": "a\u{200E}b\u{E0041}\u{1b}\u{7f}😀 👩‍💻"});
        let json = serde_json::to_string(&value).unwrap();
        let escaped = escape_json(&json);
        assert_eq!(
            escaped,
            r#"{"name":"a\u200eb\udb40\udc41\u001b\u007f😀 👩‍💻"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, value);
        // Pretty JSON keeps its layout.
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(escape_json(&pretty).lines().count(), 3);
    }
}
