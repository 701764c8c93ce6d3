//! Server mode against a real PostgreSQL server, through the binary: how a
//! server is reached (TLS modes, a Unix socket, credentials), what a user
//! sees when it cannot be, a connection lost mid-session, `doctor` and
//! `backup`. Skipped, saying so, without `EPIC_TEST_PG`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;

/// A staffed server database, or `None` when the tests are skipped.
fn staffed(test: &str) -> Option<Env> {
    Backend::postgres(test).map(|b| Env::staffed_on(&b))
}

fn pg(env: &Env) -> &PgDatabase {
    env.pg.as_ref().expect("a server test")
}

/// `epic` on `url` instead of the test's own (same home, same password).
fn on_url(env: &Env, url: &str, args: &[&str]) -> std::process::Output {
    env.epic()
        .env("EPIC_DB", url)
        .args(args)
        .output()
        .expect("run epic")
}

/// The URL of this test's database with `query` appended.
fn url_with(env: &Env, query: &str) -> String {
    format!("{}?{query}", pg(env).url)
}

/// The test database's URL with another host (`localhost` for the
/// certificate's name).
fn with_host(env: &Env, host: &str) -> String {
    let url = &pg(env).url;
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (_host, port_db) = rest.split_once(':').unwrap();
    format!("{scheme_user}@{host}:{port_db}")
}

#[test]
fn credentials_and_missing_servers_get_clear_answers() {
    let Some(env) = staffed("server::credentials") else {
        return;
    };
    // A wrong password: refused by the server (the collaborator's own
    // role), exit 3, the same answer as an unknown email, never echoed.
    for (email, password) in [
        ("sales1@epic.test", "not-the-password"),
        ("nobody@epic.test", PASSWORD),
    ] {
        let out = env.run(
            &["login", email, "--password-stdin"],
            &format!("{password}\n"),
        );
        assert_code(&out, 3);
        assert!(
            stderr(&out).contains("unknown email or wrong password"),
            "{}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("not-the-password"));
    }
    // Once logged in, no shared password is needed: the session role is
    // the credential.
    let out = env
        .epic()
        .env_remove("PGPASSWORD")
        .args(["whoami"])
        .output()
        .unwrap();
    assert_ok(&out);
    // A password in the URL is refused before anything is sent.
    let (scheme, rest) = pg(&env).url.split_once("://").unwrap();
    let (user, host) = rest.split_once('@').unwrap();
    let out = on_url(
        &env,
        &format!("{scheme}://{user}:hunter22@{host}"),
        &["whoami"],
    );
    assert_code(&out, 5);
    assert!(stderr(&out).contains("PGPASSWORD"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("hunter22"), "{}", stderr(&out));
    // A database that does not exist: not found, with the fix.
    let missing = format!("{}_missing", pg(&env).url);
    let out = on_url(&env, &missing, &["whoami"]);
    assert_code(&out, 6);
    assert!(stderr(&out).contains("createdb"), "{}", stderr(&out));
    // No server listening: exit 1 at once, saying where it looked.
    let port = closed_port();
    let started = Instant::now();
    let out = on_url(
        &env,
        &format!("postgresql://postgres@127.0.0.1:{port}/crm"),
        &["whoami"],
    );
    assert_code(&out, 1);
    assert!(stderr(&out).contains("cannot reach"), "{}", stderr(&out));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn an_empty_database_needs_init_and_a_foreign_one_is_refused() {
    let Some(backend) = Backend::postgres("server::empty_and_foreign") else {
        return;
    };
    let env = Env::on(&backend);
    let out = env.run(&["client", "list"], "");
    assert_code(&out, 6);
    assert!(stderr(&out).contains("init"), "{}", stderr(&out));
    // Nothing was created by merely looking.
    assert_eq!(
        env.sql_i64("SELECT count(*) FROM pg_namespace WHERE nspname = 'epic'"),
        0
    );
    let foreign = Env::on(&backend);
    foreign
        .sql_exec("CREATE TABLE public.invoices (id int)")
        .unwrap();
    let out = foreign.run(
        &[
            "init",
            "--name",
            "Ada Admin",
            "--email",
            "a@epic.test",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert_code(&out, 7);
    assert!(
        stderr(&out).contains("not an epic database"),
        "{}",
        stderr(&out)
    );
}

/// Whether the connection of a running epic shell is encrypted, as the
/// server sees it.
fn tls_of_a_running_session(env: &Env, url: &str) -> Result<bool, String> {
    let mut child = env
        .std_cmd()
        .env("EPIC_DB", url)
        .arg("--keep-going")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A session of its own: tokens are per server and database.
    writeln!(
        stdin,
        "login admin@epic.test --password-stdin\n{PASSWORD}\nwhoami"
    )
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            let done = line.contains("session_expires");
            let _ = tx.send(line);
            if done {
                break;
            }
        }
    });
    // The whoami table has come back: the connection is open now (or the
    // command failed, and the reader saw nothing more within the deadline).
    let mut seen = String::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        seen.push_str(&line);
        if line.contains("session_expires") {
            break;
        }
    }
    let ssl = env.sql_rows(
        "SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
         WHERE a.application_name = 'epic' AND a.datname = current_database()",
    );
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    if !seen.contains("session_expires") {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    assert_eq!(ssl.len(), 1, "one epic session: {ssl:?}");
    Ok(ssl[0][0] == "true")
}

#[test]
fn sslmodes_behave_as_libpq_documents() {
    let Some(env) = staffed("server::sslmodes") else {
        return;
    };
    let ca = std::env::var("EPIC_TEST_PG_CA").expect("EPIC_TEST_PG_CA (scripts/pg-test-server.sh)");
    assert_eq!(
        tls_of_a_running_session(&env, &url_with(&env, "sslmode=disable")),
        Ok(false)
    );
    assert_eq!(
        tls_of_a_running_session(&env, &url_with(&env, "sslmode=require")),
        Ok(true)
    );
    // The default on a loopback address is libpq's `prefer`: encrypted here.
    assert_eq!(tls_of_a_running_session(&env, &pg(&env).url), Ok(true));
    // verify-full: the certificate names `localhost`, not 127.0.0.1.
    let full = format!("sslmode=verify-full&sslrootcert={ca}");
    let localhost = format!("{}?{full}", with_host(&env, "localhost"));
    assert_eq!(tls_of_a_running_session(&env, &localhost), Ok(true));
    let out = on_url(&env, &url_with(&env, &full), &["whoami"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("certificate"), "{}", stderr(&out));
    // verify-ca checks the chain only: 127.0.0.1 is fine.
    let ca_only = url_with(&env, &format!("sslmode=verify-ca&sslrootcert={ca}"));
    assert_eq!(tls_of_a_running_session(&env, &ca_only), Ok(true));
    // A certificate from another CA is refused, whatever the name.
    let other = env.root().join("other-ca.crt");
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=someone else"])
        .arg("-keyout")
        .arg(env.root().join("other-ca.key"))
        .arg("-out")
        .arg(&other)
        .output()
        .unwrap();
    assert!(made.status.success());
    let wrong = format!(
        "{}?sslmode=verify-full&sslrootcert={}",
        with_host(&env, "localhost"),
        other.display()
    );
    let out = on_url(&env, &wrong, &["whoami"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("certificate"), "{}", stderr(&out));
    // verify-full without a CA file says what to give.
    let out = on_url(&env, &url_with(&env, "sslmode=verify-full"), &["whoami"]);
    assert_code(&out, 5);
    assert!(stderr(&out).contains("sslrootcert"), "{}", stderr(&out));
}

#[test]
fn a_unix_socket_host_works() {
    let Some(env) = staffed("server::unix_socket") else {
        return;
    };
    let dir = std::env::var("EPIC_TEST_PG_DIR").expect("EPIC_TEST_PG_DIR");
    let url = &pg(&env).url;
    let (_, rest) = url.split_once('@').unwrap();
    let (host_port, db) = rest.split_once('/').unwrap();
    let port = host_port.rsplit_once(':').unwrap().1;
    let socket = format!("postgresql://postgres@/{db}?host={dir}&port={port}");
    let out = env
        .epic()
        .env("EPIC_DB", &socket)
        .args(["login", "admin@epic.test", "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert_ok(&out);
    let out = on_url(&env, &socket, &["collaborator", "list", "--format", "csv"]);
    assert_ok(&out);
    assert!(stdout(&out).contains("admin@epic.test"), "{}", stdout(&out));
}

#[test]
fn a_lost_connection_fails_one_command_and_the_next_reconnects() {
    let Some(env) = staffed("server::lost_connection") else {
        return;
    };
    let mut child = env
        .std_cmd()
        .arg("--keep-going")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let out = Arc::new(Mutex::new(String::new()));
    let reader = {
        let out = Arc::clone(&out);
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let mut o = out.lock().unwrap();
                o.push_str(&line.unwrap());
                o.push('\n');
            }
        })
    };
    let wait_for = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while out.lock().unwrap().matches("session_expires").count() < n {
            assert!(
                Instant::now() < deadline,
                "no output: {}",
                out.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    writeln!(stdin, "whoami").unwrap();
    wait_for(1);
    // The server drops the session (as a restart or a network cut would).
    let killed = env.sql_i64(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE application_name = 'epic' AND datname = current_database()",
    );
    assert_eq!(killed, 1);
    writeln!(stdin, "client list").unwrap();
    writeln!(stdin, "whoami").unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("<stdin>:2:") && err.contains("connection to the PostgreSQL server was lost"),
        "{err}"
    );
    assert!(err.contains("nothing of it was saved"), "{err}");
    assert_eq!(out.lock().unwrap().matches("session_expires").count(), 2);
}

#[test]
fn doctor_and_backup_on_a_server() {
    let Some(env) = staffed("server::doctor_backup") else {
        return;
    };
    let id = env.contract_for_sales1(1000);
    assert_ok(&env.run(&["contract", "pay", &id.to_string(), "250"], ""));
    env.login("admin@epic.test");
    let out = env.run(&["doctor"], "");
    assert_ok(&out);
    assert!(stdout(&out).contains("integrity"), "{}", stdout(&out));
    let dest = env.root().join("crm.dump");
    let out = env.run(&["backup", dest.to_str().unwrap()], "");
    assert_ok(&out);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the backup holds every client: owner-only");
    // Never overwritten.
    let out = env.run(&["backup", dest.to_str().unwrap()], "");
    assert_code(&out, 7);
    // The copy restores into an empty database with the same rows.
    let Some(Backend::Postgres(server)) = Backend::postgres("server::doctor_backup") else {
        unreachable!()
    };
    let copy = Env::on(&Backend::Postgres(server));
    let copy_db = copy.pg.as_ref().unwrap();
    let restored = std::process::Command::new("pg_restore")
        .arg("--no-owner")
        .arg("--dbname")
        .arg(&copy_db.url)
        .arg(&dest)
        .env("PGPASSWORD", &copy_db.password)
        .output()
        .unwrap();
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    for table in [
        "collaborators",
        "clients",
        "contracts",
        "payments",
        "audit_log",
    ] {
        let q = format!("SELECT count(*) FROM {table}");
        assert_eq!(copy.sql_i64(&q), env.sql_i64(&q), "{table}");
    }
    assert_eq!(copy.integrity(), "ok");
}

/// The interactive shell on a server, at a keyboard (pseudo-terminal): the
/// hidden password prompt, the prompt naming the identity, and a server
/// that drops the session between two commands.
#[test]
fn the_interactive_shell_on_a_server() {
    use rexpect::reader::Options;
    use rexpect::session::spawn_with_options;
    let Some(env) = staffed("server::interactive") else {
        return;
    };
    assert_ok(&env.run(&["logout"], ""));
    let mut cmd = std::process::Command::new(epic_bin());
    cmd.env_clear()
        .envs(inherited())
        .env("HOME", env.root())
        .env("XDG_DATA_HOME", env.root().join("data"))
        .env("XDG_STATE_HOME", env.root().join("state"))
        .env("EPIC_DB", &pg(&env).url)
        .env("PGPASSWORD", &pg(&env).password)
        .env("EPIC_ARGON2_COST", "256,1,1")
        .env("TZ", "Europe/Paris")
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .current_dir(env.root());
    let options = Options::new()
        .timeout_ms(Some(15_000))
        .strip_ansi_escape_codes(true);
    let mut p = spawn_with_options(cmd, options).expect("spawn epic in a pty");
    p.exp_string("epic> ").unwrap();
    p.send_line("login admin@epic.test").unwrap();
    p.exp_string("Password: ").unwrap();
    p.send_line(PASSWORD).unwrap();
    p.exp_string("logged in as admin@epic.test").unwrap();
    let prompt = "epic admin@epic.test (management)> ";
    p.exp_string(prompt).unwrap();
    p.send_line("collaborator list --format csv").unwrap();
    p.exp_string("support2@epic.test").unwrap();
    p.exp_string(prompt).unwrap();
    let killed = env.sql_i64(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE application_name = 'epic' AND datname = current_database()",
    );
    assert_eq!(killed, 1);
    p.send_line("client list").unwrap();
    p.exp_string("connection to the PostgreSQL server was lost")
        .unwrap();
    p.exp_string(prompt).unwrap();
    p.send_line("whoami").unwrap();
    p.exp_string("session_expires").unwrap();
    p.exp_string(prompt).unwrap();
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
}

/// A database an older epic made (schema version 2): a collaborator's
/// session cannot upgrade it (the schema's owner changes grants) and is
/// told who can; the installer's credentials, with no session, upgrade it,
/// and the session works again.
#[test]
fn an_older_schema_is_upgraded_by_the_installer_not_by_a_session() {
    let Some(env) = staffed("server::upgrade") else {
        return;
    };
    env.sql_exec("DELETE FROM epic.schema_migrations WHERE version >= 3")
        .unwrap();
    let out = env.run(&["client", "list"], "");
    assert_code(&out, 7);
    assert!(
        stderr(&out).contains("schema is at version 2")
            && stderr(&out).contains("installer must upgrade it"),
        "{}",
        stderr(&out)
    );
    let token = env.token_file();
    let saved = std::fs::read(&token).unwrap();
    std::fs::remove_file(&token).unwrap();
    assert_code(&env.run(&["whoami"], ""), 3); // not logged in, but migrated
    assert_eq!(
        env.sql_i64("SELECT max(version) FROM epic.schema_migrations"),
        4
    );
    std::fs::write(&token, saved).unwrap();
    std::fs::set_permissions(&token, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    assert_ok(&env.run(&["client", "list"], ""));
    assert_ok(&env.run(&["audit", "list", "--limit", "1"], ""));
}
