//! [`Session`]: a client inside a transaction, with prepared statements
//! cached per connection and every driver error mapped once.

use std::collections::HashMap;

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};

use super::error;
use crate::error::Result;

/// Bound parameters.
pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// A client inside a transaction.
pub struct Session<'a> {
    client: &'a mut Client,
    statements: &'a mut HashMap<String, Statement>,
}

impl<'a> Session<'a> {
    /// Wraps a client and its statement cache.
    pub fn new(client: &'a mut Client, statements: &'a mut HashMap<String, Statement>) -> Self {
        Session { client, statements }
    }

    /// The prepared statement for `sql`, prepared once per connection (one
    /// round trip saved on every later use).
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(|e| error::map(&e))?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    /// Runs a statement; returns the number of rows it changed. Errors go
    /// through `on_error` (constraint names to user messages).
    pub fn execute_with(
        &mut self,
        sql: &str,
        params: Params<'_>,
        on_error: impl FnOnce(&postgres::Error) -> crate::error::Error,
    ) -> Result<u64> {
        let s = self.statement(sql)?;
        self.client.execute(&s, params).map_err(|e| on_error(&e))
    }

    /// Runs a statement; returns the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: Params<'_>) -> Result<u64> {
        self.execute_with(sql, params, error::map)
    }

    /// All rows of a query.
    pub fn query(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<Row>> {
        let s = self.statement(sql)?;
        self.client.query(&s, params).map_err(|e| error::map(&e))
    }

    /// At most one row.
    pub fn query_opt(&mut self, sql: &str, params: Params<'_>) -> Result<Option<Row>> {
        self.query_opt_with(sql, params, error::map)
    }

    /// At most one row, errors through `on_error`.
    pub fn query_opt_with(
        &mut self,
        sql: &str,
        params: Params<'_>,
        on_error: impl FnOnce(&postgres::Error) -> crate::error::Error,
    ) -> Result<Option<Row>> {
        let s = self.statement(sql)?;
        self.client.query_opt(&s, params).map_err(|e| on_error(&e))
    }

    /// Exactly one row.
    pub fn query_one(&mut self, sql: &str, params: Params<'_>) -> Result<Row> {
        let s = self.statement(sql)?;
        self.client
            .query_one(&s, params)
            .map_err(|e| error::map(&e))
    }

    /// Calls `visit` with each row as the server streams it: nothing is held
    /// in memory but the current row.
    pub fn each(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
        visit: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let s = self.statement(sql)?;
        let mut rows = self
            .client
            .query_raw(&s, params.iter().copied())
            .map_err(|e| error::map(&e))?;
        use postgres::fallible_iterator::FallibleIterator;
        while let Some(row) = rows.next().map_err(|e| error::map(&e))? {
            visit(&row)?;
        }
        Ok(())
    }

    /// Runs statements with no parameters (migrations, maintenance).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        self.client.batch_execute(sql).map_err(|e| error::map(&e))
    }
}
