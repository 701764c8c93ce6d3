//! [`SqliteDb`]: the SQLite functions of each aggregate behind [`Db`].

use std::path::Path;

use rusqlite::Connection;

use super::{audit, clients, collaborators, contracts, events, maintenance, migrate};
use crate::domain::{Department, Money};
use crate::error::Result;
use crate::store::audit::{AuditEntry, AuditFilter, Payment};
use crate::store::clients::{Client, ClientChanges, ClientFilter, NewClient};
use crate::store::collaborators::{Account, Collaborator, CollaboratorChanges, NewCollaborator};
use crate::store::contracts::{Contract, ContractFilter, NewContract};
use crate::store::events::{Event, EventChanges, EventFilter, NewEvent};
use crate::store::{Db, ListQuery, Visit};

/// A connection inside a transaction, seen through [`Db`].
pub struct SqliteDb<'a> {
    c: &'a Connection,
}

impl<'a> SqliteDb<'a> {
    /// Wraps a connection on which a transaction is open.
    pub fn new(c: &'a Connection) -> SqliteDb<'a> {
        SqliteDb { c }
    }
}

impl Db for SqliteDb<'_> {
    fn insert_collaborator(&mut self, new: &NewCollaborator<'_>) -> Result<i64> {
        collaborators::insert(self.c, new)
    }
    fn collaborator(&mut self, id: i64) -> Result<Collaborator> {
        collaborators::get(self.c, id)
    }
    fn find_collaborator(&mut self, key: &str) -> Result<Collaborator> {
        collaborators::find(self.c, key)
    }
    fn list_collaborators(
        &mut self,
        department: Option<Department>,
        search: Option<&str>,
        q: &ListQuery,
    ) -> Result<Vec<Collaborator>> {
        collaborators::list(self.c, department, search, q)
    }
    fn account_by_id(&mut self, id: i64) -> Result<Option<Account>> {
        collaborators::account_by_id(self.c, id)
    }
    fn account_by_email(&mut self, email: &str) -> Result<Option<Account>> {
        collaborators::account_by_email(self.c, email)
    }
    fn update_collaborator(&mut self, id: i64, changes: &CollaboratorChanges) -> Result<()> {
        collaborators::update(self.c, id, changes)
    }
    fn delete_collaborator(&mut self, id: i64) -> Result<()> {
        collaborators::delete(self.c, id)
    }
    fn bump_token_version(&mut self, id: i64) -> Result<()> {
        collaborators::bump_token_version(self.c, id)
    }
    fn record_failed_login(
        &mut self,
        id: i64,
        now: i64,
        max_failures: i64,
        lock_secs: i64,
    ) -> Result<i64> {
        collaborators::record_failed_login(self.c, id, now, max_failures, lock_secs)
    }
    fn reset_failed_logins(&mut self, id: i64) -> Result<()> {
        collaborators::reset_failed_logins(self.c, id)
    }
    fn count_collaborators(&mut self) -> Result<i64> {
        collaborators::count(self.c)
    }
    fn next_employee_number(&mut self) -> Result<String> {
        collaborators::next_employee_number(self.c)
    }
    fn collaborator_emails(&mut self) -> Result<Vec<String>> {
        collaborators::emails(self.c)
    }

    fn insert_client(&mut self, new: &NewClient<'_>) -> Result<i64> {
        clients::insert(self.c, new)
    }
    fn client(&mut self, id: i64) -> Result<Client> {
        clients::get(self.c, id)
    }
    fn each_client(
        &mut self,
        filter: &ClientFilter,
        q: &ListQuery,
        visit: Visit<'_, Client>,
    ) -> Result<()> {
        clients::each(self.c, filter, q, visit)
    }
    fn update_client(&mut self, id: i64, changes: &ClientChanges) -> Result<()> {
        clients::update(self.c, id, changes)
    }
    fn set_sales_contact(&mut self, id: i64, sales_contact_id: i64) -> Result<()> {
        clients::set_sales_contact(self.c, id, sales_contact_id)
    }
    fn reassign_clients(&mut self, from: i64, to: i64) -> Result<usize> {
        clients::reassign_all(self.c, from, to)
    }
    fn count_clients_of(&mut self, collaborator_id: i64) -> Result<i64> {
        clients::count_for_sales(self.c, collaborator_id)
    }
    fn existing_client_emails(&mut self, emails: &[&str]) -> Result<Vec<String>> {
        clients::existing_emails(self.c, emails)
    }

    fn insert_contract(&mut self, new: &NewContract) -> Result<i64> {
        contracts::insert(self.c, new)
    }
    fn contract(&mut self, id: i64) -> Result<Contract> {
        contracts::get(self.c, id)
    }
    fn each_contract(
        &mut self,
        filter: &ContractFilter,
        q: &ListQuery,
        visit: Visit<'_, Contract>,
    ) -> Result<()> {
        contracts::each(self.c, filter, q, visit)
    }
    fn set_contract_total(&mut self, id: i64, total: Money) -> Result<()> {
        contracts::set_total(self.c, id, total)
    }
    fn adjust_contract(
        &mut self,
        id: i64,
        cents: i64,
        reason: &str,
        recorded_by: i64,
    ) -> Result<Money> {
        contracts::adjust(self.c, id, cents, reason, recorded_by)
    }
    fn sign_contract(&mut self, id: i64) -> Result<()> {
        contracts::sign(self.c, id)
    }
    fn pay_contract(&mut self, id: i64, amount: Money, recorded_by: i64) -> Result<Money> {
        contracts::pay(self.c, id, amount, recorded_by)
    }
    fn contract_paid(&mut self, id: i64) -> Result<Money> {
        contracts::paid(self.c, id)
    }

    fn insert_event(&mut self, new: &NewEvent<'_>) -> Result<i64> {
        events::insert(self.c, new)
    }
    fn event(&mut self, id: i64) -> Result<Event> {
        events::get(self.c, id)
    }
    fn each_event(
        &mut self,
        filter: &EventFilter,
        q: &ListQuery,
        visit: Visit<'_, Event>,
    ) -> Result<()> {
        events::each(self.c, filter, q, visit)
    }
    fn update_event(&mut self, id: i64, changes: &EventChanges) -> Result<()> {
        events::update(self.c, id, changes)
    }
    fn delete_event(&mut self, id: i64) -> Result<()> {
        events::delete(self.c, id)
    }
    fn delete_contract(&mut self, id: i64) -> Result<()> {
        contracts::delete(self.c, id)
    }
    fn contract_payments(&mut self, id: i64) -> Result<Vec<Payment>> {
        contracts::payments(self.c, id)
    }
    fn delete_client(&mut self, id: i64) -> Result<()> {
        clients::delete(self.c, id)
    }
    fn each_audit(&mut self, filter: &AuditFilter, visit: Visit<'_, AuditEntry>) -> Result<()> {
        audit::each(self.c, filter, visit)
    }
    fn assign_event(&mut self, id: i64, support_contact_id: Option<i64>) -> Result<()> {
        events::assign(self.c, id, support_contact_id)
    }
    fn reassign_events(&mut self, from: i64, to: i64) -> Result<usize> {
        events::reassign_all(self.c, from, to)
    }
    fn count_events_of(&mut self, collaborator_id: i64) -> Result<i64> {
        events::count_for_support(self.c, collaborator_id)
    }

    fn report_pipeline(&mut self) -> Result<Vec<crate::store::reports::PipelineRow>> {
        super::reports::pipeline(self.c)
    }
    fn report_events(
        &mut self,
        from: i64,
        before: i64,
    ) -> Result<Vec<crate::store::reports::EventsRow>> {
        super::reports::events(self.c, from, before)
    }
    fn report_due(&mut self, now: i64) -> Result<Vec<crate::store::reports::DueRow>> {
        super::reports::due(self.c, now)
    }

    fn audit(
        &mut self,
        actor: Option<i64>,
        action: &str,
        entity: &str,
        entity_id: Option<i64>,
        detail: Option<&serde_json::Value>,
    ) -> Result<()> {
        audit::record(self.c, actor, action, entity, entity_id, detail)
    }
    fn setting(&mut self, key: &str) -> Result<Option<String>> {
        super::settings::get(self.c, key)
    }
    fn schema_version(&mut self) -> Result<i64> {
        migrate::version(self.c)
    }
    fn integrity_problems(&mut self) -> Result<Vec<String>> {
        maintenance::integrity_problems(self.c)
    }
    fn foreign_key_problems(&mut self) -> Result<Vec<String>> {
        maintenance::foreign_key_problems(self.c)
    }
    fn table_counts(&mut self) -> Result<Vec<(&'static str, i64)>> {
        maintenance::table_counts(self.c)
    }
    fn backup(&mut self, dest: &Path) -> Result<()> {
        maintenance::backup(self.c, dest)
    }
}
