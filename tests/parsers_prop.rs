//! Property tests (fuzzing in the default test run) of the line parser and
//! every domain parser: never a panic, always `Ok` or `Err`, and round trips
//! where a value has a canonical text.
//!
//! 256 cases per property by default; `PROPTEST_CASES=100000` runs longer.
//! The `fuzz/` directory holds the matching `cargo fuzz` targets.

use chrono::{NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use epic::commands::{ParsedLine, parse_line};
use epic::domain::when::parse_when;
use epic::domain::{Email, Money, Phone, Text};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(256),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Words the command tree knows, quoting and escaping characters, and
/// hostile ones (NUL, controls, bidi override, zero-width, huge numbers).
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("client".to_string()),
        Just("contract".to_string()),
        Just("event".to_string()),
        Just("collaborator".to_string()),
        Just("add".to_string()),
        Just("list".to_string()),
        Just("pay".to_string()),
        Just("update".to_string()),
        Just("help".to_string()),
        Just("login".to_string()),
        Just("backup".to_string()),
        Just("--name".to_string()),
        Just("--email".to_string()),
        Just("--total".to_string()),
        Just("--due".to_string()),
        Just("--start".to_string()),
        Just("--format".to_string()),
        Just("--sort".to_string()),
        Just("--limit".to_string()),
        Just("--help".to_string()),
        Just("-h".to_string()),
        Just("--".to_string()),
        Just("json".to_string()),
        Just("-1".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("\\".to_string()),
        Just("#".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{202E}".to_string()),
        Just("\u{200B}".to_string()),
        Just("'; DROP TABLE clients; --".to_string()),
        "[a-z0-9@.,' \"\\\\-]{0,12}",
        "\\PC{0,8}",
        any::<String>(),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\\x00-\\x1f\\x7f ]{0,40}",
        prop::collection::vec(word(), 0..10).prop_map(|w| w.join(" ")),
        // Huge tokens: a 20-200 KB value in an otherwise valid line.
        (20_000usize..200_000)
            .prop_map(|n| format!("client add --name {} --email a@b.c", "x".repeat(n))),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn parse_line_never_panics(s in line()) {
        match parse_line(&s) {
            Ok(ParsedLine::Command(_) | ParsedLine::Help(_) | ParsedLine::Empty) | Err(_) => {}
        }
    }

    #[test]
    fn parse_line_of_quoted_words_round_trips(words in prop::collection::vec("[a-zA-Z0-9@._' \"-]{1,10}", 1..6)) {
        // Quoting then parsing gives back the same words, whatever they hold.
        let quoted = shlex::try_join(words.iter().map(String::as_str)).unwrap();
        prop_assert_eq!(shlex::split(&quoted), Some(words.clone()));
        let _ = parse_line(&quoted);
    }

    #[test]
    fn money_parse_never_panics(s in prop_oneof![any::<String>(), "[0-9 ,.\\-+e€]{0,30}"]) {
        if let Ok(m) = Money::parse("amount", &s) {
            prop_assert!((0..=Money::MAX.cents()).contains(&m.cents()));
        }
    }

    #[test]
    fn money_round_trips(cents in 0..=Money::MAX.cents()) {
        let m = Money::from_cents(cents).unwrap();
        prop_assert_eq!(Money::parse("amount", &m.to_string()).unwrap(), m);
        // The French way too: "12 500,50".
        let euros = (cents / 100).to_string();
        let mut grouped = String::new();
        for (i, c) in euros.chars().enumerate() {
            if i > 0 && (euros.len() - i) % 3 == 0 {
                grouped.push(' ');
            }
            grouped.push(c);
        }
        let french = format!("{grouped},{:02}", cents % 100);
        prop_assert_eq!(Money::parse("amount", &french).unwrap(), m, "{}", french);
    }

    #[test]
    fn email_parse_never_panics_and_is_idempotent(
        s in prop_oneof![any::<String>(), "[a-zA-Z0-9._%+\\-]{0,70}@[a-zA-Z0-9.\\-]{0,70}"]
    ) {
        if let Ok(e) = Email::parse("email", &s) {
            prop_assert_eq!(Email::parse("email", e.as_str()).unwrap(), e);
        }
    }

    #[test]
    fn phone_parse_never_panics_and_is_idempotent(
        s in prop_oneof![any::<String>(), "[+0-9 ().\\-]{0,40}"]
    ) {
        if let Ok(p) = Phone::parse("phone", &s) {
            prop_assert_eq!(Phone::parse("phone", p.as_str()).unwrap(), p);
        }
    }

    #[test]
    fn when_parse_never_panics(s in prop_oneof![any::<String>(), "[0-9T:Z+ \\-]{0,30}"]) {
        let _ = parse_when("start", &s);
    }

    #[test]
    fn when_round_trips_rfc3339(
        y in 1900i32..=9999, mo in 1u32..=12, d in 1u32..=28,
        h in 0u32..24, mi in 0u32..60, sec in 0u32..60
    ) {
        let t = Utc.from_utc_datetime(
            &NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, sec).unwrap(),
        );
        let text = t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
        prop_assert_eq!(parse_when("start", &text).unwrap(), t);
    }

    #[test]
    fn text_parse_never_panics_and_is_clean(s in any::<String>(), max in 0usize..300) {
        if let Ok(t) = Text::parse("name", &s, max) {
            prop_assert!(t.as_str().chars().count() <= max);
            prop_assert!(!t.as_str().chars().any(char::is_control));
            prop_assert_eq!(Text::parse("name", t.as_str(), max).unwrap(), t.clone());
        }
        if let Ok(t) = Text::parse_multiline("notes", &s, max) {
            prop_assert!(t.as_str().chars().count() <= max);
        }
    }
}
