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
        .timeout_ms(Some(30_000))
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

/// 30 clients (taller than 24 lines as a table); leaves sales1 logged in.
fn thirty_clients(env: &Env) {
    env.login("sales1@epic.test");
    let script: String = (1..=30)
        .map(|i| format!("client add --name 'Client {i}' --email c{i}@client.test\n"))
        .collect();
    assert_ok(&env.script(&[], &script));
}

on_both! {
    /// A table taller than the terminal goes through `$EPIC_PAGER`, else
    /// `$PAGER`; a short one, `--no-pager` and an empty `EPIC_PAGER` print
    /// straight to the terminal.
    fn a_tall_table_goes_through_the_pager(backend) {
        let env = Env::staffed_on(backend);
        thirty_clients(&env);
        let marked = "sed s/^/PAGED:/";
        let text = pty_output(&env, "client list", &[("EPIC_PAGER", marked)]);
        assert!(text.contains("PAGED:full_name     | Client 30"), "{text}");
        assert!(text.contains("PAGED:(30 rows)"), "{text}");
        let text = pty_output(&env, "client list", &[("PAGER", "sed s/^/VIA-PAGER:/")]);
        assert!(text.contains("VIA-PAGER:(30 rows)"), "{text}");
        // EPIC_PAGER wins over PAGER.
        let both = [("EPIC_PAGER", marked), ("PAGER", "sed s/^/VIA-PAGER:/")];
        let text = pty_output(&env, "client list", &both);
        assert!(text.contains("PAGED:(30 rows)") && !text.contains("VIA-PAGER"), "{text}");
        // Short enough for the terminal: no pager.
        let text = pty_output(&env, "client list --limit 2", &[("EPIC_PAGER", marked)]);
        assert!(text.contains("(2 rows)") && !text.contains("PAGED:"), "{text}");
        // Turned off.
        let text = pty_output(&env, "--no-pager client list", &[("EPIC_PAGER", marked)]);
        assert!(text.contains("(30 rows)") && !text.contains("PAGED:"), "{text}");
        let off = [("EPIC_PAGER", ""), ("PAGER", marked)];
        let text = pty_output(&env, "client list", &off);
        assert!(text.contains("(30 rows)") && !text.contains("PAGED:"), "{text}");
        // Not a terminal: never.
        let out = env.epic().env("EPIC_PAGER", marked).args(["client", "list"]).output().unwrap();
        assert_ok(&out);
        assert!(!stdout(&out).contains("PAGED:"), "{}", stdout(&out));
    }

    /// In the interactive shell too; never in a script, even on a terminal;
    /// a pager quit early (`head`) is no error and the shell goes on.
    fn the_shell_pages_scripts_never_and_quitting_early_is_fine(backend) {
        let env = Env::staffed_on(backend);
        thirty_clients(&env);
        let mut p = pty(&env, "", &[("EPIC_PAGER", "sed s/^/PAGED:/")]);
        p.exp_string("(sales)> ").unwrap();
        p.send_line("client list").unwrap();
        p.exp_string("PAGED:(30 rows)").unwrap();
        p.exp_string("(sales)> ").unwrap();
        p.send_line("exit").unwrap();
        p.exp_eof().unwrap();

        let script = env.root().join("list.epic");
        std::fs::write(&script, "client list\n").unwrap();
        let args = format!("-f {}", script.display());
        let text = pty_output(&env, &args, &[("EPIC_PAGER", "sed s/^/PAGED:/")]);
        assert!(text.contains("(30 rows)") && !text.contains("PAGED:"), "{text}");

        let mut cmd = env.std_command("sh");
        cmd.arg("-c")
            .arg("stty cols 80 rows 24 && \"$0\" client list; echo STATUS=$?")
            .arg(env!("CARGO_BIN_EXE_epic"))
            .env("TERM", "xterm")
            .env("EPIC_PAGER", "head -n 2");
        let options = Options::new().timeout_ms(Some(30_000)).strip_ansi_escape_codes(true);
        let mut p = spawn_with_options(cmd, options).unwrap();
        let text = utf8(&p.exp_eof().unwrap());
        assert!(text.contains("STATUS=0"), "{text}");
        assert!(!text.contains("error") && !text.contains("(30 rows)"), "{text}");
    }

    /// With neither variable set, `less -FRSX` when it is installed.
    fn less_is_the_default_pager(backend) {
        let env = Env::staffed_on(backend);
        thirty_clients(&env);
        let bin = env.root().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let less = bin.join("less");
        std::fs::write(&less, "#!/bin/sh\necho \"FAKE-LESS $*\"\ncat >/dev/null\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&less, std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let mut p = {
            let mut cmd = env.std_command("sh");
            cmd.arg("-c")
                .arg("stty cols 80 rows 24 && exec \"$0\" client list")
                .arg(env!("CARGO_BIN_EXE_epic"))
                .env("TERM", "xterm")
                .env("PATH", path)
                .env_remove("PAGER")
                .env_remove("EPIC_PAGER");
            let options = Options::new().timeout_ms(Some(30_000)).strip_ansi_escape_codes(true);
            spawn_with_options(cmd, options).unwrap()
        };
        let text = utf8(&p.exp_eof().unwrap());
        assert!(text.contains("FAKE-LESS -FRSX"), "{text}");
        assert!(!text.contains("(30 rows)"), "{text}");
    }
}

on_both! {
    /// `;` separates commands in scripts and `-c`; quoted it is text; the
    /// first failing command stops the line; `--password-stdin` still takes
    /// the next line.
    fn semicolons_separate_commands_in_scripts(backend) {
        let env = Env::staffed_on(backend);
        env.login("sales1@epic.test");
        let out = env.script(&[], "client add --name 'A; B' --email ab@client.test; client list --limit 1; whoami\n");
        assert_ok(&out);
        let text = stdout(&out);
        assert!(text.starts_with("1\n"), "{text}");
        assert!(text.contains("│ A; B ") && text.contains("(1 row)"), "{text}");
        assert!(text.contains("sales1@epic.test"), "{text}");
        let json = env.json(&["client", "show", "1", "--format", "json"]);
        assert_eq!(json["full_name"], "A; B");

        // The password is the next LINE, even after `;`.
        env.run(&["logout"], "");
        let script = format!("logout; login support1@epic.test --password-stdin; whoami\n{PASSWORD}\nwhoami --format json\n");
        let out = env.script(&[], &script);
        assert_ok(&out);
        let text = stdout(&out);
        assert_eq!(text.matches("support1@epic.test").count(), 3, "{text}");
        assert!(!text.contains(PASSWORD) && !stderr(&out).contains(PASSWORD));

        // The first failure stops the line (and the script), named by line.
        let out = env.script(&[], "whoami\nclient show 999; version\nversion\n");
        assert_code(&out, 6);
        assert!(stderr(&out).starts_with("<stdin>:2: error:"), "{}", stderr(&out));
        assert!(!stdout(&out).contains("epic "), "{}", stdout(&out));

        let out = env.run(&["-c", "version; whoami"], "");
        assert_ok(&out);
        assert!(stdout(&out).starts_with("epic ") && stdout(&out).contains("support1@epic.test"));
    }

    /// An open quote goes on on the next lines of a script, up to a bound,
    /// then fails naming the line it opened on.
    fn an_open_quote_continues_on_the_next_script_line(backend) {
        let env = Env::staffed_on(backend);
        with_wedding(&env);
        let out = env.script(&[], "event update 1 --notes 'first line\nsecond; line'; whoami\nevent show 1 --format json\n");
        assert_ok(&out);
        assert!(stdout(&out).contains("admin@epic.test"), "{}", stdout(&out));
        let json = env.json(&["event", "show", "1", "--format", "json"]);
        assert_eq!(json["notes"], "first line\nsecond; line");

        let out = env.script(&[], "version\nclient list --search 'x\nversion\n");
        assert_code(&out, 5);
        let err = stderr(&out);
        assert!(err.starts_with("<stdin>:2: error: line:"), "{err}");
        assert!(err.contains("opened on line 2") && err.contains("end of the script"), "{err}");

        let mut script = String::from("client list --search \"x\n");
        script.push_str(&"more\n".repeat(150));
        script.push_str("whoami\n");
        let out = env.script(&[], &script);
        assert_code(&out, 5);
        let err = stderr(&out);
        assert!(err.contains("<stdin>:1:") && err.contains("100 lines"), "{err}");
        assert!(!stdout(&out).contains("admin@epic.test"));
    }

    /// At the keyboard (80×24): `;`, a continuation prompt for an open
    /// quote (Ctrl-C abandons it), and `timing on|off`.
    fn the_shell_takes_semicolons_continuations_and_timing(backend) {
        let env = Env::staffed_on(backend);
        with_wedding(&env);
        let prompt = "epic admin@epic.test (management)> ";
        let mut p = pty(&env, "", &[("NO_COLOR", "1")]);
        p.exp_string(prompt).unwrap();
        p.send_line("collaborator list --limit 1 --columns id; whoami").unwrap();
        p.exp_string("(1 row)").unwrap();
        p.exp_string("admin@epic.test").unwrap();
        p.exp_string(prompt).unwrap();

        p.send_line("event update 1 --notes 'first line").unwrap();
        p.exp_string("epic'> ").unwrap();
        p.send_line("second; line'; event show 1 --format json").unwrap();
        p.exp_string("first line\\nsecond; line").unwrap();
        p.exp_string(prompt).unwrap();

        p.send_line("client list --search \"never closed").unwrap();
        p.exp_string("epic\"> ").unwrap();
        p.send_control('c').unwrap();
        p.exp_string(prompt).unwrap();
        p.send_line("version").unwrap();
        p.exp_string(concat!("epic ", env!("CARGO_PKG_VERSION"))).unwrap();
        p.exp_string(prompt).unwrap();

        p.send_line("timing on").unwrap();
        p.exp_string("Timing is on.").unwrap();
        p.send_line("whoami").unwrap();
        p.exp_regex(r"Time: \d+\.\d{3} ms").unwrap();
        p.send_line("timing off").unwrap();
        p.exp_string("Timing is off.").unwrap();
        p.exp_string(prompt).unwrap();
        p.send_line("version; exit").unwrap();
        let rest = p.exp_eof().unwrap();
        assert!(!rest.contains("Time:"), "{rest}");
        assert!(rest.contains("epic "), "{rest}");
    }

    /// At the keyboard (80×24): Tab after a verb that takes an id lists the
    /// ids that exist with their names; `--sales` offers sales staff only;
    /// `login` the known emails; and the last command of a `;` line
    /// completes too.
    fn tab_completes_from_the_data(backend) {
        let env = Env::staffed_on(backend);
        let contract = env.contract_for_sales1(1000);
        // sales1 is logged in: a second client, then admin again.
        let out = env.run(&["client", "add", "--name", "Kevin Casey", "--email", "k@c.test"], "");
        assert_ok(&out);
        env.login("admin@epic.test");
        let prompt = "epic admin@epic.test (management)> ";
        let mut p = pty(&env, "", &[("NO_COLOR", "1")]);
        p.exp_string(prompt).unwrap();

        // Two clients: the first Tab completes nothing in common, the
        // second lists them, ids and names, and no flag.
        p.send("client show ").unwrap();
        p.flush().unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        let listed = p.exp_regex(r"1  Paying Client\s+2  Kevin Casey").unwrap().1;
        assert!(!listed.contains("--"), "{listed}");
        p.exp_string(prompt).unwrap();
        // The line is still `client show `: type the id and run it.
        p.send_line("2 --format json").unwrap();
        p.exp_string("\"full_name\": \"Kevin Casey\"").unwrap();
        p.exp_string(prompt).unwrap();

        // `--sales` offers the sales staff, not support: Tab completes
        // their common start, Tab again lists them.
        p.send("client reassign 2 --sales ").unwrap();
        p.flush().unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        p.exp_string("sales").unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        let listed = p
            .exp_regex(r"sales1@epic\.test  Bill Boquet\s+sales2@epic\.test  Sam Sales")
            .unwrap()
            .1;
        assert!(!listed.contains("support"), "{listed}");
        p.exp_string(prompt).unwrap();
        p.send_control('c').unwrap();
        p.exp_string(prompt).unwrap();

        // After `;`: one contract, so Tab writes its id; Enter runs both.
        p.send("whoami; contract show ").unwrap();
        p.flush().unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        p.exp_string(&format!("contract show {contract}")).unwrap();
        p.send_line("--format json").unwrap();
        p.exp_string("session_expires").unwrap();
        p.exp_string("\"client_name\": \"Paying Client\"").unwrap();
        p.exp_string(prompt).unwrap();

        // `login` offers the known emails.
        p.send("login supp").unwrap();
        p.flush().unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        p.send("\t").unwrap();
        p.flush().unwrap();
        p.exp_regex(r"support1@epic\.test  Kate Hastroff\s+support2@epic\.test  Sue Support")
            .unwrap();
        p.exp_string(prompt).unwrap();
        p.send_control('c').unwrap();
        p.exp_string(prompt).unwrap();

        // Logged out: nothing is looked up (Tab after `client show ` adds
        // nothing; the id typed then runs as usual and is refused).
        p.send_line("logout").unwrap();
        p.exp_string("epic> ").unwrap();
        p.send("client show ").unwrap();
        p.flush().unwrap();
        p.send("\t\t").unwrap();
        p.flush().unwrap();
        p.send_line("1").unwrap();
        let before = p.exp_string("not logged in").unwrap();
        assert!(!before.contains("Paying Client"), "{before}");
        p.send_line("exit").unwrap();
        p.exp_eof().unwrap();
    }

    /// Every field Tab offers after `--sort` is one the backend sorts on,
    /// ascending and descending (the names come from one backend's
    /// whitelist; the other must agree).
    fn the_sort_fields_completion_offers_are_accepted(backend) {
        let env = Env::staffed_on(backend);
        env.contract_for_sales1(1000);
        env.login("admin@epic.test");
        let mut script = String::new();
        let mut count = 0;
        for noun in ["client", "contract", "event", "collaborator"] {
            let fields = epic::store::list::sortable(noun);
            assert!(fields.contains(&"id"), "{noun}: {fields:?}");
            for field in fields {
                script.push_str(&format!("{noun} list --sort {field} --limit 1 --format csv\n"));
                script.push_str(&format!("{noun} list --sort -{field} --limit 1 --format csv\n"));
                count += 2;
            }
        }
        assert!(count > 60, "{count}");
        assert_ok(&env.script(&[], &script));
    }
}
