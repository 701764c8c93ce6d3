//! `client add | list | show | update | reassign | import`.

use std::io::Write;

use clap::{Args, Subcommand};
use serde_json::json;

use super::context::Tx;
use super::import::{first_error, keep};
use super::{Context, ListOpts, ShowOpts};
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
    /// Import clients from a CSV file, all or nothing (sales: as their
    /// sales contact; management: for the sales contact of each row)
    Import(super::import::ClientImportArgs),
}

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
    /// Only clients whose sales contact you are
    #[arg(long, conflicts_with = "sales")]
    pub mine: bool,
    /// Only names, emails or companies containing TEXT
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Only clients of this sales contact
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
                    (Some(key), _) => Some(c.find_collaborator(key)?.id),
                    (None, true) => Some(actor.id),
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
        Verb::Import(args) => super::import::clients(ctx, &args),
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
    tx.audit(
        "create",
        "client",
        id,
        json!({"sales_contact_id": sales_contact_id}),
    )?;
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
        tx.audit("update", "client", args.id, json!({"fields": fields}))?;
        Ok(Output::Record(record(&tx.conn.client(args.id)?)))
    })
}

/// `None` for an empty (or blank) value, which clears an optional field.
fn clearable(value: &str, parse: impl Fn(&str) -> Result<String>) -> Result<Option<String>> {
    if value.trim().is_empty() {
        Ok(None)
    } else {
        parse(value).map(Some)
    }
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
        tx.audit(
            "reassign",
            "client",
            id,
            json!({"from": before.sales_contact_id, "to": target.id}),
        )?;
        Ok(Output::Record(record(&tx.conn.client(id)?)))
    })
}
