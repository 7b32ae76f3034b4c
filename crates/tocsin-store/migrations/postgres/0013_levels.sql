-- Confidentiality levels and clearances (see the SQLite migration 0018 for
-- why each column is what it is).
ALTER TABLE tokens ADD COLUMN clearance TEXT COLLATE "C" NOT NULL DEFAULT 'confidential';
ALTER TABLE tokens ALTER COLUMN clearance SET DEFAULT 'official_use_only';
UPDATE units SET rights = (rights::jsonb || '{"clearance": "confidential"}'::jsonb)::text;
ALTER TABLE hits ADD COLUMN level BIGINT NOT NULL DEFAULT 0;
-- Raising a record's level raises its hits' (found by record).
CREATE INDEX hits_by_record ON hits(record_id);
ALTER TABLE events ADD COLUMN level BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN number_restricted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN number_confidential BIGINT NOT NULL DEFAULT 0;
UPDATE events SET number_restricted = number, number_confidential = number;
DROP INDEX events_by_agency_number;
CREATE UNIQUE INDEX events_by_agency_number ON events(agency, number) WHERE number > 0;
CREATE UNIQUE INDEX events_by_agency_number_restricted ON events(agency, number_restricted) WHERE number_restricted > 0;
CREATE UNIQUE INDEX events_by_agency_number_confidential ON events(agency, number_confidential) WHERE number_confidential > 0;
ALTER TABLE event_numbers ADD COLUMN last_restricted BIGINT NOT NULL DEFAULT 0;
ALTER TABLE event_numbers ADD COLUMN last_confidential BIGINT NOT NULL DEFAULT 0;
UPDATE event_numbers SET last_restricted = last, last_confidential = last;
