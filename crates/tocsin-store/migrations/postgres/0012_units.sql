-- National units: entities an agency lets use the system within rights it
-- grants them (a subset of its own). A unit's tokens name it; a suspended
-- unit's tokens are refused.
CREATE TABLE units (
    agency       TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    code         TEXT COLLATE "C" NOT NULL,
    name         TEXT NOT NULL,
    rights       TEXT NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    suspended_at TEXT COLLATE "C",
    PRIMARY KEY (agency, code)
);
ALTER TABLE tokens ADD COLUMN unit TEXT COLLATE "C";
