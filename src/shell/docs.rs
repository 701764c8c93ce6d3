//! `completions SHELL` and `man`: the program's clap tree (the global flags
//! of [`Cli`] and every command of [`crate::commands::Command`]) as a
//! completion script for the system shell and as a roff manual page.

use std::io::{self, Write};

use clap::CommandFactory;

use super::Cli;

/// The tree both are generated from, named as the binary is installed.
fn tree() -> clap::Command {
    Cli::command().bin_name("epic")
}

/// Writes the completion script of `shell`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<()> {
    // clap_complete writes with `write_all` and panics on failure; write
    // into memory first so a closed pipe stays an error we can handle.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut tree(), "epic", &mut script);
    out.write_all(&script)
}

/// Writes the manual page: `epic(1)`, with every command and its flags.
pub fn man(out: &mut dyn Write) -> io::Result<()> {
    let mut tree = tree();
    tree.build();
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(tree.clone()).section("1");
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    commands_section(&tree, &mut page)?;
    if let Some(after) = tree.get_after_help() {
        writeln!(page, ".SH NOTES")?;
        writeln!(page, "{}", roff(&after.to_string()))?;
    }
    man.render_version_section(&mut page)?;
    out.write_all(&page)
}

/// A COMMANDS section listing every command down to its verbs, with its
/// usage and its flags, so one page documents the whole tree.
fn commands_section(tree: &clap::Command, page: &mut Vec<u8>) -> io::Result<()> {
    writeln!(page, ".SH COMMANDS")?;
    for cmd in tree.get_subcommands().filter(|c| c.get_name() != "help") {
        command(cmd, "", page)?;
    }
    Ok(())
}

fn command(cmd: &clap::Command, prefix: &str, page: &mut Vec<u8>) -> io::Result<()> {
    let path = format!("{prefix}{}", cmd.get_name());
    if cmd.has_subcommands() {
        for sub in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
            command(sub, &format!("{path} "), page)?;
        }
        return Ok(());
    }
    let mut args = String::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        if arg.is_global_set() || matches!(arg.get_id().as_str(), "help" | "version") {
            continue;
        }
        args.push(' ');
        args.push_str(&usage(arg));
    }
    writeln!(page, ".TP")?;
    writeln!(page, "\\fB{}\\fR{}", roff(&path), roff(&args))?;
    if let Some(about) = cmd.get_about() {
        writeln!(page, "{}", roff(&about.to_string()))?;
    }
    Ok(())
}

/// `--name <N>`, `[--mine]`, `<ID>`: how the synopsis shows one argument.
fn usage(arg: &clap::Arg) -> String {
    let value = || {
        arg.get_value_names()
            .and_then(|v| v.first())
            .map(|v| v.to_string())
            .unwrap_or_else(|| arg.get_id().as_str().to_uppercase())
    };
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    let text = match arg.get_long() {
        Some(long) if takes_value => format!("--{long} <{}>", value()),
        Some(long) => format!("--{long}"),
        None => format!("<{}>", value()),
    };
    if arg.is_required_set() {
        text
    } else {
        format!("[{text}]")
    }
}

/// Text safe in a roff line: backslashes and hyphens escaped, no line
/// starting with a control character.
fn roff(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    escaped
        .lines()
        .map(|line| match line.chars().next() {
            Some('.') | Some('\'') => format!("\\&{line}"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
