//! Contracts, their signature and their payments.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::query::Filter;
use super::{constraint, instant};
use crate::domain::Money;
use crate::error::{Error, Result};
use crate::store::ListQuery;
use crate::store::model::audit::Payment;
pub use crate::store::model::contracts::*;

const SELECT: &str = "SELECT ct.id, ct.client_id, cl.full_name, cl.sales_contact_id,
                             ct.total_cents, ct.due_cents, ct.signed_at, ct.created_at,
                             ct.updated_at
                      FROM contracts ct JOIN clients cl ON cl.id = ct.client_id";

pub(crate) const SORTABLE: &[(&str, &str)] = &[
    ("id", "ct.id"),
    ("client_id", "ct.client_id"),
    ("client_name", "cl.full_name COLLATE NOCASE"),
    ("sales_contact_id", "cl.sales_contact_id"),
    ("total_amount", "ct.total_cents"),
    ("amount_due", "ct.due_cents"),
    ("signed", "ct.signed_at IS NOT NULL"),
    ("signed_at", "ct.signed_at"),
    ("created_at", "ct.created_at"),
    ("updated_at", "ct.updated_at"),
];

fn money(cents: i64) -> rusqlite::Result<Money> {
    Money::from_cents(cents).ok_or(rusqlite::Error::IntegralValueOutOfRange(4, cents))
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Contract> {
    let signed_at: Option<i64> = r.get(6)?;
    Ok(Contract {
        id: r.get(0)?,
        client_id: r.get(1)?,
        client_name: r.get(2)?,
        sales_contact_id: r.get(3)?,
        total_amount: money(r.get(4)?)?,
        amount_due: money(r.get(5)?)?,
        signed: signed_at.is_some(),
        signed_at: signed_at.map(instant),
        created_at: instant(r.get(7)?),
        updated_at: instant(r.get(8)?),
    })
}

/// Inserts a contract owing its total; a smaller amount due is a deposit
/// already received, recorded in the ledger in the same transaction.
pub fn insert(c: &Connection, new: &NewContract) -> Result<i64> {
    let now = super::now();
    let created = new.created_at.unwrap_or(now);
    c.prepare_cached(
        "INSERT INTO contracts (id, client_id, total_cents, due_cents, signed_at, created_at,
                                updated_at)
         VALUES (?5, ?1, ?2, ?2, ?3, ?4, max(?4, ?6))",
    )?
    .execute(params![
        new.client_id,
        new.total.cents(),
        new.signed_at,
        created,
        new.id,
        now
    ])
    .map_err(|e| constraint(e, &[]))?;
    let id = c.last_insert_rowid();
    let deposit = new.total.cents() - new.due.cents();
    if deposit > 0 {
        c.prepare_cached(
            "INSERT INTO payments (contract_id, kind, amount_cents, paid_at, recorded_by)
             VALUES (?1, 'payment', ?2, ?3, ?4)",
        )?
        .execute(params![id, deposit, created, new.recorded_by])
        .map_err(|e| constraint(e, &[]))?;
    }
    Ok(id)
}

/// The contract with this id.
pub fn get(c: &Connection, id: i64) -> Result<Contract> {
    c.prepare_cached(&format!("{SELECT} WHERE ct.id = ?1"))?
        .query_row([id], from_row)
        .optional()?
        .ok_or_else(|| Error::not_found("contract", id))
}

/// Lists contracts.
pub fn list(c: &Connection, filter: &ContractFilter, q: &ListQuery) -> Result<Vec<Contract>> {
    crate::store::collect(|visit| each(c, filter, q, visit))
}

/// Calls `f` with each of the contracts `list` would return, in order, as the
/// query yields them: nothing is held in memory but the current row.
pub fn each(
    c: &Connection,
    filter: &ContractFilter,
    q: &ListQuery,
    mut visit: impl FnMut(Contract) -> Result<()>,
) -> Result<()> {
    let mut f = Filter::default();
    if filter.unsigned {
        f.add("ct.signed_at IS NULL");
    }
    if filter.unpaid {
        f.add("ct.due_cents > 0");
    }
    if let Some(id) = filter.sales_contact_id {
        f.bind("cl.sales_contact_id = ?", [Value::Integer(id)]);
    }
    if let Some(id) = filter.client_id {
        f.bind("ct.client_id = ?", [Value::Integer(id)]);
    }
    if let Some(text) = &filter.search {
        f.search("cl.full_name LIKE ? ESCAPE '\\'", text, 1);
    }
    if let Some(t) = filter.created_from {
        f.bind("ct.created_at >= ?", [Value::Integer(t)]);
    }
    if let Some(t) = filter.created_before {
        f.bind("ct.created_at < ?", [Value::Integer(t)]);
    }
    f.each(c, SELECT, &q.tail(SORTABLE, "ct.id")?, from_row, &mut visit)
}

/// Sets the total; the amount due follows (total minus the ledger). A
/// conflict if the ledger already holds more than the new total.
pub fn set_total(c: &Connection, id: i64, total: Money) -> Result<()> {
    let paid = paid(c, id)?;
    if total < paid {
        get(c, id)?;
        return Err(Error::conflict(format!(
            "--total: {total} is less than the {paid} already paid on contract {id}"
        )));
    }
    let n = c
        .prepare_cached(
            "UPDATE contracts SET total_cents = ?2, due_cents = ?3,
                                  updated_at = max(?4, created_at)
             WHERE id = ?1",
        )?
        .execute(params![
            id,
            total.cents(),
            total.cents() - paid.cents(),
            super::now()
        ])
        .map_err(|e| constraint(e, &[]))?;
    if n == 0 {
        return Err(Error::not_found("contract", id));
    }
    Ok(())
}

/// Records an adjustment: lowers the amount due by `cents` (raises it when
/// negative), with its reason. Returns the new amount due.
pub fn adjust(
    c: &Connection,
    id: i64,
    cents: i64,
    reason: &str,
    recorded_by: i64,
) -> Result<Money> {
    let contract = get(c, id)?;
    let due = contract.amount_due.cents() - cents;
    if due < 0 || due > contract.total_amount.cents() {
        return Err(Error::conflict(format!(
            "--due: the amount due must stay between 0 and the total {} of contract {id}",
            contract.total_amount
        )));
    }
    let now = super::now();
    c.prepare_cached(
        "INSERT INTO payments (contract_id, kind, amount_cents, reason, paid_at, recorded_by)
         VALUES (?1, 'adjustment', ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, cents, reason, now, recorded_by])
    .map_err(|e| constraint(e, &[]))?;
    touch(c, id, now)?;
    Ok(get(c, id)?.amount_due)
}

fn touch(c: &Connection, id: i64, now: i64) -> Result<()> {
    c.prepare_cached("UPDATE contracts SET updated_at = max(?2, created_at) WHERE id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// Signs the contract now. A conflict if it is already signed.
pub fn sign(c: &Connection, id: i64) -> Result<()> {
    let now = super::now();
    let n = c
        .prepare_cached(
            "UPDATE contracts SET signed_at = ?2, updated_at = max(?2, created_at)
             WHERE id = ?1 AND signed_at IS NULL",
        )?
        .execute(params![id, now])?;
    if n == 0 {
        get(c, id)?; // not found?
        return Err(Error::conflict(format!("contract {id} is already signed")));
    }
    Ok(())
}

/// Records a payment; the ledger trigger lowers the amount due. The write
/// transaction is IMMEDIATE, so the check and the insert see the same due.
/// Returns the new amount due.
pub fn pay(c: &Connection, id: i64, amount: Money, recorded_by: i64) -> Result<Money> {
    let contract = get(c, id)?;
    if amount > contract.amount_due {
        return Err(Error::conflict(format!(
            "amount: {amount} is more than the {} still due on contract {id}",
            contract.amount_due
        )));
    }
    let now = super::now();
    c.prepare_cached(
        "INSERT INTO payments (contract_id, kind, amount_cents, paid_at, recorded_by)
         VALUES (?1, 'payment', ?2, ?3, ?4)",
    )?
    .execute(params![id, amount.cents(), now, recorded_by])
    .map_err(|e| constraint(e, &[]))?;
    touch(c, id, now)?;
    Ok(get(c, id)?.amount_due)
}

/// Sum of the payments recorded on a contract.
pub fn paid(c: &Connection, id: i64) -> Result<Money> {
    let cents: i64 = c.query_row(
        "SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE contract_id = ?1",
        [id],
        |r| r.get(0),
    )?;
    Ok(money(cents)?)
}

/// The contract's ledger, oldest first, with the running totals.
pub fn payments(c: &Connection, id: i64) -> Result<Vec<Payment>> {
    let total = get(c, id)?.total_amount.cents();
    let mut stmt = c.prepare_cached(
        "SELECT p.id, p.contract_id, p.paid_at, p.kind, p.amount_cents, p.reason,
                p.recorded_by, co.full_name,
                sum(p.amount_cents) OVER (ORDER BY p.id ROWS UNBOUNDED PRECEDING)
         FROM payments p LEFT JOIN collaborators co ON co.id = p.recorded_by
         WHERE p.contract_id = ?1 ORDER BY p.id",
    )?;
    let rows = stmt.query_map([id], |r| {
        let paid_total: i64 = r.get(8)?;
        Ok(Payment {
            id: r.get(0)?,
            contract_id: r.get(1)?,
            paid_at: instant(r.get(2)?),
            kind: r.get(3)?,
            amount: r.get(4)?,
            reason: r.get(5)?,
            recorded_by_id: r.get(6)?,
            recorded_by: r.get(7)?,
            paid_total,
            amount_due: total - paid_total,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a contract (the foreign keys refuse while events or payments
/// point to it).
pub fn delete(c: &Connection, id: i64) -> Result<()> {
    let n = c
        .prepare_cached("DELETE FROM contracts WHERE id = ?1")?
        .execute([id])
        .map_err(|e| constraint(e, &[]))?;
    if n == 0 {
        return Err(Error::not_found("contract", id));
    }
    Ok(())
}
