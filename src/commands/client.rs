//! `client add | list | show | update | reassign | history | delete | import`.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;

use super::context::Tx;
use super::fields::{clearable, first_error, keep};
use super::history::{self, HistoryArgs};
use super::{Context, DeleteArgs, ListOpts, ShowOpts};
use crate::domain::text::{COMPANY_MAX, NAME_MAX};
use crate::domain::{Department, Email, Phone, Text};
use crate::error::{Error, Result};
use crate::policy::{self, Action};
use crate::render::{Output, record};
use crate::store::clients;

/// Output keys of a client (SPEC.md "Output contract").
pub const KEYS: &[&str] = &[
    "id",
    "full_name",
    "email",
    "phone",
    "company_name",
    "created_at",
    "updated_at",
    "sales_contact_id",
    "sales_contact",
];

const TABLE_KEYS: &[&str] = &[
    "id",
    "full_name",
    "email",
    "phone",
    "company_name",
    "updated_at",
    "sales_contact",
];

/// The verbs of `client`.
#[derive(Debug, Clone, Subcommand)]
pub enum Verb {
    /// Add a client; you become its sales contact (sales)
    Add(AddArgs),
    /// List clients
    #[command(visible_alias = "ls")]
    List(ListArgs),
    /// Show one client
    Show {
        /// Client id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Update one of your clients (its sales contact)
    Update(UpdateArgs),
    /// Give a client to another sales collaborator (management)
    Reassign {
        /// Client id
        #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
        id: i64,
        /// The new sales contact
        #[arg(long, value_name = "ID|EMAIL")]
        sales: String,
        #[command(flatten)]
        #[allow(missing_docs)]
        opts: ShowOpts,
    },
    /// Show what changed on a client, by whom and when (newest first)
    History(HistoryArgs),
    /// Delete a client without contracts (management)
    ///
    /// A client with contracts is refused (delete them first, if they have
    /// no events or payments). Asks for confirmation on a terminal; --yes
    /// skips the question (required in scripts). The audit log keeps the
    /// client's last values.
    #[command(visible_alias = "rm")]
    Delete(DeleteArgs),
}

/// Deleting a client: refused while contracts depend on it.
const DELETE: super::Deletion = super::Deletion {
    entity: "client",
    load: |c, id| {
        let row = c.client(id)?;
        let label = format!(
            "client {id} ({})",
            crate::domain::visible::escape(&row.full_name)
        );
        Ok((label, record(&row)))
    },
    dependants: |c, id| {
        let contracts = c.list_contracts(
            &crate::store::contracts::ContractFilter {
                client_id: Some(id),
                ..Default::default()
            },
            &crate::store::ListQuery::default(),
        )?;
        if contracts.is_empty() {
            return Ok(());
        }
        Err(super::has_dependants(
            &format!("client {id}"),
            "contracts",
            contracts.iter().map(|c| c.id),
            "delete them first (`contract delete ID`)",
        ))
    },
    delete: |c, id| c.delete_client(id),
};

/// Arguments of `client add`.
#[derive(Debug, Clone, Args)]
pub struct AddArgs {
    /// Full name
    #[arg(long)]
    pub name: String,
    /// Email (unique, case-insensitive)
    #[arg(long)]
    pub email: String,
    /// Phone, e.g. "+33 6 12 34 56 78"
    #[arg(long)]
    pub phone: Option<String>,
    /// Company name
    #[arg(long)]
    pub company: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Arguments of `client list`.
#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only clients whose sales contact you are (sales only: no one else has clients)
    #[arg(long, conflicts_with = "sales")]
    pub mine: bool,
    /// Only names, emails or companies containing TEXT
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only clients of this sales contact (who must be in sales)
    #[arg(long, value_name = "ID|EMAIL")]
    pub sales: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ListOpts,
}

/// Arguments of `client update`.
#[derive(Debug, Clone, Args)]
pub struct UpdateArgs {
    /// Client id
    #[arg(value_parser = super::parse_id, allow_negative_numbers = true)]
    pub id: i64,
    /// New full name
    #[arg(long)]
    pub name: Option<String>,
    /// New email
    #[arg(long)]
    pub email: Option<String>,
    /// New phone ("" clears it)
    #[arg(long)]
    pub phone: Option<String>,
    /// New company name ("" clears it)
    #[arg(long)]
    pub company: Option<String>,
    /// Record a contact now (sets the last-contact date)
    #[arg(long)]
    pub contacted: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub opts: ShowOpts,
}

/// Runs a `client` verb.
pub fn execute(ctx: &mut Context, verb: Verb, out: &mut dyn Write) -> Result<Output> {
    match verb {
        Verb::Add(args) => add(ctx, &args),
        Verb::List(args) => {
            let q = args.opts.query();
            ctx.read(|c, actor| {
                let sales_contact_id = match (&args.sales, args.mine) {
                    (Some(key), _) => Some(super::finding::staff_in(
                        c,
                        "--sales",
                        key,
                        Department::Sales,
                    )?),
                    (None, true) => Some(super::finding::mine_as_sales(actor, "clients")?),
                    (None, false) => None,
                };
                let filter = clients::ClientFilter {
                    sales_contact_id,
                    search: args.search.clone(),
                };
                super::list_rows(out, &args.opts, KEYS, TABLE_KEYS, |visit| {
                    c.each_client(&filter, &q, visit)
                })
            })
        }
        Verb::Show { id, .. } => ctx.read(|c, _| Ok(Output::Record(record(&c.client(id)?)))),
        Verb::Update(args) => update(ctx, &args),
        Verb::Reassign { id, sales, .. } => reassign(ctx, id, &sales),
        Verb::History(HistoryArgs { id, opts }) => {
            history::record_history(ctx, "client", id, &opts, out, |c, id| {
                c.client(id).map(|_| ())
            })
        }
        Verb::Delete(args) => super::delete(ctx, &args, &DELETE),
    }
}

fn add(ctx: &mut Context, args: &AddArgs) -> Result<Output> {
    let client = validate(
        &ADD_LABELS,
        &args.name,
        &args.email,
        args.phone.as_deref(),
        args.company.as_deref(),
    )
    .map_err(first_error)?;
    ctx.write(|tx| {
        policy::check(Action::ClientAdd, tx.actor.department, tx.actor.id)?;
        let id = insert_audited(tx, &client, tx.actor.id, None, None)?;
        let row = tx.conn.client(id)?;
        Ok(Output::Created {
            id,
            record: record(&row),
        })
    })
}

/// What the errors of [`validate`] call each field: `client add`'s flags,
/// or `client import`'s columns.
pub(crate) struct Labels {
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub company: &'static str,
}

const ADD_LABELS: Labels = Labels {
    name: "name",
    email: "email",
    phone: "phone",
    company: "company",
};

/// A new client's fields, each checked by its domain type.
#[derive(Debug, Clone)]
pub(crate) struct ValidClient {
    pub name: Text,
    pub email: Email,
    pub phone: Option<Phone>,
    pub company: Option<Text>,
}

/// Checks a new client's fields, the one set of rules `client add` and
/// `client import` share: every bad field's error, in field order.
pub(crate) fn validate(
    labels: &Labels,
    name: &str,
    email: &str,
    phone: Option<&str>,
    company: Option<&str>,
) -> std::result::Result<ValidClient, Vec<Error>> {
    let mut errors = Vec::new();
    let name = keep(&mut errors, Text::parse(labels.name, name, NAME_MAX));
    let email = keep(&mut errors, Email::parse(labels.email, email));
    let phone = phone.and_then(|p| keep(&mut errors, Phone::parse(labels.phone, p)));
    let company =
        company.and_then(|c| keep(&mut errors, Text::parse(labels.company, c, COMPANY_MAX)));
    match (name, email) {
        (Some(name), Some(email)) if errors.is_empty() => Ok(ValidClient {
            name,
            email,
            phone,
            company,
        }),
        _ => Err(errors),
    }
}

/// Inserts a checked client and its audit row, the one way `client add`
/// and `client import` create a client. The permission check is the
/// caller's; `created_at` / `updated_at` default to now.
pub(crate) fn insert_audited(
    tx: &mut Tx<'_>,
    client: &ValidClient,
    sales_contact_id: i64,
    created_at: Option<i64>,
    updated_at: Option<i64>,
) -> Result<i64> {
    let id = tx.conn.insert_client(&clients::NewClient {
        full_name: client.name.as_str(),
        email: client.email.as_str(),
        phone: client.phone.as_ref().map(Phone::as_str),
        company_name: client.company.as_ref().map(Text::as_str),
        sales_contact_id,
        created_at,
        updated_at,
    })?;
    let time = |t: Option<i64>| {
        t.map_or(serde_json::Value::Null, |t| {
            json!(crate::domain::when::to_rfc3339_local(
                crate::store::instant(t)
            ))
        })
    };
    let detail = history::created([
        ("full_name", json!(client.name.as_str())),
        ("email", json!(client.email.as_str())),
        ("phone", json!(client.phone.as_ref().map(Phone::as_str))),
        (
            "company_name",
            json!(client.company.as_ref().map(Text::as_str)),
        ),
        ("created_at", time(created_at)),
        ("sales_contact_id", json!(sales_contact_id)),
    ]);
    tx.audit("create", "client", id, detail)?;
    Ok(id)
}

fn update(ctx: &mut Context, args: &UpdateArgs) -> Result<Output> {
    let changes = clients::ClientChanges {
        full_name: args
            .name
            .as_deref()
            .map(|v| Text::parse("--name", v, NAME_MAX).map(Text::into_string))
            .transpose()?,
        email: args
            .email
            .as_deref()
            .map(|v| Email::parse("--email", v).map(Email::into_string))
            .transpose()?,
        // An empty value clears these optional fields.
        phone: args
            .phone
            .as_deref()
            .map(|v| clearable(v, |v| Phone::parse("--phone", v).map(Phone::into_string)))
            .transpose()?,
        company_name: args
            .company
            .as_deref()
            .map(|v| {
                clearable(v, |v| {
                    Text::parse("--company", v, COMPANY_MAX).map(Text::into_string)
                })
            })
            .transpose()?,
    };
    let mut fields = Vec::new();
    for (name, set) in [
        ("full_name", changes.full_name.is_some()),
        ("email", changes.email.is_some()),
        ("phone", changes.phone.is_some()),
        ("company_name", changes.company_name.is_some()),
        ("contacted", args.contacted),
    ] {
        if set {
            fields.push(name);
        }
    }
    if fields.is_empty() {
        return Err(Error::invalid(
            "update",
            "nothing to change; give --name, --email, --phone, --company or --contacted",
        ));
    }
    ctx.write(|tx| {
        let grant = policy::check(Action::ClientUpdate, tx.actor.department, tx.actor.id)?;
        let before = tx.conn.client(args.id)?;
        grant.require(Some(before.sales_contact_id))?;
        tx.conn.update_client(args.id, &changes)?;
        let after = tx.conn.client(args.id)?;
        let mut detail = history::detail(Some(&before), Some(&after));
        if args.contacted {
            // The last-contact date is the point of --contacted.
            history::push_change(
                &mut detail,
                "updated_at",
                record(&before)["updated_at"].clone(),
                record(&after)["updated_at"].clone(),
            );
        }
        tx.audit("update", "client", args.id, detail)?;
        Ok(Output::Record(record(&after)))
    })
}

fn reassign(ctx: &mut Context, id: i64, sales: &str) -> Result<Output> {
    ctx.write(|tx| {
        policy::check(Action::ClientReassign, tx.actor.department, tx.actor.id)?;
        let before = tx.conn.client(id)?;
        let target = tx.conn.find_collaborator(sales)?;
        if target.department != Department::Sales {
            return Err(Error::invalid(
                "--sales",
                format!("{} is in {}, not sales", target.email, target.department),
            ));
        }
        tx.conn.set_sales_contact(id, target.id)?;
        let after = tx.conn.client(id)?;
        tx.audit(
            "reassign",
            "client",
            id,
            history::detail(Some(&before), Some(&after)),
        )?;
        Ok(Output::Record(record(&after)))
    })
}
