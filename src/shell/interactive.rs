//! The interactive `epic>` shell (stdin is a terminal).

use std::io;

use rustyline::DefaultEditor;
use rustyline::error::ReadlineError;

use super::{Terminal, run_parsed};
use crate::commands::{self, Context, Flow};

/// Runs the read-eval-print loop until `exit` or Ctrl-D; returns the status.
pub fn run(ctx: &mut Context, term: &Terminal) -> i32 {
    let mut editor = match DefaultEditor::new() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: cannot start the line editor: {e}");
            return 1;
        }
    };
    loop {
        match editor.readline("epic> ") {
            Ok(line) => {
                let parsed = match commands::parse_line(line.trim()) {
                    Ok(p) => p,
                    Err(e) => {
                        term.error(&e);
                        continue;
                    }
                };
                let stdout = io::stdout();
                let mut out = stdout.lock();
                let (_, flow) = run_parsed(ctx, parsed, &mut out, term);
                if flow == Flow::Exit {
                    return 0;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return 0,
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
}
