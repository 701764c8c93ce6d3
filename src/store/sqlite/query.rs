//! The filters of the SQLite list queries.
//!
//! User input never reaches the SQL text: a sort field is looked up in the
//! aggregate's whitelist, filters are fixed fragments with bound values.

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::error::Result;

/// A `WHERE` clause under construction: fixed fragments and bound values.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    clauses: Vec<&'static str>,
    /// The bound values, in order of the `?` placeholders.
    pub(crate) params: Vec<Value>,
}

impl Filter {
    /// Adds a fragment with no parameter.
    pub(crate) fn add(&mut self, clause: &'static str) {
        self.clauses.push(clause);
    }

    /// Adds a fragment with its parameters.
    pub(crate) fn bind(&mut self, clause: &'static str, values: impl IntoIterator<Item = Value>) {
        self.clauses.push(clause);
        self.params.extend(values);
    }

    /// Adds a case-insensitive substring search over `clause`, which must
    /// hold as many `?` as `arity`.
    pub(crate) fn search(&mut self, clause: &'static str, text: &str, arity: usize) {
        let pattern = format!("%{}%", escape_like(text));
        self.bind(clause, std::iter::repeat_n(Value::Text(pattern), arity));
    }

    /// The ` WHERE ...` text (empty when there is no clause).
    pub(crate) fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

impl Filter {
    /// Runs `select` with this filter and `tail` (order and limit), calling
    /// `visit` with each row as the query yields it.
    pub(crate) fn each<T>(
        &self,
        c: &Connection,
        select: &str,
        tail: &str,
        from_row: fn(&Row<'_>) -> rusqlite::Result<T>,
        visit: &mut dyn FnMut(T) -> Result<()>,
    ) -> Result<()> {
        let sql = format!("{select}{}{tail}", self.sql());
        let mut stmt = c.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(&self.params))?;
        while let Some(row) = rows.next()? {
            visit(from_row(row)?)?;
        }
        Ok(())
    }
}

/// Escapes LIKE wildcards so `50%` searches for a literal percent sign
/// (used with `ESCAPE '\'`).
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(escape_like(r"50%_\x"), r"50\%\_\\x");
        let mut f = Filter::default();
        f.search("(a LIKE ? ESCAPE '\\')", "x", 1);
        f.add("b IS NULL");
        assert_eq!(f.sql(), " WHERE (a LIKE ? ESCAPE '\\') AND b IS NULL");
        assert_eq!(f.params.len(), 1);
    }
}
