//! Reading the audit log on PostgreSQL (row-level security shows
//! management every row, everyone else the rows about records).

use chrono::{DateTime, Utc};
use postgres::Row;

use super::Session;
use super::query::{Filter, Value, col};
use crate::error::Result;
use crate::store::audit::{AuditEntry, AuditFilter};
use crate::store::{Visit, instant};

const SELECT: &str = "SELECT a.id, a.at, a.actor_id, co.email, a.action, a.entity, a.entity_id,
                             a.detail
                      FROM audit_log a LEFT JOIN collaborators co ON co.id = a.actor_id";

fn from_row(r: &Row) -> Result<AuditEntry> {
    let at: DateTime<Utc> = col(r, 1)?;
    Ok(AuditEntry {
        id: col(r, 0)?,
        at,
        actor_id: col(r, 2)?,
        actor: col(r, 3)?,
        action: col(r, 4)?,
        entity: col(r, 5)?,
        entity_id: col(r, 6)?,
        detail: col(r, 7)?,
    })
}

/// Calls `visit` with each audit row `filter` selects, newest first.
pub fn each(s: &mut Session<'_>, filter: &AuditFilter, visit: Visit<'_, AuditEntry>) -> Result<()> {
    let mut f = Filter::default();
    if let Some(entity) = &filter.entity {
        f.bind("a.entity = ?", [Box::new(entity.clone()) as Value]);
    }
    if let Some(id) = filter.entity_id {
        f.bind("a.entity_id = ?", [Box::new(id) as Value]);
    }
    if let Some(id) = filter.actor_id {
        f.bind("a.actor_id = ?", [Box::new(id) as Value]);
    }
    if let Some(t) = filter.since {
        f.bind("a.at >= ?", [Box::new(instant(t)) as Value]);
    }
    if let Some(t) = filter.until {
        f.bind("a.at < ?", [Box::new(instant(t)) as Value]);
    }
    let tail = match filter.limit {
        Some(n) => format!(" ORDER BY a.id DESC LIMIT {n}"),
        None => " ORDER BY a.id DESC".to_string(),
    };
    let sql = format!("{SELECT}{}{tail}", f.sql());
    s.each(&sql, &f.params(), &mut |r| visit(from_row(r)?))
}
