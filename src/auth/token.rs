//! Session tokens: JWTs signed with HS256 and nothing else.
//!
//! jsonwebtoken's defaults are loose (60 s leeway, `nbf` unchecked, any key
//! length), so every knob is pinned here and tested.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// Clock skew tolerated on `exp` and `nbf`, in seconds. Every process signs
/// and checks on the same machine (or one sharing the database file), so the
/// skew is small; 5 s absorbs a second boundary between `issue` and a
/// check, or a slightly late NTP step, without noticeably extending sessions.
pub const LEEWAY_SECS: u64 = 5;

/// Shortest accepted signing key: 256 bits, HS256's own strength.
const MIN_KEY_LEN: usize = 32;
/// Longer input is not one of our tokens; refuse it before any parsing.
const MAX_TOKEN_LEN: usize = 4096;
/// Session lifetime when `EPIC_SESSION_TTL` is unset: one working day.
const DEFAULT_TTL_SECS: u64 = 8 * 3600;
/// Ceiling on `EPIC_SESSION_TTL`, so a typo cannot mint year-long sessions.
const MAX_TTL_SECS: u64 = 31 * 24 * 3600;

const EXPIRED: &str = "session expired, log in again";
const INVALID: &str = "invalid session token, log in again";

/// The HMAC key that signs tokens: at least 32 bytes, redacted in `Debug`,
/// zeroized on drop.
pub struct SigningKey(Vec<u8>);

impl SigningKey {
    /// 32 fresh bytes from the OS RNG.
    pub fn generate() -> Result<SigningKey> {
        let mut b = vec![0u8; MIN_KEY_LEN];
        getrandom::fill(&mut b)
            .map_err(|e| Error::internal(format!("OS random number generator: {e}")))?;
        Ok(SigningKey(b))
    }

    /// A key from stored bytes; refuses fewer than 32.
    pub fn from_bytes(b: Vec<u8>) -> Result<SigningKey> {
        let key = SigningKey(b);
        if key.0.len() < MIN_KEY_LEN {
            return Err(Error::internal("signing key too short"));
        }
        Ok(key)
    }

    /// The raw key bytes, for writing to the key file.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(***)")
    }
}

impl Drop for SigningKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// What a token asserts. All fields are required when decoding.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// The collaborator id, as a decimal string (JWT wants `sub` a string).
    pub sub: String,
    /// The account's `token_version` at issue; bumping it revokes the token.
    pub ver: i64,
    /// Issued at, Unix seconds.
    pub iat: i64,
    /// Not valid before, Unix seconds.
    pub nbf: i64,
    /// Expires at, Unix seconds.
    pub exp: i64,
}

impl Claims {
    /// The collaborator id in `sub`; an auth error if it is not a positive
    /// integer.
    pub fn collaborator_id(&self) -> Result<i64> {
        match self.sub.parse::<i64>() {
            Ok(id) if id > 0 && id.to_string() == self.sub => Ok(id),
            _ => Err(Error::auth(INVALID)),
        }
    }

    /// When the token expires. Clamped to 1970-01-01 .. 9999-12-30 (UTC),
    /// which [`verify`] makes moot, so that showing it in any time zone can
    /// never overflow (chrono panics on a local time past its range).
    pub fn expires_at(&self) -> DateTime<Utc> {
        const LAST: i64 = 253_402_128_000; // 9999-12-30T00:00:00Z
        DateTime::from_timestamp(self.exp.clamp(0, LAST), 0).unwrap_or_default()
    }
}

/// Signs a token for `collaborator_id`, valid from now for `ttl`.
pub fn issue(
    key: &SigningKey,
    collaborator_id: i64,
    token_version: i64,
    ttl: Duration,
) -> Result<(String, Claims)> {
    let now = Utc::now().timestamp();
    let ttl = i64::try_from(ttl.as_secs()).map_err(|_| Error::internal("session ttl too large"))?;
    let exp = now
        .checked_add(ttl)
        .ok_or_else(|| Error::internal("session ttl too large"))?;
    let claims = Claims {
        sub: collaborator_id.to_string(),
        ver: token_version,
        iat: now,
        nbf: now,
        exp,
    };
    let enc = EncodingKey::from_secret(key.as_bytes())
        .map_err(|e| Error::internal(format!("signing key: {e}")))?;
    let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &enc)
        .map_err(|e| Error::internal(format!("signing a token: {e}")))?;
    Ok((token, claims))
}

fn validation() -> Validation {
    let mut v = Validation::new(Algorithm::HS256);
    v.algorithms = vec![Algorithm::HS256];
    v.leeway = LEEWAY_SECS;
    v.validate_exp = true;
    v.validate_nbf = true;
    // jsonwebtoken only knows exp/nbf/sub/iss/aud here; `iat` is required by
    // `Claims` having no default for it.
    v.set_required_spec_claims(&["exp", "nbf", "sub"]);
    v
}

/// Checks the signature (HS256 only), `exp` and `nbf` (with
/// [`LEEWAY_SECS`]), and the presence and shape of every claim. Errors are
/// all [`Error::Auth`]: "session expired" for an expired token, "invalid
/// session token" for anything else. Never panics on garbage.
pub fn verify(key: &SigningKey, token: &str) -> Result<Claims> {
    if token.len() > MAX_TOKEN_LEN || !looks_like_token(token) {
        return Err(Error::auth(INVALID));
    }
    let dec = DecodingKey::from_secret(key.as_bytes()).map_err(|_| Error::auth(INVALID))?;
    let claims = jsonwebtoken::decode::<Claims>(token, &dec, &validation())
        .map_err(|e| match e.kind() {
            ErrorKind::ExpiredSignature => Error::auth(EXPIRED),
            _ => Error::auth(INVALID),
        })?
        .claims;
    check_times(&claims, Utc::now().timestamp())?;
    claims.collaborator_id()?;
    Ok(claims)
}

/// The time claims as we issue them, at `now`: `0 <= iat <= nbf <= exp`,
/// `iat` not in the future, and a lifetime `exp - iat` no longer than the
/// longest session `EPIC_SESSION_TTL` may configure. A correctly signed
/// token outside these (a leaked key, a bug) is refused, never trusted for
/// years nor carried into date arithmetic that would overflow.
fn check_times(c: &Claims, now: i64) -> Result<()> {
    let leeway = LEEWAY_SECS as i64;
    let lifetime = c
        .exp
        .checked_sub(c.iat)
        .ok_or_else(|| Error::auth(INVALID))?;
    let sane = c.iat >= 0
        && c.nbf >= c.iat
        && c.nbf <= c.exp
        && c.iat <= now.saturating_add(leeway)
        && lifetime >= 0
        && lifetime <= MAX_TTL_SECS as i64 + leeway;
    if sane {
        Ok(())
    } else {
        Err(Error::auth(INVALID))
    }
}

/// True for JWT-shaped text: three dot-separated base64url segments, the
/// first starting `eyJ` (base64 of `{"`). The shell uses it to keep tokens
/// out of its history; the signature segment may be empty (`alg: none`).
pub fn looks_like_token(s: &str) -> bool {
    let b64url = |p: &str| {
        p.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    };
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && parts[0].starts_with("eyJ")
        && !parts[1].is_empty()
        && parts.iter().all(|p| b64url(p))
}

/// How long a new session lasts: 8 hours, or `EPIC_SESSION_TTL` seconds
/// when that is a whole number between 1 and 31 days' worth (anything else
/// is ignored, falling back to 8 hours).
pub fn default_ttl() -> Duration {
    ttl_from(std::env::var("EPIC_SESSION_TTL").ok().as_deref())
}

fn ttl_from(v: Option<&str>) -> Duration {
    let secs = v
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=MAX_TTL_SECS).contains(s))
        .unwrap_or(DEFAULT_TTL_SECS);
    Duration::from_secs(secs)
}

#[cfg(test)]
mod tests;
