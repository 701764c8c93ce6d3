//! `contract add | list | show | update | sign | pay | payments | history | delete`.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;

use super::history::{self, HistoryArgs};
use super::{Context, DeleteArgs, ListOpts, ShowOpts};
use crate::domain::{Money, Text};
use crate::error::{Error, Result};
use crate::policy::{self, Action};
use crate::render::{Output, record};
use crate::report::BusinessEvent;
use crate::store::contracts;

/// Most characters in the reason of a ledger adjustment.
const REASON_MAX: usize = 500;

/// Output keys of a contract (SPEC.md "Output contract").
pub const KEYS: &[&str] = &[
    "id",
    "client_id",
    "client_name",
    "sales_contact_id",
    "total_amount",
    "amount_due",
    "signed",
    "signed_at",
    "created_at",
    "updated_at",
];

const TABLE_KEYS: &[&str] = &[
    "id",
    "client_id",
    "client_name",
    "sales_contact_id",
    "total_amount",
    "amount_due",
    "signed",
    "signed_at",
];

/// The verbs of `contract`.
#[derive(Debug, Clone, Subcommand)]
pub enum Verb {
    /// Draw up a contract for a client (management)
    Add(AddArgs),
    /// List contracts
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show one contract
    Show {
        /// Contract id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Change the total (management, or the client's sales contact); the amount due follows
    ///
    /// The amount due is always the total minus the recorded payments. Only
    /// management may adjust it beyond that, with --due and a --reason; the
    /// adjustment is kept in the ledger and the audit log.
    Update {
        /// Contract id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        /// New total amount
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
        total: Option<String>,
        /// Adjust the amount still due to AMOUNT (management; needs --reason)
        #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
        due: Option<String>,
        /// Why the amount due is adjusted (kept in the ledger)
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Mark a contract as signed (management, or the client's sales contact)
    Sign {
        /// Contract id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Record a payment: lowers the amount due (management, or the client's sales contact)
    Pay {
        /// Contract id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        /// Amount paid, e.g. 1500 or "1 500,50"
        #[arg(allow_hyphen_values = true)]
        amount: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// List the payments and adjustments of a contract, with the amount due after each
    ///
    /// The ledger, oldest first: each payment (or management's adjustment,
    /// with its reason), who recorded it, the total paid so far and what
    /// remained due after it (the contract's current total minus the
    /// ledger up to that entry).
    Payments {
        /// Contract id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ListOpts,
    },
    /// Show what changed on a contract, by whom and when (newest first)
    History(HistoryArgs),
    /// Delete a contract without events or payments (management)
    ///
    /// A contract with events is refused (delete the events first); one
    /// with payments or adjustments in its ledger is always refused: the
    /// ledger is never lost. Asks for confirmation on a terminal; --yes
    /// skips the question (required in scripts).
    #[command(visible_alias = "rm")]
    Delete(DeleteArgs),
}

/// Output keys of a ledger entry (`contract payments`).
pub const PAYMENT_KEYS: &[&str] = &[
    "id",
    "contract_id",
    "paid_at",
    "kind",
    "amount",
    "reason",
    "recorded_by_id",
    "recorded_by",
    "paid_total",
    "amount_due",
];

const PAYMENT_TABLE_KEYS: &[&str] = &[
    "id",
    "paid_at",
    "kind",
    "amount",
    "recorded_by",
    "paid_total",
    "amount_due",
    "reason",
];

/// Arguments of `contract add`.
#[derive(Debug, Clone, Args)]
pub struct AddArgs {
    /// Client id
    #[arg(long, value_parser = super::parse_id, allow_negative_numbers = true)]
    pub client: i64,
    /// Total amount in euros, e.g. 12500, 12500.5 or "12 500,50"
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub total: String,
    /// Amount still due (default: the total)
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub due: Option<String>,
    /// Signed already
    #[arg(long)]
    pub signed: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Arguments of `contract list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only contracts not signed yet
    #[arg(long)]
    pub unsigned: bool,
    /// Only contracts with an amount still due
    #[arg(long)]
    pub unpaid: bool,
    /// Only contracts of your clients (sales only: no one else has clients)
    #[arg(long, conflicts_with = "sales")]
    pub mine: bool,
    /// Only this client's contracts
    #[arg(long, value_name = "ID", value_parser = super::parse_id, allow_negative_numbers = true)]
    pub client: Option<i64>,
    /// Only contracts of the clients of this sales contact (who must be in sales)
    #[arg(long, value_name = "ID|EMAIL")]
    pub sales: Option<String>,
    /// Only contracts whose client's name contains TEXT (any case)
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only contracts created at or after WHEN
    #[arg(long, value_name = "WHEN")]
    pub from: Option<String>,
    /// Only contracts created up to WHEN (a date alone: to the end of that day)
    #[arg(long, value_name = "WHEN")]
    pub to: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ListOpts,
}

/// Runs a `contract` verb.
pub fn execute(ctx: &mut Context, verb: Verb, out: &mut dyn Write) -> Result<Output> {
    match verb {
        Verb::Add(args) => add(ctx, &args),
        Verb::List(args) => {
            let q = args.opts.query();
            let created = super::finding::Range::parse(args.from.as_deref(), args.to.as_deref())?;
            ctx.read(|c, actor| {
                if let Some(id) = args.client {
                    c.client(id)?; // an unknown client is an error, not an empty list
                }
                let sales_contact_id = match (&args.sales, args.mine) {
                    (Some(key), _) => Some(super::finding::staff_in(
                        c,
                        "--sales",
                        key,
                        crate::domain::Department::Sales,
                    )?),
                    (None, true) => Some(super::finding::mine_as_sales(actor, "contracts")?),
                    (None, false) => None,
                };
                let filter = contracts::ContractFilter {
                    unsigned: args.unsigned,
                    unpaid: args.unpaid,
                    sales_contact_id,
                    client_id: args.client,
                    search: args.search.clone(),
                    created_from: created.from,
                    created_before: created.before,
                };
                super::list_rows(out, &args.opts, KEYS, TABLE_KEYS, |visit| {
                    c.each_contract(&filter, &q, visit)
                })
            })
        }
        Verb::Show { id, .. } => ctx.read(|c, _| Ok(Output::Record(record(&c.contract(id)?)))),
        Verb::Update {
            id,
            total,
            due,
            reason,
            ..
        } => update(ctx, id, total.as_deref(), due.as_deref(), reason.as_deref()),
        Verb::Sign { id, .. } => sign(ctx, id),
        Verb::Pay { id, amount, opts } => pay(ctx, id, &amount, opts.format),
        Verb::Payments { id, opts } => ctx.read(|c, _| {
            let rows = c.contract_payments(id)?;
            super::list_rows(out, &opts, PAYMENT_KEYS, PAYMENT_TABLE_KEYS, |visit| {
                rows.into_iter().try_for_each(visit)
            })
        }),
        Verb::History(HistoryArgs { id, opts }) => {
            history::record_history(ctx, "contract", id, &opts, out, |c, id| {
                c.contract(id).map(|_| ())
            })
        }
        Verb::Delete(args) => super::delete(ctx, &args, &DELETE),
    }
}

/// Deleting a contract: refused while events or payments depend on it.
const DELETE: super::Deletion = super::Deletion {
    entity: "contract",
    load: |c, id| {
        let row = c.contract(id)?;
        Ok((format!("contract {id} ({})", row.client_name), record(&row)))
    },
    dependants: |c, id| {
        let events = c.list_events(
            &crate::store::events::EventFilter {
                contract_id: Some(id),
                ..Default::default()
            },
            &crate::store::ListQuery::default(),
        )?;
        if !events.is_empty() {
            return Err(super::has_dependants(
                &format!("contract {id}"),
                "events",
                events.iter().map(|e| e.id),
                "delete them first",
            ));
        }
        let ledger = c.contract_payments(id)?;
        if !ledger.is_empty() {
            return Err(Error::conflict(format!(
                "contract {id} has {} entries in its payment ledger; a contract with payments \
                 is never deleted (the ledger is kept)",
                ledger.len()
            )));
        }
        Ok(())
    },
    delete: |c, id| c.delete_contract(id),
};

fn add(ctx: &mut Context, args: &AddArgs) -> Result<Output> {
    let total = Money::parse("--total", &args.total)?;
    let due = match &args.due {
        Some(d) => Money::parse("--due", d)?,
        None => total,
    };
    if due > total {
        return Err(Error::invalid(
            "--due",
            format!("{due} is more than the total {total}"),
        ));
    }
    ctx.write(|tx| {
        policy::check(Action::ContractAdd, tx.actor.department, tx.actor.id)?;
        let client = tx.conn.client(args.client)?;
        let id = tx.conn.insert_contract(&contracts::NewContract {
            id: None,
            client_id: client.id,
            total,
            due,
            signed_at: args.signed.then(crate::store::now),
            created_at: None,
            recorded_by: Some(tx.actor.id),
        })?;
        let row = tx.conn.contract(id)?;
        tx.audit("create", "contract", id, history::created_record(&row))?;
        if args.signed {
            tx.report(signed_event(&row, tx.actor.id));
        }
        Ok(Output::Created {
            id,
            record: record(&row),
        })
    })
}

fn signed_event(row: &contracts::Contract, actor_id: i64) -> BusinessEvent {
    BusinessEvent::ContractSigned {
        id: row.id,
        client_id: row.client_id,
        sales_contact_id: row.sales_contact_id,
        total_cents: row.total_amount.cents(),
        due_cents: row.amount_due.cents(),
        actor_id,
    }
}

fn update(
    ctx: &mut Context,
    id: i64,
    total: Option<&str>,
    due: Option<&str>,
    reason: Option<&str>,
) -> Result<Output> {
    let total = total.map(|t| Money::parse("--total", t)).transpose()?;
    let due = due.map(|d| Money::parse("--due", d)).transpose()?;
    let reason = reason
        .map(|r| Text::parse("--reason", r, REASON_MAX).map(Text::into_string))
        .transpose()?;
    match (due, &reason) {
        (Some(_), None) => {
            return Err(Error::invalid(
                "--reason",
                "required with --due: say why the amount due is adjusted",
            ));
        }
        (None, Some(_)) => {
            return Err(Error::invalid("--reason", "only goes with --due"));
        }
        _ => {}
    }
    if total.is_none() && due.is_none() {
        return Err(Error::invalid(
            "update",
            "nothing to change; give --total (or, management, --due with --reason)",
        ));
    }
    ctx.write(|tx| {
        let before = tx.conn.contract(id)?;
        if total.is_some() {
            let grant = policy::check(Action::ContractUpdate, tx.actor.department, tx.actor.id)?;
            grant.require(Some(before.sales_contact_id))?;
        }
        if due.is_some() {
            policy::check(Action::ContractAdjust, tx.actor.department, tx.actor.id)?;
        }
        let new_total = total.unwrap_or(before.total_amount);
        if let Some(due) = due
            && due > new_total
        {
            return Err(Error::invalid(
                "--due",
                format!("the amount due {due} would exceed the total {new_total}"),
            ));
        }
        if let Some(total) = total {
            tx.conn.set_contract_total(id, total)?;
        }
        let mut extra = Vec::new();
        if let (Some(due), Some(reason)) = (due, &reason) {
            let current = tx.conn.contract(id)?.amount_due;
            let cents = current.cents() - due.cents();
            if cents != 0 {
                tx.conn.adjust_contract(id, cents, reason, tx.actor.id)?;
            }
            extra.push(("adjustment", json!(crate::store::audit::cents_text(cents))));
            extra.push(("reason", json!(reason)));
        }
        let after = tx.conn.contract(id)?;
        let mut detail = history::detail(Some(&before), Some(&after));
        for (field, value) in extra {
            history::push_change(&mut detail, field, serde_json::Value::Null, value);
        }
        tx.audit("update", "contract", id, detail)?;
        Ok(Output::Record(record(&after)))
    })
}

fn sign(ctx: &mut Context, id: i64) -> Result<Output> {
    ctx.write(|tx| {
        let grant = policy::check(Action::ContractSign, tx.actor.department, tx.actor.id)?;
        let before = tx.conn.contract(id)?;
        grant.require(Some(before.sales_contact_id))?;
        tx.conn.sign_contract(id)?;
        let row = tx.conn.contract(id)?;
        tx.audit(
            "sign",
            "contract",
            id,
            history::detail(Some(&before), Some(&row)),
        )?;
        tx.report(signed_event(&row, tx.actor.id));
        Ok(Output::Record(record(&row)))
    })
}

fn pay(ctx: &mut Context, id: i64, amount: &str, format: crate::render::Format) -> Result<Output> {
    let amount = Money::parse("amount", amount)?;
    if amount == Money::zero() {
        return Err(Error::invalid("amount", "must be more than 0"));
    }
    ctx.write(|tx| {
        let grant = policy::check(Action::ContractPay, tx.actor.department, tx.actor.id)?;
        let before = tx.conn.contract(id)?;
        grant.require(Some(before.sales_contact_id))?;
        let due = tx.conn.pay_contract(id, amount, tx.actor.id)?;
        let after = tx.conn.contract(id)?;
        let mut detail = history::detail(Some(&before), Some(&after));
        history::push_change(
            &mut detail,
            "amount",
            serde_json::Value::Null,
            json!(amount),
        );
        tx.audit("pay", "contract", id, detail)?;
        if format == crate::render::Format::Json {
            return Ok(Output::Record(record(&after)));
        }
        Ok(Output::Message(format!(
            "recorded {amount} on contract {id}; {due} still due"
        )))
    })
}
