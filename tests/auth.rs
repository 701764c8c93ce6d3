//! Issue 3 "Show": sessions and accounts through the real binary. Forged,
//! expired and revoked tokens exit 3 and write nothing; token files are
//! owner-only whatever the umask; logins are throttled across processes; a
//! password never leaks.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;

use chrono::{DateTime, Utc};
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

// ---------------------------------------------------------------- helpers

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64url(bytes: &[u8]) -> String {
    let mut s = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            s.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    s
}

fn b64url_decode(s: &str) -> Vec<u8> {
    let vals: Vec<u32> = s
        .bytes()
        .map(|c| B64.iter().position(|&b| b == c).expect("base64url") as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in vals.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, v)| n | (v << (18 - 6 * i)));
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

fn now() -> i64 {
    Utc::now().timestamp()
}

/// The three segments of a JWT, the payload decoded.
fn split(token: &str) -> (String, Value, String) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "{token}");
    let payload = serde_json::from_slice(&b64url_decode(parts[1])).expect("payload json");
    (parts[0].to_string(), payload, parts[2].to_string())
}

fn sign(alg: Algorithm, key: &[u8], claims: &Value) -> String {
    let key = EncodingKey::from_secret(key).expect("key");
    jsonwebtoken::encode(&Header::new(alg), claims, &key).expect("encode")
}

fn signing_key(env: &Env) -> Vec<u8> {
    let key = std::fs::read(env.key_path()).expect("key file");
    assert_eq!(key.len(), 32, "the key file holds the 32 raw key bytes");
    key
}

/// A write management may do, run with `EPIC_TOKEN=token`.
fn write_with_token(env: &Env, token: &str) -> std::process::Output {
    env.epic()
        .env("EPIC_TOKEN", token)
        .args([
            "collaborator",
            "update",
            "sales1@epic.test",
            "--name",
            "Forged Name",
        ])
        .output()
        .expect("run")
}

/// Asserts every `(label, token)` is refused with exit 3, a message telling
/// to log in again, and no change to the database.
fn assert_refused(env: &Env, cases: &[(String, String)]) {
    let before = env.snapshot();
    for (label, token) in cases {
        let out = write_with_token(env, token);
        assert_eq!(code(&out), 3, "{label}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains("log in again"), "{label}: {err}");
        assert!(!err.contains("panic"), "{label}: {err}");
        assert_eq!(env.snapshot(), before, "{label} changed the database");
    }
}

fn admin_claims(env: &Env) -> Value {
    split(&env.token()).1
}

// ---------------------------------------------------------------- tokens

/// SQLite only: server-mode sessions are database roles (tests/least_privilege.rs).
#[test]
fn a_token_minted_with_the_real_key_works_so_the_forgeries_below_are_meaningful() {
    let backend = &Backend::Sqlite;
    let env = Env::staffed_on(backend);
    let key = signing_key(&env);
    let claims = admin_claims(&env);
    assert_eq!(claims["sub"], "1");
    let mine = sign(Algorithm::HS256, &key, &claims);
    let out = write_with_token(&env, &mine);
    assert_ok(&out);
    let out = env.run(&["collaborator", "show", "sales1@epic.test"], "");
    assert!(stdout(&out).contains("Forged Name"), "{}", stdout(&out));
}

/// SQLite only: server-mode sessions are database roles (tests/least_privilege.rs).
#[test]
fn tampered_payloads_are_refused() {
    let backend = &Backend::Sqlite;
    let env = Env::staffed_on(backend);
    let token = env.token();
    let (header, claims, signature) = split(&token);
    let mut cases = Vec::new();
    for (field, value) in [
        ("sub", json!("2")),
        ("ver", json!(claims["ver"].as_i64().unwrap() + 1)),
        ("exp", json!(claims["exp"].as_i64().unwrap() + 3600)),
    ] {
        let mut forged = claims.clone();
        forged[field] = value;
        let payload = b64url(forged.to_string().as_bytes());
        cases.push((
            format!("tampered {field}"),
            format!("{header}.{payload}.{signature}"),
        ));
    }
    // A flipped character of the signature itself.
    let mut sig = signature.into_bytes();
    sig[0] = if sig[0] == b'A' { b'B' } else { b'A' };
    cases.push((
        "tampered signature".into(),
        format!(
            "{header}.{}.{}",
            token.split('.').nth(1).unwrap(),
            String::from_utf8(sig).unwrap()
        ),
    ));
    assert_refused(&env, &cases);
}

/// SQLite only: server-mode sessions are database roles (tests/least_privilege.rs).
#[test]
fn other_keys_and_algorithms_are_refused() {
    let backend = &Backend::Sqlite;
    let env = Env::staffed_on(backend);
    let key = signing_key(&env);
    let claims = admin_claims(&env);
    let original_sig = env.token().split('.').nth(2).unwrap().to_string();
    let payload = b64url(claims.to_string().as_bytes());
    let mut cases = vec![
        (
            "another 32-byte key".to_string(),
            sign(Algorithm::HS256, &[7u8; 32], &claims),
        ),
        (
            "HS512 with the real key".to_string(),
            sign(Algorithm::HS512, &key, &claims),
        ),
        (
            "HS384 with the real key".to_string(),
            sign(Algorithm::HS384, &key, &claims),
        ),
    ];
    for alg in ["none", "None", "NONE", "nOnE"] {
        let header = b64url(json!({"alg": alg, "typ": "JWT"}).to_string().as_bytes());
        cases.push((
            format!("alg {alg}, no signature"),
            format!("{header}.{payload}."),
        ));
        cases.push((
            format!("alg {alg}, original signature"),
            format!("{header}.{payload}.{original_sig}"),
        ));
    }
    cases.push(("garbage".into(), "not-a-token".into()));
    assert_refused(&env, &cases);
}

/// SQLite only: server-mode sessions are database roles (tests/least_privilege.rs).
#[test]
fn expired_not_yet_valid_and_exp_less_tokens_are_refused() {
    let backend = &Backend::Sqlite;
    let env = Env::staffed_on(backend);
    let key = signing_key(&env);
    let claims = admin_claims(&env);
    let t = now();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut c = claims.clone();
        f(&mut c);
        sign(Algorithm::HS256, &key, &c)
    };
    // Control: the same shape, valid now, is accepted.
    let fresh = with(&|c| {
        c["iat"] = json!(t - 20);
        c["nbf"] = json!(t - 20);
        c["exp"] = json!(t + 600);
    });
    let before = env.snapshot();
    let out = env
        .epic()
        .env("EPIC_TOKEN", &fresh)
        .args(["client", "list"])
        .output()
        .unwrap();
    assert_ok(&out);
    let expired = with(&|c| {
        c["iat"] = json!(t - 3600);
        c["nbf"] = json!(t - 3600);
        c["exp"] = json!(t - 10);
    });
    let out = write_with_token(&env, &expired);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("session expired, log in again"));
    assert_eq!(env.snapshot(), before);
    let cases = vec![
        ("expired 10 s ago".to_string(), expired),
        (
            "nbf in the future".to_string(),
            with(&|c| {
                c["iat"] = json!(t + 60);
                c["nbf"] = json!(t + 60);
                c["exp"] = json!(t + 3600);
            }),
        ),
        (
            "no exp".to_string(),
            with(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
        ),
        (
            "no sub".to_string(),
            with(&|c| {
                c.as_object_mut().unwrap().remove("sub");
            }),
        ),
    ];
    assert_refused(&env, &cases);
}

// ---------------------------------------------------------------- revocation

/// Logs in as `email` and returns that session's token.
fn session_of(env: &Env, email: &str) -> String {
    env.login(email);
    env.token()
}

fn run_as(env: &Env, token: &str, args: &[&str]) -> std::process::Output {
    env.epic()
        .env("EPIC_TOKEN", token)
        .args(args)
        .output()
        .expect("run")
}

/// SQLite only: server-mode sessions are database roles (tests/least_privilege.rs).
#[test]
fn deleted_demoted_password_changed_and_logged_out_sessions_die_at_once() {
    let backend = &Backend::Sqlite;
    let env = Env::staffed_on(backend);
    let sales1 = session_of(&env, "sales1@epic.test");
    let sales2 = session_of(&env, "sales2@epic.test");
    let support1 = session_of(&env, "support1@epic.test");
    let admin = session_of(&env, "admin@epic.test");
    for t in [&sales1, &sales2, &support1, &admin] {
        assert_ok(&run_as(&env, t, &["client", "list"]));
    }

    // Deleted.
    assert_ok(&env.run(&["collaborator", "delete", "sales2@epic.test", "--yes"], ""));
    let out = run_as(&env, &sales2, &["client", "list"]);
    assert_code(&out, 3);
    assert!(
        stderr(&out).contains("no longer exists"),
        "{}",
        stderr(&out)
    );

    // Demoted: sales1 moves to support; the old session dies, a fresh one
    // carries the new role.
    assert_ok(&env.run(
        &[
            "collaborator",
            "update",
            "sales1@epic.test",
            "--department",
            "support",
        ],
        "",
    ));
    let out = run_as(&env, &sales1, &["client", "list"]);
    assert_code(&out, 3);
    assert!(stderr(&out).contains("log in again"), "{}", stderr(&out));
    let fresh = session_of(&env, "sales1@epic.test");
    let before = env.snapshot();
    let out = run_as(
        &env,
        &fresh,
        &[
            "client",
            "add",
            "--name",
            "Kevin Casey",
            "--email",
            "k@startup.io",
        ],
    );
    assert_code(&out, 4);
    assert_eq!(env.snapshot(), before);

    // Password reset by management.
    env.login("admin@epic.test");
    let new_password = "a brand new password 42";
    assert_ok(&env.run(
        &[
            "collaborator",
            "update",
            "support1@epic.test",
            "--reset-password",
            "--password-stdin",
        ],
        &format!("{new_password}\n"),
    ));
    let out = run_as(&env, &support1, &["event", "list"]);
    assert_code(&out, 3);
    let out = env.run(
        &["login", "support1@epic.test", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_code(&out, 3);
    let out = env.run(
        &["login", "support1@epic.test", "--password-stdin"],
        &format!("{new_password}\n"),
    );
    assert_ok(&out);
    assert_ok(&env.run(&["event", "list"], ""));

    // Logged out: the admin token saved earlier dies with the logout of a
    // newer admin session (logout revokes every token of the account).
    env.login("admin@epic.test");
    assert_ok(&run_as(&env, &admin, &["client", "list"]));
    assert_ok(&env.run(&["logout"], ""));
    assert!(
        env.token_files().is_empty(),
        "logout deletes the token file"
    );
    let out = run_as(&env, &admin, &["client", "list"]);
    assert_code(&out, 3);
    let out = env.run(&["client", "list"], "");
    assert_code(&out, 3);
    assert!(stderr(&out).contains("not logged in"), "{}", stderr(&out));
}

// ---------------------------------------------------------------- token files

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap()
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn token_file_is_owner_only_even_under_umask_000() {
    let env = Env::new();
    let umask0 = |args: &[&str], stdin: &str| {
        let mut cmd = env.std_command("sh");
        cmd.arg("-c")
            .arg("umask 000; exec \"$0\" \"$@\"")
            .arg(epic_bin())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let pw = format!("{PASSWORD}\n");
    assert_ok(&umask0(
        &[
            "init",
            "--name",
            "Ada",
            "--email",
            "admin@epic.test",
            "--password-stdin",
        ],
        &pw,
    ));
    assert_ok(&umask0(
        &["login", "admin@epic.test", "--password-stdin"],
        &pw,
    ));
    let token = env.token_file();
    assert_eq!(mode(&token), 0o600, "token file");
    assert_eq!(mode(&env.sessions_dir()), 0o700, "sessions dir");
    let mut key = env.db.as_os_str().to_owned();
    key.push(".key");
    assert_eq!(mode(Path::new(&key)) & 0o077, 0, "key file");
    assert_eq!(mode(&env.db) & 0o007, 0, "database file");
    assert_ok(&env.run(&["whoami"], ""));
}

#[test]
fn umask_wrapper_really_sets_umask_000() {
    // Guards the test above: through the same wrapper, `touch` makes 0666.
    let env = Env::new();
    let out = env
        .std_command("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg("touch")
        .arg(env.root().join("probe"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(mode(&env.root().join("probe")), 0o666);
}

#[test]
fn loose_or_symlinked_token_files_are_refused() {
    let env = Env::staffed();
    let token = env.token_file();
    assert_ok(&env.run(&["client", "list"], ""));

    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = env.run(&["client", "list"], "");
    assert_code(&out, 3);
    let err = stderr(&out);
    assert!(err.contains("group or other permissions"), "{err}");
    assert!(err.contains("chmod 600"), "{err}");

    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_ok(&env.run(&["client", "list"], ""));

    let elsewhere = env.root().join("stolen.token");
    std::fs::rename(&token, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &token).unwrap();
    let out = env.run(&["client", "list"], "");
    assert_code(&out, 3);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
}

#[test]
fn logging_in_to_a_second_database_keeps_the_first_session() {
    let first = Env::staffed();
    // Same home (and sessions directory), another database file.
    let other_db = first.root().join("other.db");
    let other = |args: &[&str], stdin: &str| {
        first
            .epic()
            .env("EPIC_DB", &other_db)
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .unwrap()
    };
    let pw = format!("{PASSWORD}\n");
    assert_ok(&other(
        &[
            "init",
            "--name",
            "Other Boss",
            "--email",
            "boss@other.test",
            "--password-stdin",
        ],
        &pw,
    ));
    assert_ok(&other(
        &["login", "boss@other.test", "--password-stdin"],
        &pw,
    ));
    assert_eq!(first.token_files().len(), 2, "one token file per database");
    let out = first.run(&["whoami"], "");
    assert_ok(&out);
    assert!(stdout(&out).contains("admin@epic.test"));
    let out = other(&["whoami"], "");
    assert_ok(&out);
    assert!(stdout(&out).contains("boss@other.test"));
    assert_ok(&other(&["logout"], ""));
    assert_ok(&first.run(&["whoami"], ""));
    assert_code(&other(&["whoami"], ""), 3);
}

// ---------------------------------------------------------------- throttling

/// SQLite only: server-mode sessions are database roles (tests/least_privilege.rs).
#[test]
fn parallel_wrong_passwords_lock_the_account_after_five() {
    let backend = &Backend::Sqlite;
    let env = Env::staffed_on(backend);
    let mut script = String::new();
    for i in 0..10 {
        script.push_str(&format!(
            "login sales1@epic.test --password-stdin\nwrong password number {i}\n"
        ));
    }
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut child = env
                .std_command(epic_bin())
                .arg("--keep-going")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            let script = script.clone();
            std::thread::spawn(move || {
                use std::io::Write;
                stdin.write_all(script.as_bytes()).unwrap();
            });
            child
        })
        .collect();
    let (mut wrong, mut locked, mut other) = (0, 0, 0);
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_code(&out, 3);
        for line in stderr(&out).lines() {
            if line.contains("unknown email or wrong password") {
                wrong += 1;
            } else if line.contains("locked") {
                locked += 1;
            } else {
                other += 1;
                eprintln!("unexpected: {line}");
            }
        }
    }
    assert_eq!(other, 0);
    assert_eq!(wrong + locked, 80, "every attempt answered");
    assert!(wrong <= 5, "{wrong} attempts judged before the lock");
    assert_eq!(wrong, 5, "the lock comes after exactly 5 failures");
    let out = env.run(
        &["login", "sales1@epic.test", "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert_code(&out, 3);
    assert!(stderr(&out).contains("locked"), "{}", stderr(&out));
    // Another account is not affected.
    env.login("sales2@epic.test");
}

// ---------------------------------------------------------------- secrets

fn files_under(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            files_under(&path, found);
        } else if meta.is_file() {
            found.push(path);
        }
    }
}

#[test]
fn the_canary_password_appears_nowhere() {
    let env = Env::new();
    let canary = "Canary-XYZZY-7f3a9-password";
    let canary2 = "Second-Canary-QWERTY-91b2";
    let mut outputs = Vec::new();
    let pw = format!("{canary}\n");
    let mut step = |args: &[&str], stdin: &str, expected: i32| {
        let out = env.run(args, stdin);
        assert_code(&out, expected);
        outputs.push(out);
    };
    step(
        &[
            "init",
            "--name",
            "Ada",
            "--email",
            "admin@epic.test",
            "--password-stdin",
        ],
        &pw,
        0,
    );
    // Wrong password, unknown email, then the right one.
    step(
        &["login", "admin@epic.test", "--password-stdin"],
        &format!("{canary2}\n"),
        3,
    );
    step(&["login", "nobody@epic.test", "--password-stdin"], &pw, 3);
    step(&["login", "admin@epic.test", "--password-stdin"], &pw, 0);
    // A script: a collaborator with the canary, a too-short password, passwd.
    step(
        &[],
        &format!(
            "collaborator add --name Bill --email bill@epic.test --department sales --password-stdin\n\
             {canary}\n\
             passwd --password-stdin\n{canary}\n{canary2}\n\
             login bill@epic.test --password-stdin\n{canary}\n\
             whoami\n"
        ),
        0,
    );
    step(
        &["login", "admin@epic.test", "--password-stdin"],
        &format!("{canary2}\n"),
        0,
    );
    // Commands that fail before reading their password line must not run
    // that line as a command (which would echo it in the error).
    step(
        &["--keep-going"],
        &format!(
            "collaborator add --name X --email bad --department sales --password-stdin\n\
             {canary}\n\
             collaborator add --name X --email x@epic.test --department sales --password-stdin --bogus\n\
             {canary}\n\
             passwd --password-stdin --bogus\n{canary}\n{canary2}\n\
             login bill@epic.test --password-stdin\n{canary}\n\
             collaborator update admin@epic.test --reset-password --password-stdin\n{canary}\n\
             version\n"
        ),
        5,
    );
    let last = outputs.last().unwrap();
    assert!(stdout(last).contains("epic "), "{}", stdout(last));
    let err = stderr(last);
    for n in [1, 3, 5, 10] {
        assert!(err.contains(&format!("<stdin>:{n}: ")), "line {n}: {err}");
    }
    for n in [2, 4, 6, 7, 11] {
        assert!(!err.contains(&format!("<stdin>:{n}: ")), "line {n}: {err}");
    }

    for out in &outputs {
        for (name, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                !text.contains(canary) && !text.contains(canary2),
                "{name}: {text}"
            );
        }
    }
    // Sanity: the outputs searched are the real ones.
    assert!(stdout(&outputs[4]).contains("bill@epic.test"));
    let mut files = Vec::new();
    files_under(env.root(), &mut files);
    assert!(
        files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "token"))
    );
    assert!(files.iter().any(|f| f == &env.db));
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        for needle in [canary, canary2] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{} holds the password",
                file.display()
            );
        }
    }
    let hashes: Vec<String> = env
        .db_conn()
        .prepare("SELECT password_hash FROM collaborators")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(hashes.len(), 2);
    assert!(
        hashes.iter().all(|h| h.starts_with("$argon2id$")),
        "{hashes:?}"
    );
}

// ---------------------------------------------------------------- whoami

on_both! {
fn whoami_shows_the_session_and_logout_deletes_it(backend) {
    let env = Env::staffed_on(backend);
    let out = env.run(&["whoami"], "");
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("admin@epic.test"), "{text}");
    assert!(text.contains("management"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("session_expires"))
        .unwrap_or_else(|| panic!("no expiry: {text}"));
    // The table shows the short local time of every table; JSON the instant.
    assert!(
        !line.contains('T') && line.contains(':'),
        "not a short local time: {line}"
    );
    let json = env.json(&["whoami", "--format", "json"]);
    let value = json["session_expires"].as_str().unwrap();
    let expires: DateTime<Utc> = DateTime::parse_from_rfc3339(value).unwrap().into();
    let in_secs = (expires - Utc::now()).num_seconds();
    assert!(
        (8 * 3600 - 120..=8 * 3600).contains(&in_secs),
        "expires in {in_secs} s"
    );

    let token = env.token_file();
    assert_ok(&env.run(&["logout"], ""));
    assert!(!token.exists());
    let out = env.run(&["whoami"], "");
    assert_code(&out, 3);
    assert!(stderr(&out).contains("not logged in"), "{}", stderr(&out));
}
}

on_both! {
/// NIST SP 800-63B through the binary: common, blank and context passwords
/// are refused with the reason, at every place a new password is set, and
/// nothing is written.
fn guessable_new_passwords_are_refused_everywhere(backend) {
    let env = Env::staffed_on(backend);
    for weak in ["passwordpassword", "            ", "SueSupport2026!"] {
        let out = env.run(
            &[
                "collaborator",
                "add",
                "--name",
                "Sue Support",
                "--email",
                "sue.s@epic.test",
                "--department",
                "support",
                "--password-stdin",
            ],
            &format!("{weak}\n"),
        );
        assert_code(&out, 5);
        let err = stderr(&out);
        assert!(
            err.contains("password: too easy to guess"),
            "{weak:?}: {err}"
        );
        assert!(
            !err.contains(weak.trim()) || weak.trim().is_empty(),
            "{err}"
        );
    }
    for weak in ["passwordpassword", "Boquet!Bill!2026"] {
        let out = env.run(
            &[
                "collaborator",
                "update",
                "sales1@epic.test",
                "--reset-password",
                "--password-stdin",
            ],
            &format!("{weak}\n"),
        );
        assert_code(&out, 5);
    }
    // passwd: built on one's own email.
    env.login("sales1@epic.test");
    let out = env.run(
        &["passwd", "--password-stdin"],
        &format!("{PASSWORD}\nsales1.epic.test.sales1\n"),
    );
    assert_code(&out, 5);
    assert!(
        stderr(&out).contains("too easy to guess"),
        "{}",
        stderr(&out)
    );
    env.login("sales1@epic.test"); // the old password still works
    assert_eq!(
        env.sql_i64("SELECT count(*) FROM collaborators WHERE email = 'sue.s@epic.test'"),
        0
    );
}
}
