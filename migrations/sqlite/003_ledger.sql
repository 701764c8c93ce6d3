-- Version 3: the amount due follows from the ledger, and the database holds it.
--
-- Before this version `contract update --due` could set any amount due, so
-- the payments table and the contracts could disagree. From now on:
--   * the payments table is a ledger of payments and of adjustments (an
--     adjustment is management's audited correction, with a reason);
--   * a contract's amount due is always its total minus the sum of its ledger
--     entries: a new contract owes its total, each entry lowers (or, for a
--     negative adjustment, raises) the amount due, and nothing else may move it;
--   * the ledger is append-only.
-- Contracts that disagree when this runs get one adjustment each that makes
-- the ledger explain the amount due they had, so no amount changes.

CREATE TABLE ledger (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contract_id  INTEGER NOT NULL REFERENCES contracts (id) ON DELETE RESTRICT,
    kind         TEXT    NOT NULL DEFAULT 'payment' CHECK (kind IN ('payment', 'adjustment')),
    amount_cents INTEGER NOT NULL
                 CHECK (amount_cents <> 0 AND (kind = 'adjustment' OR amount_cents > 0)
                        AND abs(amount_cents) <= 1000000000000),
    reason       TEXT    CHECK (reason IS NULL OR length(reason) BETWEEN 1 AND 500),
    paid_at      INTEGER NOT NULL,
    recorded_by  INTEGER REFERENCES collaborators (id) ON DELETE SET NULL,
    CHECK (kind = 'payment' OR reason IS NOT NULL)
) STRICT;

INSERT INTO ledger (id, contract_id, kind, amount_cents, paid_at, recorded_by)
SELECT id, contract_id, 'payment', amount_cents, paid_at, recorded_by FROM payments;

INSERT INTO ledger (contract_id, kind, amount_cents, reason, paid_at, recorded_by)
SELECT ct.id, 'adjustment',
       ct.total_cents - ct.due_cents - coalesce((SELECT sum(p.amount_cents) FROM payments p
                                                 WHERE p.contract_id = ct.id), 0),
       'amount due set before the ledger was enforced (schema version 3)',
       unixepoch(), NULL
FROM contracts ct
WHERE ct.due_cents <> ct.total_cents - coalesce((SELECT sum(p.amount_cents) FROM payments p
                                                 WHERE p.contract_id = ct.id), 0);

DROP TABLE payments;
ALTER TABLE ledger RENAME TO payments;

CREATE INDEX idx_payments_contract ON payments (contract_id);
CREATE INDEX idx_payments_recorded_by ON payments (recorded_by);

-- A new contract owes its total (a deposit is a payment recorded with it).
CREATE TRIGGER trg_contracts_born_owing BEFORE INSERT ON contracts
WHEN NEW.due_cents IS NOT NEW.total_cents
BEGIN
    SELECT RAISE(ABORT, 'amount_due: a new contract owes its total; record a deposit as a payment');
END;

-- The amount due moves only with the ledger.
CREATE TRIGGER trg_contracts_due_follows_ledger BEFORE UPDATE OF due_cents, total_cents ON contracts
WHEN NEW.due_cents IS NOT NEW.total_cents
         - (SELECT coalesce(sum(amount_cents), 0) FROM payments WHERE contract_id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'amount_due: follows from the total and the recorded payments; record a payment or an adjustment');
END;

-- Every ledger entry moves the amount due; the CHECKs on contracts then
-- refuse an amount due below zero or above the total.
CREATE TRIGGER trg_payments_apply AFTER INSERT ON payments
BEGIN
    UPDATE contracts SET due_cents = due_cents - NEW.amount_cents WHERE id = NEW.contract_id;
END;

-- Append-only: no entry is changed or removed; only the foreign key may
-- forget who recorded it, when that collaborator is deleted.
CREATE TRIGGER trg_payments_no_update BEFORE UPDATE ON payments
WHEN NEW.id IS NOT OLD.id OR NEW.contract_id IS NOT OLD.contract_id OR NEW.kind IS NOT OLD.kind
  OR NEW.amount_cents IS NOT OLD.amount_cents OR NEW.reason IS NOT OLD.reason
  OR NEW.paid_at IS NOT OLD.paid_at
  OR (NEW.recorded_by IS NOT OLD.recorded_by AND NEW.recorded_by IS NOT NULL)
BEGIN
    SELECT RAISE(ABORT, 'payments: the ledger is append-only; record an adjustment instead');
END;

CREATE TRIGGER trg_payments_no_delete BEFORE DELETE ON payments
BEGIN
    SELECT RAISE(ABORT, 'payments: the ledger is append-only; record an adjustment instead');
END;
