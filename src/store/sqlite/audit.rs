//! The audit trail: one row per write, in the same transaction as the write.

use rusqlite::{Connection, params};

use crate::error::Result;

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
