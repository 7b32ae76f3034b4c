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

CREATE TABLE audit_numbers (
    agency TEXT COLLATE "C" NOT NULL,
    number BIGINT NOT NULL,
    seq    BIGINT NOT NULL,
    PRIMARY KEY (agency, number)
);
INSERT INTO audit_numbers (agency, number, seq) SELECT agency, seq, seq FROM audit;
CREATE INDEX audit_numbers_by_seq ON audit_numbers(seq);
CREATE TRIGGER audit_numbers_are_append_only BEFORE UPDATE OR DELETE ON audit_numbers
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();
