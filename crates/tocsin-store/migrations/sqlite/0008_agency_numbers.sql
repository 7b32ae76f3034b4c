-- Every agency counts its own events and audit entries, so the numbers it
-- is shown say nothing of other agencies' (a silent hit's entry or event
-- left no gap in the searcher's numbers). Rows from before keep their
-- global number as their agency's, so a client resuming across the upgrade
-- still moves forward; from here each agency's numbers go up by one.
ALTER TABLE events ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE events SET number = seq;
CREATE UNIQUE INDEX events_by_agency_number ON events(agency, number);
-- The last number given to each agency's events (events are pruned; the
-- count must never start again).
CREATE TABLE event_numbers (
    agency TEXT PRIMARY KEY,
    last   INTEGER NOT NULL
);
INSERT INTO event_numbers (agency, last) SELECT agency, max(seq) FROM events GROUP BY agency;

-- Each audit entry's number in its acting agency's own count, a column of
-- the log itself (no second table to write per entry), indexed in place of
-- the old (agency, seq) index. The append-only trigger is lifted for the
-- one backfill and put back.
ALTER TABLE audit ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
DROP TRIGGER audit_is_append_only_update;
UPDATE audit SET number = seq;
CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
DROP INDEX audit_by_agency;
CREATE INDEX audit_by_agency_number ON audit(agency, number);
