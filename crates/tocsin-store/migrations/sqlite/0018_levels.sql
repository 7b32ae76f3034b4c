-- Confidentiality levels and clearances. Records carry their level in
-- their data (absent: official_use_only). Tokens carry a clearance: those
-- issued before levels existed saw everything, and keep seeing everything;
-- a new token is cleared for official use only unless its issuer says more.
ALTER TABLE tokens ADD COLUMN clearance TEXT NOT NULL DEFAULT 'confidential';
-- Units made before levels read everything their tokens did, and keep it.
UPDATE units SET rights = json_set(rights, '$.clearance', 'confidential');

-- A hit's level is its record's when matched (0 official_use_only,
-- 1 restricted, 2 confidential), kept as a column to list by clearance.
ALTER TABLE hits ADD COLUMN level INTEGER NOT NULL DEFAULT 0;
-- Raising a record's level raises its hits' (found by record).
CREATE INDEX hits_by_record ON hits(record_id);

-- An event's level, and its number in each clearance's count of its
-- agency's events: an event is in the counts of the clearances at or above
-- its level, with 0 in the others, so nobody's count has a gap where an
-- event they may not see was. Every event before this was official for use
-- only: its number is the same in all three counts.
ALTER TABLE events ADD COLUMN level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN number_restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE events ADD COLUMN number_confidential INTEGER NOT NULL DEFAULT 0;
UPDATE events SET number_restricted = number, number_confidential = number;
DROP INDEX events_by_agency_number;
CREATE UNIQUE INDEX events_by_agency_number ON events(agency, number) WHERE number > 0;
CREATE UNIQUE INDEX events_by_agency_number_restricted ON events(agency, number_restricted) WHERE number_restricted > 0;
CREATE UNIQUE INDEX events_by_agency_number_confidential ON events(agency, number_confidential) WHERE number_confidential > 0;
ALTER TABLE event_numbers ADD COLUMN last_restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE event_numbers ADD COLUMN last_confidential INTEGER NOT NULL DEFAULT 0;
UPDATE event_numbers SET last_restricted = last, last_confidential = last;
