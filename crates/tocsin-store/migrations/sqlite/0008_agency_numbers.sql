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

-- Each audit entry's number in its acting agency's own count. Append-only,
-- like the log.
-- Keyed by agency and number, not by `seq`: a log cut short by hand still
-- takes new entries (and so the operator's `--allow-broken-audit`).
CREATE TABLE audit_numbers (
    agency TEXT NOT NULL,
    number INTEGER NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (agency, number)
) WITHOUT ROWID;
INSERT INTO audit_numbers (agency, number, seq) SELECT agency, seq, seq FROM audit;
CREATE INDEX audit_numbers_by_seq ON audit_numbers(seq);
CREATE TRIGGER audit_numbers_are_append_only_update BEFORE UPDATE ON audit_numbers
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_numbers_are_append_only_delete BEFORE DELETE ON audit_numbers
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
