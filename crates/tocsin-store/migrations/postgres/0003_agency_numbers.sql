-- Every agency counts its own events and audit entries (see the SQLite
-- migration 0008 for why); rows from before keep their global number.
ALTER TABLE events ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
UPDATE events SET number = seq;
CREATE UNIQUE INDEX events_by_agency_number ON events(agency, number);
CREATE TABLE event_numbers (
    agency TEXT COLLATE "C" PRIMARY KEY,
    last   BIGINT NOT NULL
);
INSERT INTO event_numbers (agency, last) SELECT agency, max(seq) FROM events GROUP BY agency;

-- Each audit entry's number in its acting agency's own count, a column of
-- the log itself; the append-only trigger is lifted for the one backfill.
ALTER TABLE audit ADD COLUMN number BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit DISABLE TRIGGER audit_is_append_only;
UPDATE audit SET number = seq;
ALTER TABLE audit ENABLE TRIGGER audit_is_append_only;
DROP INDEX audit_by_agency;
CREATE INDEX audit_by_agency_number ON audit(agency, number);
