//! The reports on SQLite: one query each, every sum and count computed by
//! SQLite in integer cents, the total line by a `UNION ALL` over the same
//! grouped rows (SQLite has no `GROUPING SETS`).

use rusqlite::{Connection, Row, params};

use super::instant;
use crate::error::Result;
use crate::store::model::reports::{Cents, DueRow, EventsRow, EventsSection, PipelineRow};

const PIPELINE: &str = "
WITH k AS (SELECT sales_contact_id AS rep, count(*) AS clients
           FROM clients GROUP BY sales_contact_id),
     c AS (SELECT cl.sales_contact_id AS rep,
                  sum(ct.signed_at IS NULL) AS unsigned,
                  sum(ct.signed_at IS NOT NULL) AS signed,
                  sum(CASE WHEN ct.signed_at IS NOT NULL THEN ct.total_cents ELSE 0 END) AS value,
                  sum(CASE WHEN ct.signed_at IS NOT NULL THEN ct.due_cents ELSE 0 END) AS due
           FROM contracts ct JOIN clients cl ON cl.id = ct.client_id
           GROUP BY cl.sales_contact_id),
     r AS (SELECT co.id, co.full_name AS name, coalesce(k.clients, 0) AS clients,
                  coalesce(c.unsigned, 0) AS unsigned, coalesce(c.signed, 0) AS signed,
                  coalesce(c.value, 0) AS value, coalesce(c.due, 0) AS due
           FROM collaborators co
           LEFT JOIN k ON k.rep = co.id
           LEFT JOIN c ON c.rep = co.id
           WHERE k.rep IS NOT NULL
              OR co.department_id = (SELECT id FROM departments WHERE name = 'sales'))
SELECT * FROM (
    SELECT 0 AS is_total, id, name, clients, unsigned, signed, value, due FROM r
    UNION ALL
    SELECT 1, NULL, 'total', coalesce(sum(clients), 0), coalesce(sum(unsigned), 0),
           coalesce(sum(signed), 0), coalesce(sum(value), 0), coalesce(sum(due), 0)
    FROM r
) ORDER BY is_total, name COLLATE NOCASE, id";

/// `report pipeline`: one line per sales collaborator, then the total.
pub fn pipeline(c: &Connection) -> Result<Vec<PipelineRow>> {
    let mut stmt = c.prepare_cached(PIPELINE)?;
    let rows = stmt.query_map([], |r| {
        Ok(PipelineRow {
            sales_contact_id: r.get(1)?,
            sales_contact: r.get(2)?,
            clients: r.get(3)?,
            unsigned_contracts: r.get(4)?,
            signed_contracts: r.get(5)?,
            signed_value: Cents(r.get(6)?),
            amount_due: Cents(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The months are the local months from the first event's to the last's in
/// the range, each bounded by its local midnights (SQLite's `localtime` and
/// `utc` modifiers); each month's and each support collaborator's figures
/// are counted on a covering index range (`idx_events_report`,
/// `idx_events_support_report`), never by sorting the events.
const EVENTS: &str = "
WITH RECURSIVE
 lim AS (SELECT (SELECT min(start_at) FROM events WHERE start_at >= ?1 AND start_at < ?2) AS lo,
                (SELECT max(start_at) FROM events WHERE start_at >= ?1 AND start_at < ?2) AS hi),
 months(m) AS (
     SELECT date(lo, 'unixepoch', 'localtime', 'start of month') FROM lim WHERE lo IS NOT NULL
     UNION ALL
     SELECT date(m, '+1 month') FROM months, lim
     WHERE date(m, '+1 month') <= date(hi, 'unixepoch', 'localtime')),
 b AS (SELECT strftime('%Y-%m', m) AS month,
              max(?1, CAST(strftime('%s', m, 'utc') AS INTEGER)) AS lo,
              min(?2, CAST(strftime('%s', m, '+1 month', 'utc') AS INTEGER)) AS hi
       FROM months),
 mm AS (SELECT month,
               (SELECT count(*) FROM events WHERE start_at >= lo AND start_at < hi) AS n,
               (SELECT coalesce(sum(attendees), 0) FROM events
                WHERE start_at >= lo AND start_at < hi) AS a,
               (SELECT count(*) FROM events
                WHERE start_at >= lo AND start_at < hi AND support_contact_id IS NULL) AS u
        FROM b)
SELECT * FROM (
    SELECT 0 AS part, month, NULL AS sid, NULL AS sname, n, a, u FROM mm
    UNION ALL
    SELECT 1, NULL, co.id, co.full_name,
           (SELECT count(*) FROM events
            WHERE support_contact_id = co.id AND start_at >= ?1 AND start_at < ?2),
           (SELECT coalesce(sum(attendees), 0) FROM events
            WHERE support_contact_id = co.id AND start_at >= ?1 AND start_at < ?2),
           NULL
    FROM collaborators co
    WHERE co.department_id = (SELECT id FROM departments WHERE name = 'support')
    UNION ALL
    SELECT 2, NULL, NULL, NULL, coalesce(sum(n), 0), coalesce(sum(a), 0), coalesce(sum(u), 0)
    FROM mm
) ORDER BY part, month, sname COLLATE NOCASE, sid";

/// `report events` of the events starting in `[from, before)`: one line
/// per local month, one per support collaborator, then the total.
pub fn events(c: &Connection, from: i64, before: i64) -> Result<Vec<EventsRow>> {
    let mut stmt = c.prepare_cached(EVENTS)?;
    let rows = stmt.query_map(params![from, before], events_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn events_row(r: &Row<'_>) -> rusqlite::Result<EventsRow> {
    let part: i64 = r.get(0)?;
    Ok(EventsRow {
        section: match part {
            0 => EventsSection::Month,
            1 => EventsSection::Support,
            _ => EventsSection::Total,
        },
        month: r.get(1)?,
        support_contact_id: r.get(2)?,
        support_contact: r.get(3)?,
        events: r.get(4)?,
        attendees: r.get(5)?,
        without_support: r.get(6)?,
    })
}

const DUE: &str = "
WITH b(ord, age) AS (VALUES (0, '0-30'), (1, '31-60'), (2, '61-90'), (3, 'over 90')),
     d AS (SELECT CASE WHEN (?1 - signed_at) / 86400 <= 30 THEN 0
                       WHEN (?1 - signed_at) / 86400 <= 60 THEN 1
                       WHEN (?1 - signed_at) / 86400 <= 90 THEN 2
                       ELSE 3 END AS ord,
                  count(*) AS n, sum(due_cents) AS due, min(signed_at) AS oldest
           FROM contracts WHERE due_cents > 0 AND signed_at IS NOT NULL
           GROUP BY 1)
SELECT * FROM (
    SELECT b.ord, b.age, coalesce(d.n, 0), coalesce(d.due, 0), d.oldest
    FROM b LEFT JOIN d ON d.ord = b.ord
    UNION ALL
    SELECT 4, 'total', coalesce(sum(n), 0), coalesce(sum(due), 0), min(oldest) FROM d
) ORDER BY 1";

/// `report due` at `now`: the signed contracts with something still due,
/// by whole days since their signature, then the total.
pub fn due(c: &Connection, now: i64) -> Result<Vec<DueRow>> {
    let mut stmt = c.prepare_cached(DUE)?;
    let rows = stmt.query_map([now], |r| {
        let oldest: Option<i64> = r.get(4)?;
        Ok(DueRow {
            age: r.get(1)?,
            contracts: r.get(2)?,
            amount_due: Cents(r.get(3)?),
            oldest_signed_at: oldest.map(instant),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
