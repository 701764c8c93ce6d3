//! Scrubbing of free text before it leaves the process.
//!
//! `send_default_pii = false` only stops the SDK from *adding* personal data;
//! it does nothing about a password that an error message echoes (measured:
//! 4 of 4 such events carried it). So every string of every event and
//! breadcrumb goes through [`scrub`] in `before_send` / `before_breadcrumb`.
//! The patterns err on the side of redacting too much: a lost word in a crash
//! report costs little, a leaked password costs a lot.

use std::sync::LazyLock;

use regex::{Captures, Regex};
use sentry::protocol::{Breadcrumb, DebugImage, Event, Map, Stacktrace, Value};

/// What a removed secret is replaced with.
const REDACTED: &str = "[redacted]";

/// A pattern and what to put in place of each match.
struct Rule {
    re: Regex,
    with: &'static str,
}

fn rule(pattern: &str, with: &'static str) -> Rule {
    Rule {
        re: Regex::new(pattern).expect("scrub patterns are valid"),
        with,
    }
}

/// Ordered: the specific shapes (JWT, PHC hash, bearer) go before the generic
/// `key=value` rule so their markers are not half-eaten by it.
static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    vec![
        // JWT: three base64url segments, the first always starts with `eyJ` (`{"`).
        rule(
            r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*",
            REDACTED,
        ),
        // argon2 PHC string: `$argon2id$v=19$m=...,t=...,p=...$salt$hash`.
        rule(r"\$argon2[a-z0-9]*\$[^\s'\x22]*", REDACTED),
        rule(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+", "$1 [redacted]"),
        // `--password hunter2`, `--token=abc`: the flag form, space or `=`.
        rule(
            r#"(?i)(--?[a-z_-]*(?:password|passwd|secret|token|api[_-]?key))(?:=|\s+)("[^"]*"|'[^']*'|\S+)"#,
            "$1 [redacted]",
        ),
        // `password=x`, `new_password: x`, `"token":"x"`: key, separator, value.
        rule(
            r#"(?i)(\b[a-z_-]*(?:password|passwd|secret|token|api[_-]?key)[a-z_]*"?\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s,;&}]+)"#,
            "${1}[redacted]",
        ),
        rule(
            r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}",
            "[email]",
        ),
    ]
});

/// Candidates for long opaque secrets (hex, base64url, base64 without `/`).
/// `/` is left out so that file paths in stack frames are judged segment by
/// segment rather than redacted whole; the secrets `epic` handles (JWTs,
/// argon2 hashes) have their own rules above. Whether a candidate is
/// redacted is decided in [`redact_long_secret`].
static LONG_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9+_=-]{32,}").expect("valid pattern"));

/// The user's home directory as read once at start-up; `None` when unset, empty
/// or `/` (replacing `/` would mangle every path).
static HOME: LazyLock<Option<Regex>> =
    LazyLock::new(|| std::env::var("HOME").ok().and_then(|h| home_regex(&h)));

fn home_regex(home: &str) -> Option<Regex> {
    let home = home.trim_end_matches('/');
    if home.is_empty() {
        return None;
    }
    // Followed by a separator or a non-path character, so HOME=/home/al does
    // not turn /home/alice into ~ice.
    Regex::new(&format!(r"{}(/|$|[^A-Za-z0-9._-])", regex::escape(home))).ok()
}

/// A run of 32+ token characters is a secret only if it mixes letters and
/// digits: long words and long numbers are left alone.
fn redact_long_secret(caps: &Captures<'_>) -> String {
    let token = &caps[0];
    let letters = token.bytes().any(|b| b.is_ascii_alphabetic());
    let digits = token.bytes().any(|b| b.is_ascii_digit());
    if letters && digits {
        REDACTED.to_owned()
    } else {
        token.to_owned()
    }
}

/// Removes password- and token-shaped things from `text`: JWTs, argon2 PHC
/// hashes, `password=` / `password:` / `--password` values (also `token`,
/// `secret`, `api_key`), bearer tokens, long hex/base64 secrets (32+
/// characters mixing letters and digits) and email addresses (`[email]`);
/// replaces the user's home directory with `~`. Ordinary words are kept.
pub fn scrub(text: &str) -> String {
    scrub_with_home(text, HOME.as_ref())
}

/// [`scrub`] with an explicit home pattern, so tests need not touch `HOME`.
fn scrub_with_home(text: &str, home: Option<&Regex>) -> String {
    let mut out = match home {
        Some(re) => re.replace_all(text, "~$1").into_owned(),
        None => text.to_owned(),
    };
    for rule in RULES.iter() {
        if let std::borrow::Cow::Owned(s) = rule.re.replace_all(&out, rule.with) {
            out = s;
        }
    }
    LONG_TOKEN
        .replace_all(&out, redact_long_secret)
        .into_owned()
}

fn scrub_in_place(text: &mut String) {
    let clean = scrub(text);
    if clean != *text {
        *text = clean;
    }
}

fn scrub_opt(text: &mut Option<String>) {
    if let Some(t) = text {
        scrub_in_place(t);
    }
}

/// Scrubs every string inside a JSON value (keys are ours, values may not be).
fn scrub_value(value: &mut Value) {
    match value {
        Value::String(s) => scrub_in_place(s),
        Value::Array(items) => items.iter_mut().for_each(scrub_value),
        Value::Object(map) => map.values_mut().for_each(scrub_value),
        _ => {}
    }
}

fn scrub_map(map: &mut Map<String, Value>) {
    map.values_mut().for_each(scrub_value);
}

/// Frames carry source paths under the developer's or user's home.
fn scrub_stacktrace(trace: &mut Option<Stacktrace>) {
    for frame in trace.iter_mut().flat_map(|t| t.frames.iter_mut()) {
        scrub_opt(&mut frame.abs_path);
        scrub_opt(&mut frame.filename);
        scrub_map(&mut frame.vars);
    }
}

fn scrub_breadcrumb_in_place(crumb: &mut Breadcrumb) {
    scrub_opt(&mut crumb.message);
    scrub_map(&mut crumb.data);
}

/// `before_breadcrumb` hook: scrubs the message and data of a breadcrumb.
pub fn scrub_breadcrumb(mut crumb: Breadcrumb) -> Option<Breadcrumb> {
    scrub_breadcrumb_in_place(&mut crumb);
    Some(crumb)
}

/// `before_send` hook: scrubs the message, log entry, exception values,
/// stack-frame paths, breadcrumbs, tag values and extra values of `event`,
/// and drops `user`, `request` and `server_name` (the host name). Never drops
/// the event itself.
pub fn scrub_event(mut event: Event<'static>) -> Option<Event<'static>> {
    event.user = None;
    event.request = None;
    event.server_name = None;
    scrub_opt(&mut event.message);
    scrub_opt(&mut event.culprit);
    scrub_opt(&mut event.transaction);
    if let Some(entry) = &mut event.logentry {
        scrub_in_place(&mut entry.message);
        entry.params.iter_mut().for_each(scrub_value);
    }
    for exception in &mut event.exception.values {
        scrub_in_place(&mut exception.ty);
        scrub_opt(&mut exception.value);
        scrub_stacktrace(&mut exception.stacktrace);
    }
    scrub_stacktrace(&mut event.stacktrace);
    for thread in &mut event.threads.values {
        scrub_stacktrace(&mut thread.stacktrace);
    }
    event
        .breadcrumbs
        .values
        .iter_mut()
        .for_each(scrub_breadcrumb_in_place);
    event.tags.values_mut().for_each(scrub_in_place);
    scrub_map(&mut event.extra);
    // Debug images name the binary's path, often under the home directory;
    // symbolication matches images by debug id, not by name.
    for image in event.debug_meta.to_mut().images.iter_mut() {
        if let DebugImage::Symbolic(image) = image {
            scrub_in_place(&mut image.name);
            scrub_opt(&mut image.debug_file);
        }
    }
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scrubbed(text: &str) -> String {
        scrub_with_home(text, home_regex("/home/alice").as_ref())
    }

    #[test]
    fn secrets_and_personal_data_are_removed() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let argon = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
        let cases: &[(&str, &str, &str)] = &[
            // (input, must not contain, must contain)
            (
                &format!("token {jwt} expired"),
                "eyJ",
                "token [redacted] expired",
            ),
            (
                &format!("hash was {argon}"),
                "argon2",
                "hash was [redacted]",
            ),
            (
                "login password=hunter2hunter2 failed",
                "hunter2",
                "password=[redacted] failed",
            ),
            (
                "PASSWORD: hunter2hunter2",
                "hunter2",
                "PASSWORD: [redacted]",
            ),
            (
                "{\"new_password\":\"hunter2hunter2\"}",
                "hunter2",
                "[redacted]",
            ),
            (
                "user add --password hunter2hunter2 -d sales",
                "hunter2",
                "--password [redacted] -d sales",
            ),
            ("--token='a b c'", "a b c", "--token [redacted]"),
            (
                "Authorization: Bearer abc.def-ghi",
                "abc.def",
                "Bearer [redacted]",
            ),
            (
                "contact jane.doe+crm@example.co.uk now",
                "jane",
                "contact [email] now",
            ),
            (
                "open /home/alice/.local/share/epic/epic.db",
                "alice",
                "open ~/.local/share/epic/epic.db",
            ),
            ("home is /home/alice", "alice", "home is ~"),
            (
                "key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 leaked",
                "9f86d",
                "key [redacted] leaked",
            ),
            (
                "at /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/std/src/panicking.rs",
                "5980761",
                "at /rustc/[redacted]/library/std/src/panicking.rs",
            ),
        ];
        for (input, gone, kept) in cases {
            let out = scrubbed(input);
            assert!(
                !out.contains(gone),
                "{input:?} -> {out:?} still has {gone:?}"
            );
            assert!(out.contains(kept), "{input:?} -> {out:?} lacks {kept:?}");
        }
    }

    #[test]
    fn normal_text_is_untouched() {
        for text in [
            "client 42 not found",
            "email: missing @",
            "password must be at least 8 characters",
            "database error: no such table: contract",
            "a_very_long_identifier_without_any_digits_inside",
            "/home/alicex/notes is not her home",
            "total 12500.00, due 0.00 on 2025-01-31",
            "12345678901234567890123456789012345",
        ] {
            assert_eq!(scrubbed(text), text);
        }
    }

    #[test]
    fn events_lose_user_request_host_and_secrets() {
        let mut event = Event {
            message: Some("password=hunter2hunter2".into()),
            server_name: Some("host.example".into()),
            user: Some(sentry::User {
                email: Some("a@b.co".into()),
                ..Default::default()
            }),
            ..Default::default()
        };
        event.tags.insert("who".into(), "bob@example.com".into());
        event
            .extra
            .insert("nested".into(), serde_json::json!({"list": ["x@y.io", 3]}));
        let event = scrub_event(event).expect("events are never dropped");
        let json = serde_json::to_string(&event).expect("serializable");
        for leak in ["hunter2", "host.example", "a@b.co", "bob@", "x@y.io"] {
            assert!(!json.contains(leak), "{leak} leaked: {json}");
        }
        assert!(event.user.is_none() && event.server_name.is_none());
    }
}
