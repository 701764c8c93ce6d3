//! Email addresses: a pragmatic subset of RFC 5321 that real people type.
//!
//! We refuse quoted local parts, IP-literal domains and internationalised
//! addresses: they are legal but rare, and accepting them would let look-alike
//! or unroutable addresses into a CRM whose emails must be unique.

use std::fmt;

use crate::error::{Error, Result};

/// Longest address accepted (RFC 5321 path limit minus the angle brackets).
pub const MAX_LEN: usize = 254;
/// Longest local part (before the `@`), per RFC 5321.
pub const LOCAL_MAX: usize = 64;
/// Longest domain, per RFC 1035.
pub const DOMAIN_MAX: usize = 253;
/// Longest domain label, per RFC 1035.
pub const LABEL_MAX: usize = 63;

/// A syntactically valid email address, trimmed, in the case the user typed.
///
/// Uniqueness is case-insensitive, but that is the store's business: we keep
/// `John.Quick@Gmail.com` as written so it is shown back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Parses `s` after trimming surrounding whitespace.
    ///
    /// Accepts ASCII only, exactly one `@`, a local part of 1..=64 characters
    /// (letters, digits and ``.!#$%&'*+/=?^_`{|}~-``, with no leading,
    /// trailing or doubled dot) and a domain of 1..=253 characters with at
    /// least one dot, labels of 1..=63 `[A-Za-z0-9-]` not starting or ending
    /// with `-`, and an all-letter top-level domain of at least 2 letters.
    /// The whole address is at most 254 characters. Errors name `field`.
    pub fn parse(field: &'static str, s: &str) -> Result<Email> {
        let s = s.trim();
        let bad = |reason: String| Error::invalid(field, reason);
        if s.is_empty() {
            return Err(bad("must not be empty".into()));
        }
        if !s.is_ascii() {
            return Err(bad("must contain only ASCII characters".into()));
        }
        if s.len() > MAX_LEN {
            return Err(bad(format!("too long (max {MAX_LEN} characters)")));
        }
        let (local, domain) = match s.split_once('@') {
            None => return Err(bad("missing '@'".into())),
            Some((_, rest)) if rest.contains('@') => {
                return Err(bad("more than one '@'".into()));
            }
            Some(parts) => parts,
        };
        check_local(local).map_err(bad)?;
        check_domain(domain).map_err(bad)?;
        Ok(Email(s.to_owned()))
    }

    /// The address as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    /// The address as given, trimmed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Characters allowed in the local part besides ASCII letters and digits
/// (RFC 5322 `atext` plus the dot, which is checked separately).
const LOCAL_SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";

fn check_local(local: &str) -> std::result::Result<(), String> {
    if local.is_empty() {
        return Err("missing the part before '@'".into());
    }
    if local.len() > LOCAL_MAX {
        return Err(format!(
            "part before '@' too long (max {LOCAL_MAX} characters)"
        ));
    }
    if let Some(c) = local
        .chars()
        .find(|&c| !c.is_ascii_alphanumeric() && !LOCAL_SPECIALS.contains(c))
    {
        return Err(format!("invalid character {c:?} before '@'"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err("part before '@' must not start or end with a dot or contain '..'".into());
    }
    Ok(())
}

fn check_domain(domain: &str) -> std::result::Result<(), String> {
    if domain.is_empty() {
        return Err("missing the domain after '@'".into());
    }
    if domain.len() > DOMAIN_MAX {
        return Err(format!("domain too long (max {DOMAIN_MAX} characters)"));
    }
    if !domain.contains('.') {
        return Err("domain must contain a dot (e.g. example.com)".into());
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err("domain must not start or end with a dot or contain '..'".into());
        }
        if label.len() > LABEL_MAX {
            return Err(format!(
                "domain label too long (max {LABEL_MAX} characters)"
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|&c| !c.is_ascii_alphanumeric() && c != '-')
        {
            return Err(format!("invalid character {c:?} in the domain"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("domain label must not start or end with '-'".into());
        }
    }
    // The loop above guarantees a non-empty last label.
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err("top-level domain must be at least two letters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_addresses() {
        let cases = [
            ("kevin@startup.io", "kevin@startup.io"),
            ("john.ouick@gmail.com", "john.ouick@gmail.com"),
            ("  Bill.Boquet@Shaw.CA \t", "Bill.Boquet@Shaw.CA"),
            ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
            ("o'brien@x-y.fr", "o'brien@x-y.fr"),
            ("x_y%z!#$&*/=?^`{|}~-@a1.bc", "x_y%z!#$&*/=?^`{|}~-@a1.bc"),
            ("a@b.cd", "a@b.cd"),
        ];
        for (input, expected) in cases {
            let email = Email::parse("email", input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(email.as_str(), expected);
            assert_eq!(email.to_string(), expected);
        }
        let long_local = format!("{}@example.com", "a".repeat(64));
        assert!(Email::parse("email", &long_local).is_ok());
    }

    #[test]
    fn refuses_invalid_addresses_naming_the_field() {
        let label = "a".repeat(63);
        let too_long = format!("x@{label}.{label}.{label}.{label}.com");
        let cases = [
            ("", "must not be empty"),
            ("   ", "must not be empty"),
            ("kevin.startup.io", "missing '@'"),
            ("a@b@c.io", "more than one '@'"),
            ("@startup.io", "missing the part before '@'"),
            ("kevin@", "missing the domain after '@'"),
            ("kévin@startup.io", "ASCII"),
            ("ke vin@startup.io", "invalid character ' ' before '@'"),
            ("ke\"vin@startup.io", "invalid character"),
            (".kevin@startup.io", "must not start or end with a dot"),
            ("kevin.@startup.io", "must not start or end with a dot"),
            ("ke..vin@startup.io", "contain '..'"),
            ("kevin@localhost", "must contain a dot"),
            ("kevin@startup..io", "contain '..'"),
            ("kevin@.startup.io", "contain '..'"),
            ("kevin@startup.io.", "contain '..'"),
            ("kevin@-startup.io", "must not start or end with '-'"),
            ("kevin@startup-.io", "must not start or end with '-'"),
            ("kevin@start_up.io", "invalid character '_' in the domain"),
            ("kevin@startup.i", "top-level domain"),
            ("kevin@startup.i0", "top-level domain"),
            ("kevin@[127.0.0.1]", "invalid character"),
            ("a\n@b.io", "invalid character '\\n'"),
            ("x'; DROP TABLE clients; --@a.io", "invalid character"),
        ];
        for (input, reason) in cases {
            let err = Email::parse("email", input).expect_err(input).to_string();
            assert!(err.starts_with("email: "), "{input:?}: {err}");
            assert!(err.contains(reason), "{input:?}: {err}");
            assert!(!err.contains('\n'), "{input:?}: {err}");
        }
        let long = [
            format!("{}@example.com", "a".repeat(65)),
            format!("x@{}.com", "a".repeat(64)),
            too_long,
        ];
        for input in long {
            let err = Email::parse("--email", &input)
                .expect_err(&input)
                .to_string();
            assert!(
                err.starts_with("--email: ") && err.contains("too long"),
                "{err}"
            );
        }
    }
}
