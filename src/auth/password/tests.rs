use std::io::{BufReader, Cursor};

use super::*;

/// Argon2's near-minimum costs: the logic under test does not depend on them.
fn cheap() -> Hasher {
    Hasher::with_params(64, 1, 1).unwrap()
}

fn pw(s: &str) -> Password {
    Password::any(s.to_owned())
}

fn invalid_reason(r: Result<Password>) -> String {
    match r {
        Err(Error::Invalid { field, reason }) => {
            assert_eq!(field, "password");
            reason.into_owned()
        }
        other => panic!("expected an invalid password, got {other:?}"),
    }
}

#[test]
fn hash_then_verify_round_trips() {
    let h = cheap();
    let phc = h.hash(&pw("correct horse battery")).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
    assert!(h.verify(&phc, &pw("correct horse battery")));
}

#[test]
fn wrong_password_does_not_verify() {
    let h = cheap();
    let phc = h.hash(&pw("correct horse battery")).unwrap();
    assert!(!h.verify(&phc, &pw("correct horse batterz")));
    assert!(!h.verify(&phc, &pw("")));
}

#[test]
fn salts_are_random() {
    let h = cheap();
    assert_ne!(h.hash(&pw("same")).unwrap(), h.hash(&pw("same")).unwrap());
}

#[test]
fn verify_uses_the_parameters_in_the_hash() {
    let phc = cheap().hash(&pw("correct horse battery")).unwrap();
    // OWASP costs would produce another hash; the stored m=64 must win.
    assert!(Hasher::owasp().verify(&phc, &pw("correct horse battery")));
}

#[test]
fn garbage_hashes_do_not_verify() {
    let h = cheap();
    let good = h.hash(&pw("pw")).unwrap();
    let truncated = &good[..good.len() - 5];
    for phc in [
        "",
        "garbage",
        "$argon2id$",
        "$argon2id$v=19$m=64,t=1,p=1$",
        "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        truncated,
    ] {
        assert!(!h.verify(phc, &pw("pw")), "{phc:?}");
    }
}

#[test]
fn other_argon2_variants_and_huge_costs_are_refused() {
    let argon2i = Argon2::new(
        Algorithm::Argon2i,
        Version::V0x13,
        Params::new(64, 1, 1, None).unwrap(),
    )
    .hash_password_with_salt(b"pw", b"0123456789abcdef")
    .unwrap()
    .to_string();
    assert!(!cheap().verify(&argon2i, &pw("pw")));
    // Would allocate 4 GB if honoured; refused before any work.
    let good = cheap().hash(&pw("pw")).unwrap();
    let huge = good.replace("m=64", "m=4000000");
    assert!(!cheap().verify(&huge, &pw("pw")));
}

#[test]
fn dummy_verify_does_real_work_with_these_params() {
    let h = cheap();
    h.verify_dummy(&pw("whatever"));
    let dummy = h.dummy.get().expect("dummy computed").clone();
    assert!(dummy.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{dummy}");
    assert!(h.verify(&dummy, &pw("epic-dummy-password")));
    // Clones share it rather than recomputing it.
    assert_eq!(h.clone().dummy.get(), Some(&dummy));
}

#[test]
fn owasp_parameters() {
    assert_eq!(
        format!("{:?}", Hasher::owasp()),
        "Hasher(argon2id m=19456 t=2 p=1)"
    );
}

#[test]
fn cost_override_parses_only_valid_triples() {
    let h = parse_cost("256, 1,1").unwrap();
    assert_eq!(format!("{h:?}"), "Hasher(argon2id m=256 t=1 p=1)");
    for bad in ["", "x", "256,1", "256,1,1,1", "1,1,1", "256,0,1", "-1,1,1"] {
        assert!(parse_cost(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn debug_does_not_leak() {
    let p = pw("hunter2hunter2");
    let shown = format!("{p:?} {:#?}", p);
    assert_eq!(format!("{p:?}"), "Password(***)");
    assert!(!shown.contains("hunter2"));
}

/// A password the policy accepts (uncommon words, no context).
const STRONG: &str = "quartz lantern orbit";

#[test]
fn new_password_policy() {
    assert!(Password::new(STRONG.into(), &[]).is_ok());
    assert!(invalid_reason(Password::new("xq7#Lp2!vZ9".into(), &[])).contains("at least 12"));
    // Characters, not bytes: 11 two-byte characters are still too short.
    assert!(Password::new("é".repeat(11), &[]).is_err());
    assert!(invalid_reason(Password::new("a".repeat(1025), &[])).contains("1024 bytes"));
    for ctl in [
        "quartz lantern orbit\t",
        "quartz\nlantern orbit",
        "quartz lantern orbit\u{7f}",
        "\0quartz lantern orbit",
    ] {
        assert!(invalid_reason(Password::new(ctl.into(), &[])).contains("control"));
    }
    // Login takes anything: the account may predate the policy.
    assert_eq!(Password::any("x".into()).expose(), "x");
}

#[test]
fn guessable_passwords_are_refused_with_the_reason() {
    // NIST SP 800-63B: common, repetitive and context-specific passwords.
    for weak in [
        "passwordpassword",
        "            ",
        "aaaaaaaaaaaa",
        "123456789012",
        "qwertyuiopasdf",
        "epicevents2026",
        "é".repeat(12).as_str(),
    ] {
        let why = invalid_reason(Password::new(weak.into(), &[]));
        assert!(why.contains("too easy to guess"), "{weak:?}: {why}");
    }
    // Built from the account's own name or email.
    let me = ["bill.boquet@epicevents.demo", "Bill Boquet"];
    for weak in ["billboquet2026", "boquet.bill.boquet", "Boquet!Bill!Boquet"] {
        assert!(
            Password::new(weak.into(), &[]).is_ok(),
            "{weak} alone is fine"
        );
        let why = invalid_reason(Password::new(weak.into(), &me));
        assert!(why.contains("too easy to guess"), "{weak:?}: {why}");
    }
    // The old demo password: "epic", the demo domain and "password".
    let why = invalid_reason(Password::new("epic-demo-password".into(), &me));
    assert!(why.contains("too easy to guess"), "{why}");
    // No composition rules: a long lowercase passphrase is welcome.
    assert!(Password::new("marmalade tundra kayak".into(), &me).is_ok());
}

#[test]
fn password_line_strips_only_the_line_ending() {
    let read = |s: &str| read_password_line(&mut Cursor::new(s.as_bytes()), None);
    assert_eq!(read("secret\n").unwrap().expose(), "secret");
    assert_eq!(read("secret\r\n").unwrap().expose(), "secret");
    assert_eq!(read("secret").unwrap().expose(), "secret");
    assert_eq!(read(" two words \n").unwrap().expose(), " two words ");
    assert_eq!(read("\n").unwrap().expose(), "");
    assert!(invalid_reason(read("")).contains("nothing"));
}

#[test]
fn password_line_reads_one_line_only() {
    let mut r = BufReader::new(Cursor::new(b"first-password\nclient list\n".to_vec()));
    assert_eq!(
        read_password_line(&mut r, None).unwrap().expose(),
        "first-password"
    );
    let mut rest = String::new();
    r.read_line(&mut rest).unwrap();
    assert_eq!(rest, "client list\n");
}

#[test]
fn password_line_applies_policy_when_new() {
    let mut short = Cursor::new(b"short\n".to_vec());
    assert!(invalid_reason(read_password_line(&mut short, Some(&[]))).contains("at least 12"));
    let mut ok = Cursor::new(b"quartz lantern orbit\r\n".to_vec());
    assert_eq!(
        read_password_line(&mut ok, Some(&[])).unwrap().expose(),
        "quartz lantern orbit"
    );
    let mut bad_utf8 = Cursor::new(b"abc\xff\xfedefghijkl\n".to_vec());
    assert!(invalid_reason(read_password_line(&mut bad_utf8, None)).contains("UTF-8"));
    let mut endless = Cursor::new(vec![b'a'; 10_000]);
    assert!(invalid_reason(read_password_line(&mut endless, None)).contains("too long"));
}

#[test]
fn the_precomputed_dummy_is_a_real_owasp_hash() {
    // Verifying it costs what verifying a real account's hash costs.
    let hasher = Hasher::owasp();
    assert!(hasher.verify(OWASP_DUMMY, &Password::any("benchmark-password".into())));
    assert_eq!(hasher.dummy_hash(), OWASP_DUMMY);
    assert!(OWASP_DUMMY.contains("m=19456,t=2,p=1"));
}
