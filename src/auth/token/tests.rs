use jsonwebtoken::EncodingKey;
use serde_json::{Value, json};

use super::*;

fn key() -> SigningKey {
    SigningKey::from_bytes(vec![7; 32]).unwrap()
}

fn now() -> i64 {
    Utc::now().timestamp()
}

/// Signs arbitrary claims with `alg` and `key`, as an attacker holding (or
/// guessing) the key would.
fn sign(alg: Algorithm, key: &SigningKey, claims: &Value) -> String {
    let enc = EncodingKey::from_secret(key.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(alg), claims, &enc).unwrap()
}

fn claims_at(exp: i64, nbf: i64) -> Value {
    json!({"sub": "42", "ver": 1, "iat": nbf, "nbf": nbf, "exp": exp})
}

fn auth_err(r: Result<Claims>) -> String {
    match r {
        Err(Error::Auth(m)) => m.into_owned(),
        other => panic!("expected an auth error, got {other:?}"),
    }
}

/// base64url without padding, for hand-crafted headers.
fn b64url(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn base64url_helper_matches_known_vectors() {
    assert_eq!(
        b64url(b"{\"alg\":\"HS256\",\"typ\":\"JWT\"}"),
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    );
    assert_eq!(b64url(b"\xfb\xff"), "-_8");
}

#[test]
fn issue_then_verify_round_trips() {
    let (token, issued) = issue(&key(), 42, 3, Duration::from_secs(600)).unwrap();
    assert!(looks_like_token(&token));
    let checked = verify(&key(), &token).unwrap();
    assert_eq!(checked, issued);
    assert_eq!(checked.collaborator_id().unwrap(), 42);
    assert_eq!(checked.ver, 3);
    assert_eq!(checked.exp - checked.iat, 600);
    assert_eq!(checked.nbf, checked.iat);
    assert_eq!(checked.expires_at().timestamp(), checked.exp);
}

#[test]
fn tampered_payload_is_refused() {
    let (token, _) = issue(&key(), 42, 1, Duration::from_secs(600)).unwrap();
    let (other, _) = issue(&key(), 1, 1, Duration::from_secs(600)).unwrap();
    let t: Vec<&str> = token.split('.').collect();
    let o: Vec<&str> = other.split('.').collect();
    // Another genuine payload under this token's signature.
    let spliced = format!("{}.{}.{}", t[0], o[1], t[2]);
    assert_eq!(auth_err(verify(&key(), &spliced)), INVALID);
    // A flipped signature character.
    let mut sig = t[2].to_owned();
    let last = if sig.ends_with('A') { "B" } else { "A" };
    sig.replace_range(sig.len() - 1.., last);
    assert_eq!(
        auth_err(verify(&key(), &format!("{}.{}.{sig}", t[0], t[1]))),
        INVALID
    );
}

#[test]
fn other_key_is_refused() {
    let other = SigningKey::from_bytes(vec![8; 32]).unwrap();
    let (token, _) = issue(&other, 42, 1, Duration::from_secs(600)).unwrap();
    assert_eq!(auth_err(verify(&key(), &token)), INVALID);
}

#[test]
fn alg_none_is_refused_in_every_casing() {
    let (token, _) = issue(&key(), 42, 1, Duration::from_secs(600)).unwrap();
    let t: Vec<&str> = token.split('.').collect();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64url(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#).as_bytes());
        for sig in ["", t[2]] {
            let forged = format!("{header}.{}.{sig}", t[1]);
            assert_eq!(auth_err(verify(&key(), &forged)), INVALID, "{alg} {sig:?}");
        }
    }
}

#[test]
fn other_algorithms_are_refused_even_with_the_same_key() {
    let c = claims_at(now() + 600, now());
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        assert_eq!(
            auth_err(verify(&key(), &sign(alg, &key(), &c))),
            INVALID,
            "{alg:?}"
        );
    }
    // An RS256 header over an HS256 signature (key confusion).
    let (token, _) = issue(&key(), 42, 1, Duration::from_secs(600)).unwrap();
    let t: Vec<&str> = token.split('.').collect();
    let rs = b64url(br#"{"alg":"RS256","typ":"JWT"}"#);
    assert_eq!(
        auth_err(verify(&key(), &format!("{rs}.{}.{}", t[1], t[2]))),
        INVALID
    );
}

#[test]
fn expiry_respects_the_documented_leeway() {
    let leeway = LEEWAY_SECS as i64;
    let long_ago = sign(
        Algorithm::HS256,
        &key(),
        &claims_at(now() - 60, now() - 120),
    );
    assert_eq!(auth_err(verify(&key(), &long_ago)), EXPIRED);
    // Just past the leeway (2 s of margin so a clock tick cannot flip it).
    let past = sign(
        Algorithm::HS256,
        &key(),
        &claims_at(now() - leeway - 2, now() - 120),
    );
    assert_eq!(auth_err(verify(&key(), &past)), EXPIRED);
    // Expired 2 s ago: still inside the leeway, accepted.
    let inside = sign(Algorithm::HS256, &key(), &claims_at(now() - 2, now() - 120));
    assert!(verify(&key(), &inside).is_ok());
    // A zero ttl is usable for the leeway, then not.
    let (zero, _) = issue(&key(), 42, 1, Duration::ZERO).unwrap();
    assert!(verify(&key(), &zero).is_ok());
}

#[test]
fn not_yet_valid_is_refused_beyond_the_leeway() {
    let leeway = LEEWAY_SECS as i64;
    let future = sign(
        Algorithm::HS256,
        &key(),
        &claims_at(now() + 600, now() + 60),
    );
    assert_eq!(auth_err(verify(&key(), &future)), INVALID);
    let just = sign(
        Algorithm::HS256,
        &key(),
        &claims_at(now() + 600, now() + leeway + 2),
    );
    assert_eq!(auth_err(verify(&key(), &just)), INVALID);
    let inside = sign(Algorithm::HS256, &key(), &claims_at(now() + 600, now() + 2));
    assert!(verify(&key(), &inside).is_ok());
}

#[test]
fn every_claim_is_required_and_well_formed() {
    let good = claims_at(now() + 600, now());
    for missing in ["exp", "nbf", "iat", "sub", "ver"] {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(missing);
        assert_eq!(
            auth_err(verify(&key(), &sign(Algorithm::HS256, &key(), &c))),
            INVALID,
            "{missing}"
        );
    }
    let bad_values = [
        ("sub", json!("abc")),
        ("sub", json!("0")),
        ("sub", json!("-1")),
        ("sub", json!("+5")),
        ("sub", json!("007")),
        ("sub", json!(42)),
        ("exp", json!(-1)),
        ("exp", json!("soon")),
        ("exp", json!(1e300)),
        ("nbf", json!(null)),
        ("iat", json!(now() + 6000)),
        ("ver", json!("1")),
    ];
    for (field, value) in bad_values {
        let mut c = good.clone();
        c[field] = value.clone();
        let t = sign(Algorithm::HS256, &key(), &c);
        assert_eq!(auth_err(verify(&key(), &t)), INVALID, "{field}={value}");
    }
}

#[test]
fn garbage_never_panics() {
    let long = format!("eyJ{}.eyJ.x", "a".repeat(10_000));
    for g in [
        "",
        ".",
        "..",
        "a.b.c",
        "eyJ.eyJ.",
        "eyJhbGciOiJIUzI1NiJ9..",
        "eyJ!.eyJ.x",
        "eyJhbGciOiJIUzI1NiJ9.eyJ9.sig",
        "ëyJ.ëyJ.x",
        "eyJ.eyJ.x.y",
        &long,
    ] {
        assert_eq!(auth_err(verify(&key(), g)), INVALID, "{g:?}");
    }
}

#[test]
fn keys_are_long_random_and_redacted() {
    match SigningKey::from_bytes(vec![0; 31]) {
        Err(Error::Internal(m)) => assert_eq!(m, "signing key too short"),
        other => panic!("short key accepted: {other:?}"),
    }
    assert!(SigningKey::from_bytes(vec![0; 64]).is_ok());
    let (a, b) = (
        SigningKey::generate().unwrap(),
        SigningKey::generate().unwrap(),
    );
    assert_eq!(a.as_bytes().len(), 32);
    assert_ne!(a.as_bytes(), b.as_bytes());
    assert_eq!(format!("{a:?}"), "SigningKey(***)");
}

#[test]
fn token_shape_detection() {
    let (token, _) = issue(&key(), 42, 1, Duration::from_secs(60)).unwrap();
    assert!(looks_like_token(&token));
    assert!(looks_like_token("eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."));
    for not in [
        "login alice@example.com",
        "a.b.c",
        "eyJ.x",
        "eyJa.b.c.d",
        "eyJa..c",
        "eyJa.b=.c",
        &format!(" {token}"),
    ] {
        assert!(!looks_like_token(not), "{not:?}");
    }
}

#[test]
fn ttl_defaults_to_eight_hours_and_honours_sane_overrides() {
    assert_eq!(ttl_from(None), Duration::from_secs(8 * 3600));
    assert_eq!(ttl_from(Some("60")), Duration::from_secs(60));
    for bad in ["0", "-5", "abc", "", "99999999999"] {
        assert_eq!(
            ttl_from(Some(bad)),
            Duration::from_secs(8 * 3600),
            "{bad:?}"
        );
    }
}

#[test]
fn signed_tokens_with_absurd_times_are_refused() {
    let k = key();
    let t = now();
    let day = 24 * 3600;
    let max = MAX_TTL_SECS as i64;
    let claims = |iat: i64, nbf: i64, exp: i64| json!({"sub": "42", "ver": 1, "iat": iat, "nbf": nbf, "exp": exp});
    // The longest configurable session is still accepted.
    verify(&k, &sign(Algorithm::HS256, &k, &claims(t, t, t + max))).unwrap();
    for (what, c) in [
        ("exp = 2^62", claims(t, t, 1 << 62)),
        ("exp = i64::MAX", claims(t, t, i64::MAX)),
        ("beyond the maximum", claims(t, t, t + max + 60)),
        ("a year", claims(t, t, t + 365 * day)),
        ("iat in the future", claims(t + 3600, t + 3600, t + 7200)),
        ("iat = i64::MAX", claims(i64::MAX, t, t + 60)),
        ("negative iat", claims(-(1 << 62), t, t + 60)),
        ("iat = i64::MIN", claims(i64::MIN, t, t + 60)),
        ("nbf before iat", claims(t, t - 10, t + 60)),
        ("exp before iat", claims(t, t, t - 1)),
    ] {
        let msg = auth_err(verify(&k, &sign(Algorithm::HS256, &k, &c)));
        assert_eq!(msg, INVALID, "{what}");
    }
}

#[test]
fn time_checks_never_overflow() {
    let base = Claims {
        sub: "1".into(),
        ver: 1,
        iat: 0,
        nbf: 0,
        exp: 0,
    };
    for iat in [i64::MIN, -1, 0, 1, i64::MAX] {
        for exp in [i64::MIN, -1, 0, 1, i64::MAX] {
            for now in [i64::MIN, 0, i64::MAX] {
                let c = Claims {
                    iat,
                    nbf: iat,
                    exp,
                    ..base.clone()
                };
                let _ = check_times(&c, now);
                let local = c.expires_at().with_timezone(&chrono::Local);
                let _ = local.to_rfc3339();
            }
        }
    }
}
