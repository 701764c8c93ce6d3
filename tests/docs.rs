//! `epic completions bash|zsh|fish` and `epic man`, through the binary: the
//! scripts are accepted by their shells (when installed) and name the
//! commands; the manual page renders without a warning.

mod common;

use std::io::Write;
use std::process::{Command as Std, Stdio};

use common::{Env, assert_ok, stdout};

fn have(tool: &str) -> bool {
    Std::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `program args` with `input` on stdin; returns (status ok, stdout, stderr).
fn pipe(program: &str, args: &[&str], input: &[u8]) -> (bool, String, String) {
    let mut child = Std::new(program)
        .args(args)
        .env("MANWIDTH", "80")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const NOUNS: &[&str] = &["collaborator", "client", "contract", "event", "login"];

#[test]
fn bash_completion_is_valid_bash_and_knows_every_command() {
    let env = Env::new();
    let out = env.run(&["completions", "bash"], "");
    assert_ok(&out);
    let script = stdout(&out);
    for noun in NOUNS {
        assert!(script.contains(noun), "bash script misses {noun}");
    }
    assert!(script.contains("complete -F"), "{}", &script[..200]);
    let (ok, _, err) = pipe("bash", &["-n"], script.as_bytes());
    assert!(ok, "bash -n refused the script: {err}");
}

#[test]
fn zsh_and_fish_completions_name_the_commands_and_their_verbs() {
    let env = Env::new();
    for shell in ["zsh", "fish"] {
        let out = env.run(&["completions", shell], "");
        assert_ok(&out);
        let script = stdout(&out);
        assert!(script.len() > 1000, "{shell}: {script}");
        for word in NOUNS
            .iter()
            .chain(&["reassign", "assign", "--password-stdin"])
        {
            assert!(script.contains(word), "{shell} script misses {word}");
        }
        // The shell itself parses the script when it is installed.
        let check: &[&str] = if shell == "zsh" {
            &["-n"]
        } else {
            &["--no-execute"]
        };
        if have(shell) {
            let (ok, _, err) = pipe(shell, check, script.as_bytes());
            assert!(ok, "{shell} refused the script: {err}");
        } else {
            println!("skipped: {shell} is not installed, its syntax check did not run");
        }
    }
    let bad = env.run(&["completions", "tcsh"], "");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn completions_work_inside_a_script_too() {
    let env = Env::new();
    let out = env.script(&[], "completions fish\n");
    assert_ok(&out);
    assert!(stdout(&out).contains("complete -c epic"));
}

#[test]
fn man_page_renders_without_warnings_and_documents_every_verb() {
    let env = Env::new();
    let out = env.run(&["man"], "");
    assert_ok(&out);
    let page = stdout(&out);
    assert!(
        page.starts_with(".ie") || page.contains(".TH epic 1"),
        "{}",
        &page[..200]
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH COMMANDS"] {
        assert!(page.contains(section), "missing {section}");
    }
    if have("groff") {
        let (ok, text, warnings) = pipe("groff", &["-man", "-Tutf8", "-ww"], page.as_bytes());
        assert!(ok, "groff failed: {warnings}");
        assert_eq!(warnings, "", "groff warned");
        let plain = strip_overstrike(&text);
        for line in [
            "client reassign <ID> --sales <ID|EMAIL>",
            "contract pay",
            "event assign",
            "--password-stdin",
            "completions <SHELL>",
        ] {
            assert!(
                plain.contains(line),
                "rendered page misses {line:?}:\n{plain}"
            );
        }
    } else {
        println!("skipped: groff is not installed, the page was not rendered");
    }
    if have("man") {
        let (ok, text, warnings) = pipe("man", &["--warnings", "-l", "-"], page.as_bytes());
        assert!(ok, "man -l failed: {warnings}");
        assert_eq!(warnings, "", "man warned");
        assert!(strip_overstrike(&text).contains("COMMANDS"));
    } else {
        println!("skipped: man is not installed, `man -l -` did not run");
    }
}

/// groff's bold and underline as overstrikes (`c\bc`, `_\bc`) removed, and
/// lines joined so a wrapped synopsis reads as one.
fn strip_overstrike(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if chars.peek() == Some(&'\u{8}') {
            chars.next();
            continue;
        }
        out.push(c);
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('\u{2010}', "-")
}
