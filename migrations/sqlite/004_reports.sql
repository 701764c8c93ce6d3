-- Version 4: indexes for the reports (issue 15, item 6).
--
-- * `report events` reads the start, support contact and attendees of every
--   event in its range from this index alone (a covering index, walked in
--   start order), never from the table; and each support collaborator's
--   from the second one, walked per collaborator.
-- * `report pipeline` sums each client's contracts from a covering index
--   walked in client order, never from the table.
-- * `report due` reads the signed contracts still owing from a partial
--   covering index holding only them.

CREATE INDEX idx_events_report ON events (start_at, support_contact_id, attendees);
CREATE INDEX idx_events_support_report ON events (support_contact_id, start_at, attendees);
CREATE INDEX idx_contracts_owing ON contracts (signed_at, due_cents)
    WHERE due_cents > 0 AND signed_at IS NOT NULL;
CREATE INDEX idx_contracts_pipeline ON contracts (client_id, signed_at, total_cents, due_cents);
