//! The interactive shell driven through a pseudo-terminal (rexpect), as a
//! user at a keyboard would: hidden password prompt, Tab, Ctrl-C, Ctrl-D,
//! and what the history file holds afterwards.
mod common;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use common::*;
use rexpect::process::wait::WaitStatus;
use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

/// Starts `epic` (no arguments: the shell) in a PTY on `env`, with `extra`
/// variables; `strip` removes escape sequences from what the test reads.
fn shell(env: &Env, extra: &[(&str, &str)], strip: bool) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_epic"));
    cmd.env_clear()
        .envs(inherited())
        .env("HOME", env.root())
        .env("XDG_DATA_HOME", env.root().join("data"))
        .env("XDG_STATE_HOME", env.root().join("state"))
        .env("EPIC_DB", &env.db)
        .env("EPIC_ARGON2_COST", "256,1,1")
        .env("TZ", "Europe/Paris")
        // Not `dumb`: rustyline only edits (and completes) on a capable terminal.
        .env("TERM", "xterm")
        .current_dir(env.root());
    for (key, value) in extra {
        cmd.env(key, value);
    }
    let options = Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(strip);
    spawn_with_options(cmd, options).expect("spawn epic in a pty")
}

/// Types `keys` without Enter (rexpect buffers until a flush).
fn keys(p: &mut PtySession, keys: &str) {
    p.send(keys).unwrap();
    p.flush().unwrap();
}

/// Ctrl-D on an empty line: the shell ends with status 0.
fn exit_with_ctrl_d(mut p: PtySession) {
    p.send_control('d').unwrap();
    p.exp_eof().unwrap();
    match p.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => assert_eq!(code, 0),
        other => panic!("epic did not exit normally: {other:?}"),
    }
}

const ADMIN_PROMPT: &str = "epic admin@epic.test (management)> ";

#[test]
fn a_session_at_the_keyboard() {
    let env = Env::staffed();
    // Start logged out, to log in through the hidden prompt.
    assert_ok(&env.run(&["logout"], ""));
    let mut p = shell(&env, &[("NO_COLOR", "1")], true);
    p.exp_string("epic> ").unwrap();

    // Ctrl-C at the hidden prompt abandons the entry, not the shell.
    p.send_line("login admin@epic.test").unwrap();
    p.exp_string("Password: ").unwrap();
    keys(&mut p, "half a pass");
    p.send_control('c').unwrap();
    p.exp_string("password: entry cancelled").unwrap();
    p.exp_string("epic> ").unwrap();

    p.send_line("login admin@epic.test").unwrap();
    p.exp_string("Password: ").unwrap();
    p.send_line(PASSWORD).unwrap();
    p.exp_string("logged in as admin@epic.test").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();

    p.send_line("client list").unwrap();
    p.exp_string("(0 rows)").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();

    // `cli` + Tab becomes `client ` (the grey hint alone would also show
    // "client" on screen, so prove it by running what Tab made).
    keys(&mut p, "cli");
    keys(&mut p, "\t");
    p.exp_string("client").unwrap();
    p.send_line("list --format csv").unwrap();
    p.exp_string("id,full_name,email").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();

    // `client ` + Tab Tab lists the verbs (with the `ls` alias, which the
    // usage hint never shows).
    keys(&mut p, "client ");
    keys(&mut p, "\t");
    keys(&mut p, "\t");
    // (Laid out in columns, whose order depends on the number of verbs:
    // wait for the alias, which only the list shows.)
    p.exp_regex(r"\bls\s").unwrap();
    // The line is redrawn under the list; wait for it so that the prompt
    // expected next is the one after Ctrl-C (keys typed before rustyline
    // reads again could be lost).
    p.exp_string(ADMIN_PROMPT).unwrap();

    // Ctrl-C abandons `client ` and gives a fresh prompt: `whoami` then
    // runs alone (it would be `client whoami`, an error, otherwise).
    p.send_control('c').unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    p.send_line("whoami").unwrap();
    p.exp_string("session_expires").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();

    // Errors print and the session goes on.
    p.send_line("frobnicate --now").unwrap();
    p.exp_string("unrecognized subcommand 'frobnicate'")
        .unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    // An open quote is not an error but a continuation line (as in
    // psql); Ctrl-C abandons the whole command.
    p.send_line("client add --name 'unterminated").unwrap();
    p.exp_string("epic'> ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    p.send_line("version").unwrap();
    p.exp_string("epic 0.1.0").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();

    exit_with_ctrl_d(p);

    let history = env.history();
    let mode = std::fs::metadata(&history).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "history mode {mode:o}");
    let dir_mode = std::fs::metadata(history.parent().unwrap())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700, "history dir mode {dir_mode:o}");
    let text = std::fs::read_to_string(&history).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"client list"), "{text}");
    assert!(lines.contains(&"client list --format csv"), "{text}");
    assert!(lines.contains(&"whoami"), "{text}");
    assert!(!text.contains(PASSWORD), "{text}");
    assert!(!text.contains("login"), "{text}");
    assert!(!text.contains("frobnicate"), "{text}");
    assert!(!lines.contains(&"client "), "{text}");
}

#[test]
fn the_prompt_names_an_existing_session_from_the_start() {
    // `Env::staffed` leaves a session file: no command needed to show it.
    let env = Env::staffed();
    let mut p = shell(&env, &[("NO_COLOR", "1")], true);
    p.exp_string(ADMIN_PROMPT).unwrap();
    p.send_line("logout").unwrap();
    p.exp_string("epic> ").unwrap();
    p.send_line("exit").unwrap();
    p.exp_eof().unwrap();
    assert!(matches!(
        p.process.wait().unwrap(),
        WaitStatus::Exited(_, 0)
    ));
}

#[test]
fn an_expired_session_is_marked_in_the_prompt() {
    let env = Env::staffed();
    assert_ok(&env.run(&["logout"], ""));
    let mut p = shell(&env, &[("NO_COLOR", "1"), ("EPIC_SESSION_TTL", "1")], true);
    p.exp_string("epic> ").unwrap();
    // Ctrl-C at the hidden prompt abandons the entry, not the shell.
    p.send_line("login admin@epic.test").unwrap();
    p.exp_string("Password: ").unwrap();
    keys(&mut p, "half a pass");
    p.send_control('c').unwrap();
    p.exp_string("password: entry cancelled").unwrap();
    p.exp_string("epic> ").unwrap();

    p.send_line("login admin@epic.test").unwrap();
    p.exp_string("Password: ").unwrap();
    p.send_line(PASSWORD).unwrap();
    p.exp_string("logged in as admin@epic.test").unwrap();
    p.exp_regex(r"epic (\(expired\) )?admin@epic\.test")
        .unwrap();
    // No output to wait for: the session simply has to outlive its second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    p.send_line("version").unwrap();
    p.exp_string("epic 0.1.0").unwrap();
    p.exp_string("epic (expired) admin@epic.test> ").unwrap();
    exit_with_ctrl_d(p);
}

/// The text the shell printed up to its first prompt, escapes included.
fn first_prompt(env: &Env, extra: &[(&str, &str)]) -> String {
    let mut p = shell(env, extra, false);
    let before = p.exp_string("> ").unwrap();
    exit_with_ctrl_d(p);
    before
}

#[test]
fn no_color_means_no_colour_in_the_prompt() {
    let env = Env::staffed();
    let sgr = regex::Regex::new(r"\x1b\[[0-9;]*m").unwrap();
    // With colour allowed the prompt is coloured, so the check can fail...
    let coloured = first_prompt(&env, &[]);
    assert!(sgr.is_match(&coloured), "{coloured:?}");
    // ...and with NO_COLOR it holds no colour sequence at all.
    let plain = first_prompt(&env, &[("NO_COLOR", "1")]);
    assert!(plain.contains("epic admin@epic.test"), "{plain:?}");
    assert!(!sgr.is_match(&plain), "{plain:?}");
}

/// A delete asks at the keyboard: no (or Ctrl-C) keeps the record, `y`
/// deletes it; a one-shot command on a terminal asks too.
#[test]
fn a_delete_asks_before_it_deletes() {
    let env = Env::staffed();
    env.login("sales1@epic.test");
    for email in ["kevin@startup.io", "ann@lee.io"] {
        assert_ok(&env.run(
            &["client", "add", "--name", "Kevin Casey", "--email", email],
            "",
        ));
    }
    env.login("admin@epic.test");
    let mut p = shell(&env, &[("NO_COLOR", "1")], true);
    p.exp_string(ADMIN_PROMPT).unwrap();
    p.send_line("client delete 1").unwrap();
    p.exp_string("delete client 1 (Kevin Casey)? [y/N] ")
        .unwrap();
    p.send_line("n").unwrap();
    p.exp_string("Nothing deleted.").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    // Ctrl-C at the question is a no, and the shell goes on.
    p.send_line("client rm 1").unwrap();
    p.exp_string("? [y/N] ").unwrap();
    p.send_control('c').unwrap();
    p.exp_string("Nothing deleted.").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    p.send_line("client delete 1").unwrap();
    p.exp_string("? [y/N] ").unwrap();
    p.send_line("y").unwrap();
    p.exp_string("Deleted client 1 (Kevin Casey).").unwrap();
    p.exp_string(ADMIN_PROMPT).unwrap();
    exit_with_ctrl_d(p);
    assert_code(&env.run(&["client", "show", "1"], ""), 6);

    // One-shot, on a terminal: the same question.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_epic"));
    cmd.env_clear()
        .envs(inherited())
        .env("HOME", env.root())
        .env("XDG_DATA_HOME", env.root().join("data"))
        .env("EPIC_DB", &env.db)
        .env("TERM", "xterm")
        .args(["client", "delete", "2"]);
    let options = Options::new()
        .timeout_ms(Some(10_000))
        .strip_ansi_escape_codes(true);
    let mut p = spawn_with_options(cmd, options).unwrap();
    p.exp_string("delete client 2 (Kevin Casey)? [y/N] ")
        .unwrap();
    p.send_line("yes").unwrap();
    p.exp_string("Deleted client 2").unwrap();
    p.exp_eof().unwrap();
    assert_code(&env.run(&["client", "show", "2"], ""), 6);
}
