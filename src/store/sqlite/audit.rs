//! The audit trail: one row per write, in the same transaction as the write.

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use super::query::Filter;
use crate::error::Result;
use crate::store::model::audit::{AuditEntry, AuditFilter};

/// Records that `actor` did `action` (e.g. `"update"`) to `entity` #`entity_id`.
/// `detail` is a JSON object of what changed; never a password or token.
pub fn record(
    c: &Connection,
    actor: Option<i64>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: Option<&serde_json::Value>,
) -> Result<()> {
    let detail = detail.map(|d| d.to_string());
    c.prepare_cached(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        super::now(),
        actor,
        action,
        entity,
        entity_id,
        detail
    ])?;
    Ok(())
}

const SELECT: &str = "SELECT a.id, a.at, a.actor_id, co.email, a.action, a.entity, a.entity_id,
                             a.detail
                      FROM audit_log a LEFT JOIN collaborators co ON co.id = a.actor_id";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    let detail: Option<String> = r.get(7)?;
    Ok(AuditEntry {
        id: r.get(0)?,
        at: super::instant(r.get(1)?),
        actor_id: r.get(2)?,
        actor: r.get(3)?,
        action: r.get(4)?,
        entity: r.get(5)?,
        entity_id: r.get(6)?,
        // The schema holds only valid JSON here (a CHECK).
        detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
    })
}

/// Calls `visit` with each audit row `filter` selects, newest first.
pub fn each(
    c: &Connection,
    filter: &AuditFilter,
    visit: &mut dyn FnMut(AuditEntry) -> Result<()>,
) -> Result<()> {
    let mut f = Filter::default();
    if let Some(entity) = &filter.entity {
        f.bind("a.entity = ?", [Value::Text(entity.clone())]);
    }
    if let Some(id) = filter.entity_id {
        f.bind("a.entity_id = ?", [Value::Integer(id)]);
    }
    if let Some(id) = filter.actor_id {
        f.bind("a.actor_id = ?", [Value::Integer(id)]);
    }
    if let Some(t) = filter.since {
        f.bind("a.at >= ?", [Value::Integer(t)]);
    }
    if let Some(t) = filter.until {
        f.bind("a.at < ?", [Value::Integer(t)]);
    }
    let tail = match filter.limit {
        Some(n) => format!(" ORDER BY a.id DESC LIMIT {n}"),
        None => " ORDER BY a.id DESC".to_string(),
    };
    f.each(c, SELECT, &tail, from_row, visit)
}
