//! Table cells of each entity, straight from the typed rows: no map per row,
//! no timestamp formatted to RFC 3339 and parsed back.

use chrono::{DateTime, Utc};

use super::Tabular;
use crate::domain::when::to_display_local;
use crate::store::audit::{Payment, cents_text};
use crate::store::{
    clients::Client, collaborators::Collaborator, contracts::Contract, events::Event,
};

fn time(t: &DateTime<Utc>) -> String {
    to_display_local(*t)
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn opt_id(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

impl Tabular for Collaborator {
    fn cell(&self, key: &str) -> String {
        match key {
            "id" => self.id.to_string(),
            "employee_number" => self.employee_number.clone(),
            "full_name" => self.full_name.clone(),
            "email" => self.email.clone(),
            "department" => self.department.as_str().to_string(),
            "created_at" => time(&self.created_at),
            "updated_at" => time(&self.updated_at),
            _ => String::new(),
        }
    }
}

impl Tabular for Client {
    fn cell(&self, key: &str) -> String {
        match key {
            "id" => self.id.to_string(),
            "full_name" => self.full_name.clone(),
            "email" => self.email.clone(),
            "phone" => opt(&self.phone),
            "company_name" => opt(&self.company_name),
            "created_at" => time(&self.created_at),
            "updated_at" => time(&self.updated_at),
            "sales_contact_id" => self.sales_contact_id.to_string(),
            "sales_contact" => self.sales_contact.clone(),
            _ => String::new(),
        }
    }
}

impl Tabular for Contract {
    fn cell(&self, key: &str) -> String {
        match key {
            "id" => self.id.to_string(),
            "client_id" => self.client_id.to_string(),
            "client_name" => self.client_name.clone(),
            "sales_contact_id" => self.sales_contact_id.to_string(),
            "total_amount" => self.total_amount.to_string(),
            "amount_due" => self.amount_due.to_string(),
            "signed" => if self.signed { "yes" } else { "no" }.to_string(),
            "signed_at" => self.signed_at.as_ref().map(time).unwrap_or_default(),
            "created_at" => time(&self.created_at),
            "updated_at" => time(&self.updated_at),
            _ => String::new(),
        }
    }
}

impl Tabular for Event {
    fn cell(&self, key: &str) -> String {
        match key {
            "id" => self.id.to_string(),
            "contract_id" => self.contract_id.to_string(),
            "name" => self.name.clone(),
            "client_name" => self.client_name.clone(),
            "client_email" => self.client_email.clone(),
            "client_phone" => opt(&self.client_phone),
            "start" => time(&self.start),
            "end" => time(&self.end),
            "support_contact_id" => opt_id(self.support_contact_id),
            "support_contact" => opt(&self.support_contact),
            "location" => self.location.clone(),
            "attendees" => self.attendees.to_string(),
            "notes" => opt(&self.notes),
            "created_at" => time(&self.created_at),
            "updated_at" => time(&self.updated_at),
            _ => String::new(),
        }
    }
}

impl Tabular for Payment {
    fn cell(&self, key: &str) -> String {
        match key {
            "id" => self.id.to_string(),
            "contract_id" => self.contract_id.to_string(),
            "paid_at" => time(&self.paid_at),
            "kind" => self.kind.clone(),
            "amount" => cents_text(self.amount),
            "reason" => opt(&self.reason),
            "recorded_by_id" => opt_id(self.recorded_by_id),
            "recorded_by" => opt(&self.recorded_by),
            "paid_total" => cents_text(self.paid_total),
            "amount_due" => cents_text(self.amount_due),
            _ => String::new(),
        }
    }
}
