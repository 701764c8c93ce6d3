-- Version 4: indexes for the reports (issue 15, item 6). Plain indexes: no
-- privilege changes.
--
-- * `report events` reads the start, support contact and attendees of every
--   event in its range from this index (index-only scans once vacuumed), and
--   each support collaborator's from the second one.
-- * `report pipeline` sums each client's contracts from a covering index.
-- * `report due` reads the signed contracts still owing from a partial
--   index holding only them.

CREATE INDEX IF NOT EXISTS events_report_idx ON epic.events (start_at, support_contact_id, attendees);
CREATE INDEX IF NOT EXISTS events_support_report_idx ON epic.events (support_contact_id, start_at, attendees);
CREATE INDEX IF NOT EXISTS contracts_owing_idx ON epic.contracts (signed_at, due_cents)
    WHERE due_cents > 0 AND signed_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS contracts_pipeline_idx ON epic.contracts (client_id, signed_at, total_cents, due_cents);
