//! The shell at psql's level, through a pseudo-terminal of 80×24 (rexpect)
//! and through the binary: expanded records for tables too wide, `--columns`,
//! the pager, `;`, continuation lines and `timing`.
mod common;

use common::*;
use rexpect::reader::Options;
use rexpect::session::{PtySession, spawn_with_options};

/// `epic ARGS` in a pseudo-terminal sized 80×24 (`stty` first, as a window
/// would), with `extra` variables, escape codes stripped.
fn pty(env: &Env, args: &str, extra: &[(&str, &str)]) -> PtySession {
    let mut cmd = env.std_command("sh");
    cmd.arg("-c")
        .arg(format!("stty cols 80 rows 24 && exec \"$0\" {args}"))
        .arg(env!("CARGO_BIN_EXE_epic"))
        .env("TERM", "xterm")
        .env("PAGER", "")
        .env_remove("EPIC_PAGER");
    for (key, value) in extra {
        cmd.env(key, value);
    }
    let options = Options::new()
        .timeout_ms(Some(15_000))
        .strip_ansi_escape_codes(true);
    spawn_with_options(cmd, options).expect("spawn epic in a pty")
}

/// Everything a one-shot command printed to the terminal until it ended.
fn pty_output(env: &Env, args: &str, extra: &[(&str, &str)]) -> String {
    let mut p = pty(env, args, extra);
    let text = p.exp_eof().expect("epic ends");
    utf8(&text).replace("\r\n", "\n")
}

/// rexpect hands back each byte as one `char`: the UTF-8 text they spell.
fn utf8(text: &str) -> String {
    if text.chars().all(|c| (c as u32) < 256) {
        let bytes: Vec<u8> = text.chars().map(|c| c as u8).collect();
        if let Ok(s) = String::from_utf8(bytes) {
            return s;
        }
    }
    text.to_string()
}

/// A signed contract with the SPEC's example event on it; leaves admin
/// logged in.
fn with_wedding(env: &Env) {
    let contract = env.contract_for_sales1(1000);
    let out = env.run(
        &[
            "event",
            "add",
            "--contract",
            &contract.to_string(),
            "--name",
            "John Ouick Wedding",
            "--start",
            "2027-06-04 13:00",
            "--end",
            "2027-06-05 02:00",
            "--location",
            "53 Rue du Château, 41120 Candé-sur-Beuvron, France",
            "--attendees",
            "75",
            "--notes",
            "Wedding starts at 3PM, by the river. Catering is organized, reception starts at 5PM. Kate needs to organize the DJ for after party.",
        ],
        "",
    );
    assert_ok(&out);
    env.login("admin@epic.test");
}

on_both! {
    /// `event list` on 80 columns: too wide for a table, so expanded
    /// records with every value whole (no `2027-…`), and no line wider than
    /// the terminal.
    fn a_wide_list_becomes_expanded_records_at_80_columns(backend) {
        let env = Env::staffed_on(backend);
        with_wedding(&env);
        let text = pty_output(&env, "event list", &[]);
        assert!(!text.contains('…'), "{text}");
        assert!(text.contains("-[ RECORD 1 ]"), "{text}");
        assert!(text.contains("start           | 2027-06-04 13:00"), "{text}");
        assert!(text.contains("name            | John Ouick Wedding"), "{text}");
        assert!(text.contains("(1 row)"), "{text}");
        for line in text.lines() {
            assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line:?}\n{text}");
        }
        // A table that fits stays a table.
        let text = pty_output(&env, "event list --columns id,name,start", &[]);
        assert!(text.contains("│ id │ name               │ start            │"), "{text}");
        assert!(!text.contains("RECORD"), "{text}");
        // Piped: the table is never cut nor turned around (unchanged).
        let out = env.run(&["event", "list"], "");
        assert_ok(&out);
        let piped = stdout(&out);
        assert!(piped.contains("│ 2027-06-04 13:00 │"), "{piped}");
        assert!(!piped.contains("RECORD") && !piped.contains('…'), "{piped}");
    }

    /// `show` is the vertical form, its long notes wrapped at spaces only.
    fn show_wraps_at_words_at_80_columns(backend) {
        let env = Env::staffed_on(backend);
        with_wedding(&env);
        let text = pty_output(&env, "event show 1", &[]);
        for word in ["Wedding", "organized,", "reception", "organize", "party."] {
            assert!(
                text.split(|c: char| c.is_whitespace() || c == '│').any(|w| w == word),
                "{word} was split:\n{text}"
            );
        }
        for line in text.lines() {
            assert!(unicode_width::UnicodeWidthStr::width(line) <= 80, "{line:?}\n{text}");
        }
    }

    /// `--columns` picks and orders the columns of every list, in every
    /// format; an unknown one is invalid input listing the valid ones.
    fn columns_pick_the_keys_of_every_list(backend) {
        let env = Env::staffed_on(backend);
        with_wedding(&env);
        let out = env.run(&["event", "list", "--columns", "start,id,name"], "");
        assert_ok(&out);
        let text = stdout(&out);
        assert!(text.contains("│ start            │ id │ name               │"), "{text}");
        assert!(!text.contains("location"), "{text}");
        let csv = env.run(&["event", "list", "--columns", "id,name", "--format", "csv"], "");
        assert_ok(&csv);
        assert_eq!(stdout(&csv), "id,name\n1,John Ouick Wedding\n");
        let json = env.json(&["event", "list", "--columns", "id,notes", "--format", "json"]);
        assert_eq!(json[0].as_object().unwrap().len(), 2, "{json}");
        assert_eq!(json[0]["id"], 1);
        for noun in ["client", "contract", "collaborator"] {
            let out = env.run(&[noun, "list", "--columns", "id"], "");
            assert_ok(&out);
            assert!(stdout(&out).starts_with("┌────┐\n│ id │\n"), "{noun}: {}", stdout(&out));
        }
        let out = env.run(&["client", "list", "--columns", "id,nmae"], "");
        assert_code(&out, 5);
        let err = stderr(&out);
        assert!(err.contains("--columns") && err.contains("nmae"), "{err}");
        assert!(err.contains("full_name") && err.contains("sales_contact"), "{err}");
    }
}
