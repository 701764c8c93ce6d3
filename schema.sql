-- Epic Events CRM — the whole schema, version 1.
--
-- This file is the single source of the first migration (src/store/migrate.rs
-- includes it verbatim). Every rule the database can hold is held here, so a
-- script that bypasses the application still cannot store an invalid row.
--
-- Conventions
--   * STRICT tables: '12abc' in an INTEGER column is refused.
--   * Timestamps are UTC unix seconds (INTEGER); the application shows them in
--     local time.
--   * Money is integer cents (euros); never a float.
--   * Emails are unique case-insensitively (COLLATE NOCASE; emails are ASCII).
--   * Every index has a unique, descriptive name.
--   * Record ids are AUTOINCREMENT: an id is never reused after a deletion,
--     so the audit trail and Sentry reports never mix two people up.

CREATE TABLE departments (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (name IN ('management', 'sales', 'support'))
) STRICT;

INSERT INTO departments (id, name) VALUES (1, 'management'), (2, 'sales'), (3, 'support');

CREATE TABLE collaborators (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    employee_number TEXT    NOT NULL UNIQUE
                    CHECK (length(employee_number) BETWEEN 1 AND 32),
    full_name       TEXT    NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    email           TEXT    NOT NULL UNIQUE COLLATE NOCASE
                    CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%._%'),
    department_id   INTEGER NOT NULL REFERENCES departments (id),
    -- argon2id PHC string only; never a plain password.
    password_hash   TEXT    NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    -- Bumped on logout, password change, department change: older tokens die.
    token_version   INTEGER NOT NULL DEFAULT 0 CHECK (token_version >= 0),
    -- Login throttling, shared by every process through the database.
    failed_logins   INTEGER NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL CHECK (updated_at >= created_at)
) STRICT;

CREATE INDEX idx_collaborators_department ON collaborators (department_id);

CREATE TABLE clients (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    full_name        TEXT    NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    email            TEXT    NOT NULL UNIQUE COLLATE NOCASE
                     CHECK (length(email) BETWEEN 3 AND 254 AND email LIKE '_%@_%._%'),
    phone            TEXT    CHECK (phone IS NULL OR length(phone) BETWEEN 6 AND 32),
    company_name     TEXT    CHECK (company_name IS NULL OR length(company_name) BETWEEN 1 AND 200),
    sales_contact_id INTEGER NOT NULL REFERENCES collaborators (id) ON DELETE RESTRICT,
    created_at       INTEGER NOT NULL,                 -- first contact
    updated_at       INTEGER NOT NULL                  -- last update or contact
                     CHECK (updated_at >= created_at)
) STRICT;

CREATE INDEX idx_clients_sales_contact ON clients (sales_contact_id);
CREATE INDEX idx_clients_full_name ON clients (full_name);

CREATE TABLE contracts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id   INTEGER NOT NULL REFERENCES clients (id) ON DELETE RESTRICT,
    total_cents INTEGER NOT NULL CHECK (total_cents BETWEEN 0 AND 1000000000000),
    due_cents   INTEGER NOT NULL CHECK (due_cents >= 0 AND due_cents <= total_cents),
    signed_at   INTEGER,                               -- NULL while unsigned
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL CHECK (updated_at >= created_at)
) STRICT;

CREATE INDEX idx_contracts_client ON contracts (client_id);
CREATE INDEX idx_contracts_unsigned ON contracts (id) WHERE signed_at IS NULL;
CREATE INDEX idx_contracts_unpaid ON contracts (id) WHERE due_cents > 0;

CREATE TABLE payments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id  INTEGER NOT NULL REFERENCES contracts (id) ON DELETE RESTRICT,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    paid_at      INTEGER NOT NULL,
    -- Who recorded it; kept (as NULL) if that collaborator is later deleted.
    recorded_by  INTEGER REFERENCES collaborators (id) ON DELETE SET NULL
) STRICT;

CREATE INDEX idx_payments_contract ON payments (contract_id);
CREATE INDEX idx_payments_recorded_by ON payments (recorded_by);

CREATE TABLE events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id        INTEGER NOT NULL REFERENCES contracts (id) ON DELETE RESTRICT,
    name               TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    start_at           INTEGER NOT NULL,
    end_at             INTEGER NOT NULL CHECK (end_at > start_at),
    support_contact_id INTEGER REFERENCES collaborators (id) ON DELETE RESTRICT,
    location           TEXT    NOT NULL CHECK (length(location) BETWEEN 1 AND 500),
    attendees          INTEGER NOT NULL CHECK (attendees BETWEEN 0 AND 1000000),
    notes              TEXT    CHECK (notes IS NULL OR length(notes) <= 5000),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL CHECK (updated_at >= created_at)
) STRICT;

CREATE INDEX idx_events_contract ON events (contract_id);
CREATE INDEX idx_events_support_contact ON events (support_contact_id);
CREATE INDEX idx_events_start ON events (start_at);
CREATE INDEX idx_events_unassigned ON events (id) WHERE support_contact_id IS NULL;

-- Who did what to which record, and when. No foreign key on actor_id: the
-- trail must outlive the collaborators it mentions.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor_id  INTEGER,
    action    TEXT    NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    entity    TEXT    NOT NULL
              CHECK (entity IN ('collaborator', 'client', 'contract', 'event', 'session')),
    entity_id INTEGER,
    detail    TEXT    CHECK (detail IS NULL OR json_valid(detail))
) STRICT;

CREATE INDEX idx_audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX idx_audit_log_actor ON audit_log (actor_id);

-- Department rules the CHECKs above cannot express.

CREATE TRIGGER trg_clients_sales_contact_insert BEFORE INSERT ON clients
WHEN (SELECT d.name FROM collaborators c JOIN departments d ON d.id = c.department_id
      WHERE c.id = NEW.sales_contact_id) IS NOT 'sales'
BEGIN
    SELECT RAISE(ABORT, 'sales_contact: must be a collaborator of the sales department');
END;

CREATE TRIGGER trg_clients_sales_contact_update BEFORE UPDATE OF sales_contact_id ON clients
WHEN (SELECT d.name FROM collaborators c JOIN departments d ON d.id = c.department_id
      WHERE c.id = NEW.sales_contact_id) IS NOT 'sales'
BEGIN
    SELECT RAISE(ABORT, 'sales_contact: must be a collaborator of the sales department');
END;

CREATE TRIGGER trg_events_support_contact_insert BEFORE INSERT ON events
WHEN NEW.support_contact_id IS NOT NULL
 AND (SELECT d.name FROM collaborators c JOIN departments d ON d.id = c.department_id
      WHERE c.id = NEW.support_contact_id) IS NOT 'support'
BEGIN
    SELECT RAISE(ABORT, 'support_contact: must be a collaborator of the support department');
END;

CREATE TRIGGER trg_events_support_contact_update BEFORE UPDATE OF support_contact_id ON events
WHEN NEW.support_contact_id IS NOT NULL
 AND (SELECT d.name FROM collaborators c JOIN departments d ON d.id = c.department_id
      WHERE c.id = NEW.support_contact_id) IS NOT 'support'
BEGIN
    SELECT RAISE(ABORT, 'support_contact: must be a collaborator of the support department');
END;

-- An event needs a signed contract.
CREATE TRIGGER trg_events_contract_signed_insert BEFORE INSERT ON events
WHEN (SELECT signed_at FROM contracts WHERE id = NEW.contract_id) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'contract: must be signed before an event is created');
END;

CREATE TRIGGER trg_events_contract_signed_update BEFORE UPDATE OF contract_id ON events
WHEN (SELECT signed_at FROM contracts WHERE id = NEW.contract_id) IS NULL
BEGIN
    SELECT RAISE(ABORT, 'contract: must be signed before an event is created');
END;

-- A signed contract stays signed.
CREATE TRIGGER trg_contracts_stay_signed BEFORE UPDATE OF signed_at ON contracts
WHEN OLD.signed_at IS NOT NULL AND NEW.signed_at IS NOT OLD.signed_at
BEGIN
    SELECT RAISE(ABORT, 'signed: a signed contract cannot be unsigned or re-signed');
END;

-- A collaborator cannot leave a department while still holding its duties.
CREATE TRIGGER trg_collaborators_department_change BEFORE UPDATE OF department_id ON collaborators
WHEN NEW.department_id IS NOT OLD.department_id
 AND (((SELECT name FROM departments WHERE id = NEW.department_id) IS NOT 'sales'
       AND EXISTS (SELECT 1 FROM clients WHERE sales_contact_id = NEW.id))
   OR ((SELECT name FROM departments WHERE id = NEW.department_id) IS NOT 'support'
       AND EXISTS (SELECT 1 FROM events WHERE support_contact_id = NEW.id)))
BEGIN
    SELECT RAISE(ABORT, 'department: the collaborator still owns clients or events; reassign them first');
END;
