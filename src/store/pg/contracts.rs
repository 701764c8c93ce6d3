//! Contracts and the payment ledger on PostgreSQL. The amount due follows
//! from the ledger: the schema's triggers lower it on every payment and
//! refuse any other change that would break `due = total − Σ payments`.

use chrono::{DateTime, Utc};
use postgres::Row;

use super::Session;
use super::query::{Filter, Value, col};
use crate::domain::Money;
use crate::error::{Error, Result};
use crate::store::audit::Payment;
use crate::store::contracts::{Contract, ContractFilter, NewContract};
use crate::store::{ListQuery, Visit, instant, now};

const SELECT: &str = "SELECT ct.id, ct.client_id, cl.full_name, cl.sales_contact_id,
                             ct.total_cents, ct.due_cents, ct.signed_at, ct.created_at,
                             ct.updated_at
                      FROM contracts ct JOIN clients cl ON cl.id = ct.client_id";

const SORTABLE: &[(&str, &str)] = &[
    ("id", "ct.id"),
    ("client_id", "ct.client_id"),
    ("client_name", "lower(cl.full_name) COLLATE \"C\""),
    ("sales_contact_id", "cl.sales_contact_id"),
    ("total_amount", "ct.total_cents"),
    ("amount_due", "ct.due_cents"),
    ("signed", "ct.signed_at IS NOT NULL"),
    ("signed_at", "ct.signed_at"),
    ("created_at", "ct.created_at"),
    ("updated_at", "ct.updated_at"),
];

fn money(cents: i64) -> Result<Money> {
    Money::from_cents(cents)
        .ok_or_else(|| Error::internal(format!("amount out of range in the database: {cents}")))
}

fn from_row(r: &Row) -> Result<Contract> {
    let signed_at: Option<DateTime<Utc>> = col(r, 6)?;
    Ok(Contract {
        id: col(r, 0)?,
        client_id: col(r, 1)?,
        client_name: col(r, 2)?,
        sales_contact_id: col(r, 3)?,
        total_amount: money(col(r, 4)?)?,
        amount_due: money(col(r, 5)?)?,
        signed: signed_at.is_some(),
        signed_at,
        created_at: col(r, 7)?,
        updated_at: col(r, 8)?,
    })
}

/// Inserts a contract, due = total; a smaller amount due is a deposit
/// already received, recorded in the ledger in the same transaction.
pub fn insert(s: &mut Session<'_>, new: &NewContract) -> Result<i64> {
    let now = now();
    let created = instant(new.created_at.unwrap_or(now));
    let updated = instant(now.max(new.created_at.unwrap_or(now)));
    let signed = new.signed_at.map(instant);
    let total = new.total.cents();
    let row = match new.id {
        Some(id) => {
            let r = s.query_one(
                "INSERT INTO contracts (id, client_id, total_cents, due_cents, signed_at,
                                        created_at, updated_at)
                 OVERRIDING SYSTEM VALUE
                 VALUES ($1, $2, $3, $3, $4, $5, $6) RETURNING id",
                &[&id, &new.client_id, &total, &signed, &created, &updated],
            )?;
            s.execute(
                "SELECT setval(pg_get_serial_sequence('epic.contracts', 'id'),
                               (SELECT max(id) FROM contracts))",
                &[],
            )?;
            r
        }
        None => s.query_one(
            "INSERT INTO contracts (client_id, total_cents, due_cents, signed_at, created_at,
                                    updated_at)
             VALUES ($1, $2, $2, $3, $4, $5) RETURNING id",
            &[&new.client_id, &total, &signed, &created, &updated],
        )?,
    };
    let id: i64 = col(&row, 0)?;
    let deposit = total - new.due.cents();
    if deposit > 0 {
        s.execute(
            "INSERT INTO payments (contract_id, amount_cents, paid_at, recorded_by, kind)
             VALUES ($1, $2, $3, $4, 'payment')",
            &[&id, &deposit, &created, &new.recorded_by],
        )?;
    }
    Ok(id)
}

/// The contract with this id.
pub fn get(s: &mut Session<'_>, id: i64) -> Result<Contract> {
    match s.query_opt(&format!("{SELECT} WHERE ct.id = $1"), &[&id])? {
        Some(r) => from_row(&r),
        None => Err(Error::not_found("contract", id)),
    }
}

/// Calls `visit` with each contract `list` would return, in order.
pub fn each(
    s: &mut Session<'_>,
    filter: &ContractFilter,
    q: &ListQuery,
    visit: Visit<'_, Contract>,
) -> Result<()> {
    let mut f = Filter::default();
    if filter.unsigned {
        f.add("ct.signed_at IS NULL");
    }
    if filter.unpaid {
        f.add("ct.due_cents > 0");
    }
    if let Some(id) = filter.sales_contact_id {
        f.bind("cl.sales_contact_id = ?", [Box::new(id) as Value]);
    }
    if let Some(id) = filter.client_id {
        f.bind("ct.client_id = ?", [Box::new(id) as Value]);
    }
    if let Some(text) = &filter.search {
        f.search("cl.full_name ILIKE ? ESCAPE '\\'", text, 1);
    }
    if let Some(t) = filter.created_from {
        f.bind("ct.created_at >= ?", [Box::new(instant(t)) as Value]);
    }
    if let Some(t) = filter.created_before {
        f.bind("ct.created_at < ?", [Box::new(instant(t)) as Value]);
    }
    let sql = format!("{SELECT}{}{}", f.sql(), q.tail(SORTABLE, "ct.id")?);
    s.each(&sql, &f.params(), &mut |r| visit(from_row(r)?))
}

/// Sets the total; the amount due follows (total minus the ledger). A
/// conflict if the ledger already holds more than the new total.
pub fn set_total(s: &mut Session<'_>, id: i64, total: Money) -> Result<()> {
    let paid = paid(s, id)?;
    if total < paid {
        get(s, id)?;
        return Err(Error::conflict(format!(
            "--total: {total} is less than the {paid} already paid on contract {id}"
        )));
    }
    let n = s.execute(
        "UPDATE contracts SET total_cents = $2, due_cents = $2::bigint - $3::bigint,
                              updated_at = greatest($4, created_at)
         WHERE id = $1",
        &[&id, &total.cents(), &paid.cents(), &instant(now())],
    )?;
    if n == 0 {
        return Err(Error::not_found("contract", id));
    }
    Ok(())
}

/// Records an adjustment: lowers the amount due by `cents` (raises it when
/// negative), with its reason. Returns the new amount due.
pub fn adjust(
    s: &mut Session<'_>,
    id: i64,
    cents: i64,
    reason: &str,
    recorded_by: i64,
) -> Result<Money> {
    let contract = get(s, id)?;
    let due = contract.amount_due.cents() - cents;
    if due < 0 || due > contract.total_amount.cents() {
        return Err(Error::conflict(format!(
            "--due: the amount due must stay between 0 and the total {} of contract {id}",
            contract.total_amount
        )));
    }
    let now = instant(now());
    s.execute(
        "INSERT INTO payments (contract_id, kind, amount_cents, reason, paid_at, recorded_by)
         VALUES ($1, 'adjustment', $2, $3, $4, $5)",
        &[&id, &cents, &reason, &now, &recorded_by],
    )?;
    s.execute(
        "UPDATE contracts SET updated_at = greatest($2, created_at) WHERE id = $1",
        &[&id, &now],
    )?;
    Ok(get(s, id)?.amount_due)
}

/// Signs the contract now (a conflict if it already is).
pub fn sign(s: &mut Session<'_>, id: i64) -> Result<()> {
    let now = instant(now());
    let n = s.execute(
        "UPDATE contracts SET signed_at = $2, updated_at = greatest($2, created_at)
         WHERE id = $1 AND signed_at IS NULL",
        &[&id, &now],
    )?;
    if n == 0 {
        get(s, id)?;
        return Err(Error::conflict(format!("contract {id} is already signed")));
    }
    Ok(())
}

/// Records a payment. Under SERIALIZABLE the check and the insert are one
/// atomic step: of two payments that together exceed the amount due, one
/// commits and the other is retried and refused. Returns the new due.
pub fn pay(s: &mut Session<'_>, id: i64, amount: Money, recorded_by: i64) -> Result<Money> {
    let contract = get(s, id)?;
    if amount > contract.amount_due {
        return Err(Error::conflict(format!(
            "amount: {amount} is more than the {} still due on contract {id}",
            contract.amount_due
        )));
    }
    let now = instant(now());
    s.execute(
        "INSERT INTO payments (contract_id, amount_cents, paid_at, recorded_by, kind)
         VALUES ($1, $2, $3, $4, 'payment')",
        &[&id, &amount.cents(), &now, &recorded_by],
    )?;
    s.execute(
        "UPDATE contracts SET updated_at = greatest($2, created_at) WHERE id = $1",
        &[&id, &now],
    )?;
    Ok(get(s, id)?.amount_due)
}

/// Sum of the payments recorded on a contract.
pub fn paid(s: &mut Session<'_>, id: i64) -> Result<Money> {
    let r = s.query_one(
        "SELECT coalesce(sum(amount_cents), 0)::bigint FROM payments WHERE contract_id = $1",
        &[&id],
    )?;
    money(col(&r, 0)?)
}

/// The contract's ledger, oldest first, with the running totals.
pub fn payments(s: &mut Session<'_>, id: i64) -> Result<Vec<Payment>> {
    let total = get(s, id)?.total_amount.cents();
    let rows = s.query(
        "SELECT p.id, p.contract_id, p.paid_at, p.kind, p.amount_cents, p.reason,
                p.recorded_by, co.full_name,
                (sum(p.amount_cents) OVER (ORDER BY p.id ROWS UNBOUNDED PRECEDING))::bigint
         FROM payments p LEFT JOIN collaborators co ON co.id = p.recorded_by
         WHERE p.contract_id = $1 ORDER BY p.id",
        &[&id],
    )?;
    rows.iter()
        .map(|r| {
            let paid_total: i64 = col(r, 8)?;
            Ok(Payment {
                id: col(r, 0)?,
                contract_id: col(r, 1)?,
                paid_at: col(r, 2)?,
                kind: col(r, 3)?,
                amount: col(r, 4)?,
                reason: col(r, 5)?,
                recorded_by_id: col(r, 6)?,
                recorded_by: col(r, 7)?,
                paid_total,
                amount_due: total - paid_total,
            })
        })
        .collect()
}

/// Deletes a contract (the foreign keys refuse while events or payments
/// point to it).
pub fn delete(s: &mut Session<'_>, id: i64) -> Result<()> {
    if s.execute("DELETE FROM contracts WHERE id = $1", &[&id])? == 0 {
        return Err(Error::not_found("contract", id));
    }
    Ok(())
}
