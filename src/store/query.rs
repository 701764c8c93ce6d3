//! Pieces shared by the list queries: sorting, limits and filters.
//!
//! User input never reaches the SQL text: a sort field is looked up in the
//! aggregate's whitelist, filters are fixed fragments with bound values.

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use crate::error::{Error, Result};

/// `--sort FIELD` (a leading `-` sorts descending).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    /// The output key to sort on, e.g. `full_name`.
    pub field: String,
    /// Descending order.
    pub descending: bool,
}

impl SortKey {
    /// Parses `full_name` or `-created_at`.
    pub fn parse(s: &str) -> SortKey {
        match s.strip_prefix('-') {
            Some(field) => SortKey {
                field: field.trim().to_string(),
                descending: true,
            },
            None => SortKey {
                field: s.trim().trim_start_matches('+').to_string(),
                descending: false,
            },
        }
    }
}

/// Sorting and limiting options of every `list`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// Sort key; `None` sorts by id.
    pub sort: Option<SortKey>,
    /// Maximum number of rows.
    pub limit: Option<u32>,
}

impl ListQuery {
    /// The `ORDER BY ... LIMIT ...` tail for an aggregate whose sortable
    /// output keys map to the SQL expressions in `columns`.
    pub(crate) fn tail(&self, columns: &[(&str, &str)], id_column: &str) -> Result<String> {
        let mut sql = String::from(" ORDER BY ");
        if let Some(key) = &self.sort {
            let Some((_, expr)) = columns.iter().find(|(name, _)| *name == key.field) else {
                let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
                return Err(Error::invalid(
                    "--sort",
                    format!(
                        "unknown field '{}'; one of: {}",
                        key.field,
                        names.join(", ")
                    ),
                ));
            };
            sql.push_str(expr);
            sql.push_str(if key.descending { " DESC, " } else { " ASC, " });
        }
        sql.push_str(id_column);
        if self
            .sort
            .as_ref()
            .is_some_and(|k| k.descending && k.field == "id")
        {
            sql = format!(" ORDER BY {id_column} DESC");
        }
        if let Some(limit) = self.limit {
            sql.push_str(&format!(" LIMIT {limit}"));
        }
        Ok(sql)
    }
}

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

/// Collects into a vector the rows an `each`-style function yields.
pub(crate) fn collect<T>(
    each: impl FnOnce(&mut dyn FnMut(T) -> Result<()>) -> Result<()>,
) -> Result<Vec<T>> {
    let mut rows = Vec::new();
    each(&mut |row| {
        rows.push(row);
        Ok(())
    })?;
    Ok(rows)
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
    fn sort_keys_map_through_the_whitelist_only() {
        let cols = [("full_name", "c.full_name"), ("id", "c.id")];
        let q = ListQuery {
            sort: Some(SortKey::parse("-full_name")),
            limit: Some(5),
        };
        assert_eq!(
            q.tail(&cols, "c.id").unwrap(),
            " ORDER BY c.full_name DESC, c.id LIMIT 5"
        );
        let bad = ListQuery {
            sort: Some(SortKey::parse("full_name; DROP TABLE clients")),
            limit: None,
        };
        let err = bad.tail(&cols, "c.id").unwrap_err().to_string();
        assert!(err.starts_with("--sort: unknown field"), "{err}");
        let by_id_desc = ListQuery {
            sort: Some(SortKey::parse("-id")),
            limit: None,
        };
        assert_eq!(
            by_id_desc.tail(&cols, "c.id").unwrap(),
            " ORDER BY c.id DESC"
        );
    }

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
