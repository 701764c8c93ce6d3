//! The boxed table of a `list`, printed in two passes over the cells alone.
//!
//! Not prettytable here (it still draws the vertical view of one record):
//! on 10,000 rows it kept three copies of every cell (31 MB, 2.2× `sqlite3
//! -box`); this keeps one (see BENCHMARKS.md).

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// Prints `rows` under the `keys` header, then `(N rows)`. On a terminal
/// (`width` given) a table wider than it becomes expanded records instead:
/// nothing is ever cut.
pub fn print(
    out: &mut dyn Write,
    keys: &[&str],
    rows: &[Vec<String>],
    width: Option<usize>,
) -> io::Result<()> {
    let mut widths: Vec<usize> = keys.iter().map(|k| k.width()).collect();
    for row in rows.iter() {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    if let Some(width) = width
        && table_width(&widths) > width
    {
        return super::expanded::print(out, keys, rows, width);
    }
    rule(out, &widths, ['┌', '┬', '┐'])?;
    line(out, &widths, keys.iter().copied())?;
    rule(out, &widths, ['├', '┼', '┤'])?;
    for row in rows.iter() {
        line(out, &widths, row.iter().map(String::as_str))?;
    }
    rule(out, &widths, ['└', '┴', '┘'])?;
    let n = rows.len();
    writeln!(out, "({n} row{})", if n == 1 { "" } else { "s" })
}

fn rule(out: &mut dyn Write, widths: &[usize], [left, mid, right]: [char; 3]) -> io::Result<()> {
    let mut text = String::with_capacity(widths.iter().sum::<usize>() * 3 + 16);
    text.push(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            text.push(mid);
        }
        text.extend(std::iter::repeat_n('─', w + 2));
    }
    text.push(right);
    writeln!(out, "{text}")
}

fn line<'a>(
    out: &mut dyn Write,
    widths: &[usize],
    cells: impl Iterator<Item = &'a str>,
) -> io::Result<()> {
    out.write_all("│".as_bytes())?;
    for (cell, w) in cells.zip(widths) {
        let pad = w.saturating_sub(cell.width());
        write!(out, " {cell}{:pad$} │", "")?;
    }
    out.write_all(b"\n")
}

/// The width of the boxed table: each column costs its width plus 3
/// (padding and separator), plus 1 for the left border.
fn table_width(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + 3 * widths.len() + 1
}
