-- Token lifecycle: expiry (NULL: never, as for tokens issued before),
-- revocation, and the last use (to the minute).
ALTER TABLE tokens ADD COLUMN expires_at TEXT COLLATE "C";
ALTER TABLE tokens ADD COLUMN revoked_at TEXT COLLATE "C";
ALTER TABLE tokens ADD COLUMN last_used_at TEXT COLLATE "C";
CREATE INDEX tokens_by_agency ON tokens(agency, created_at);
