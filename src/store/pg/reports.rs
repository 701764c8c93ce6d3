//! The reports on PostgreSQL: one query each, every sum and count computed
//! by the server (`bigint` cents; `sum` is cast back from `numeric`), the
//! total line by a `UNION ALL` over the same grouped rows, as on SQLite.

use postgres::Row;

use super::Session;
use super::query::col;
use crate::error::Result;
use crate::store::instant;
use crate::store::model::reports::{Cents, DueRow, EventsRow, EventsSection, PipelineRow};

const PIPELINE: &str = "
WITH k AS (SELECT sales_contact_id AS rep, count(*) AS clients
           FROM clients GROUP BY sales_contact_id),
     c AS (SELECT cl.sales_contact_id AS rep,
                  count(*) FILTER (WHERE ct.signed_at IS NULL) AS unsigned,
                  count(*) FILTER (WHERE ct.signed_at IS NOT NULL) AS signed,
                  coalesce(sum(ct.total_cents) FILTER (WHERE ct.signed_at IS NOT NULL), 0) AS value,
                  coalesce(sum(ct.due_cents) FILTER (WHERE ct.signed_at IS NOT NULL), 0) AS due
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
SELECT is_total, id, name, clients::bigint, unsigned::bigint, signed::bigint,
       value::bigint, due::bigint
FROM (
    SELECT 0 AS is_total, id, name, clients, unsigned, signed, value, due FROM r
    UNION ALL
    SELECT 1, NULL, 'total', coalesce(sum(clients), 0), coalesce(sum(unsigned), 0),
           coalesce(sum(signed), 0), coalesce(sum(value), 0), coalesce(sum(due), 0)
    FROM r
) t ORDER BY is_total, lower(name) COLLATE \"C\", id";

/// `report pipeline`: one line per sales collaborator, then the total.
pub fn pipeline(s: &mut Session<'_>) -> Result<Vec<PipelineRow>> {
    s.query(PIPELINE, &[])?
        .iter()
        .map(|r| {
            Ok(PipelineRow {
                sales_contact_id: col(r, 1)?,
                sales_contact: col(r, 2)?,
                clients: col(r, 3)?,
                unsigned_contracts: col(r, 4)?,
                signed_contracts: col(r, 5)?,
                signed_value: Cents(col(r, 6)?),
                amount_due: Cents(col(r, 7)?),
            })
        })
        .collect()
}

/// The months are the months in `$3` (the client's zone) from the first
/// event's to the last's in the range, each bounded by its local
/// midnights; each month's and each support collaborator's figures are one
/// index range (`LATERAL`), never a sort of the events.
const EVENTS: &str = "
WITH lim AS (SELECT (SELECT min(start_at) FROM events WHERE start_at >= $1 AND start_at < $2) AS lo,
                    (SELECT max(start_at) FROM events WHERE start_at >= $1 AND start_at < $2) AS hi),
     b AS (SELECT to_char(m, 'YYYY-MM') AS month,
                  greatest($1, m AT TIME ZONE $3) AS lo,
                  least($2, (m + interval '1 month') AT TIME ZONE $3) AS hi
           FROM lim, generate_series(date_trunc('month', lim.lo AT TIME ZONE $3),
                                     date_trunc('month', lim.hi AT TIME ZONE $3),
                                     interval '1 month') AS m
           WHERE lim.lo IS NOT NULL),
     mm AS (SELECT b.month, x.n, x.a, x.u FROM b CROSS JOIN LATERAL (
                SELECT count(*) AS n, coalesce(sum(attendees), 0) AS a,
                       count(*) FILTER (WHERE support_contact_id IS NULL) AS u
                FROM events WHERE start_at >= b.lo AND start_at < b.hi) x)
SELECT part, month, sid, sname, n::bigint, a::bigint, u::bigint FROM (
    SELECT 0 AS part, month, NULL::bigint AS sid, NULL::text AS sname, n, a, u FROM mm
    UNION ALL
    SELECT 1, NULL, co.id, co.full_name, x.n, x.a, NULL
    FROM collaborators co CROSS JOIN LATERAL (
        SELECT count(*) AS n, coalesce(sum(attendees), 0) AS a FROM events
        WHERE support_contact_id = co.id AND start_at >= $1 AND start_at < $2) x
    WHERE co.department_id = (SELECT id FROM departments WHERE name = 'support')
    UNION ALL
    SELECT 2, NULL, NULL, NULL, coalesce(sum(n), 0), coalesce(sum(a), 0), coalesce(sum(u), 0)
    FROM mm
) t ORDER BY part, month, lower(sname) COLLATE \"C\", sid";

/// `report events` of the events starting in `[from, before)`: one line
/// per month in `zone` (the client's local zone), one per support
/// collaborator, then the total.
pub fn events(s: &mut Session<'_>, from: i64, before: i64) -> Result<Vec<EventsRow>> {
    let zone = local_zone();
    s.query(EVENTS, &[&instant(from), &instant(before), &zone])?
        .iter()
        .map(events_row)
        .collect()
}

fn events_row(r: &Row) -> Result<EventsRow> {
    let part: i32 = col(r, 0)?;
    Ok(EventsRow {
        section: match part {
            0 => EventsSection::Month,
            1 => EventsSection::Support,
            _ => EventsSection::Total,
        },
        month: col(r, 1)?,
        support_contact_id: col(r, 2)?,
        support_contact: col(r, 3)?,
        events: col(r, 4)?,
        attendees: col(r, 5)?,
        without_support: col(r, 6)?,
    })
}

/// The IANA name of the local time zone, as SQLite's `localtime` and
/// chrono's `Local` see it: `TZ` (`Europe/Paris`, `:Europe/Paris` or a
/// zoneinfo path), else the target of `/etc/localtime`, else Debian's
/// `/etc/timezone`, else `UTC`.
fn local_zone() -> String {
    let from_path = |p: &str| {
        p.rsplit_once("zoneinfo/")
            .map(|(_, name)| name.to_string())
            .unwrap_or_else(|| p.to_string())
    };
    if let Ok(tz) = std::env::var("TZ") {
        let tz = tz.trim().trim_start_matches(':');
        if !tz.is_empty() {
            return from_path(tz);
        }
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        return from_path(&target.to_string_lossy());
    }
    match std::fs::read_to_string("/etc/timezone") {
        Ok(name) if !name.trim().is_empty() => name.trim().to_string(),
        _ => "UTC".to_string(),
    }
}

const DUE: &str = "
WITH b(ord, age) AS (VALUES (0, '0-30'), (1, '31-60'), (2, '61-90'), (3, 'over 90')),
     d AS (SELECT CASE WHEN floor(extract(epoch FROM $1 - signed_at) / 86400) <= 30 THEN 0
                       WHEN floor(extract(epoch FROM $1 - signed_at) / 86400) <= 60 THEN 1
                       WHEN floor(extract(epoch FROM $1 - signed_at) / 86400) <= 90 THEN 2
                       ELSE 3 END AS ord,
                  count(*) AS n, sum(due_cents) AS due, min(signed_at) AS oldest
           FROM contracts WHERE due_cents > 0 AND signed_at IS NOT NULL
           GROUP BY 1)
SELECT ord, age, n::bigint, due::bigint, oldest FROM (
    SELECT b.ord, b.age, coalesce(d.n, 0) AS n, coalesce(d.due, 0) AS due, d.oldest
    FROM b LEFT JOIN d ON d.ord = b.ord
    UNION ALL
    SELECT 4, 'total', coalesce(sum(n), 0), coalesce(sum(due), 0), min(oldest) FROM d
) t ORDER BY ord";

/// `report due` at `now`: the signed contracts with something still due,
/// by whole days since their signature, then the total.
pub fn due(s: &mut Session<'_>, now: i64) -> Result<Vec<DueRow>> {
    s.query(DUE, &[&instant(now)])?
        .iter()
        .map(|r| {
            Ok(DueRow {
                age: col(r, 1)?,
                contracts: col(r, 2)?,
                amount_due: Cents(col(r, 3)?),
                oldest_signed_at: col(r, 4)?,
            })
        })
        .collect()
}
