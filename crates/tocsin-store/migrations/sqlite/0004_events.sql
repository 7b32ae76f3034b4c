-- Events (tocsin_core::event): one row per recipient agency, numbered in
-- commit order; a client resumes after the last number it saw. A `hit`
-- event's data is the hit itself: it is read from `hits` by `hit_id`
-- rather than stored again (`body` is then NULL).
CREATE TABLE events (
    seq    INTEGER PRIMARY KEY,
    agency TEXT NOT NULL,
    time   TEXT NOT NULL,
    kind   TEXT NOT NULL,
    hit_id TEXT,
    body   TEXT
);
CREATE INDEX events_by_agency ON events(agency, seq);

-- Reviewed false positives (tocsin_core::hit::Dismissal).
CREATE TABLE dismissals (
    agency    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    record_id TEXT NOT NULL,
    hit_id    TEXT NOT NULL,
    until     TEXT NOT NULL,
    PRIMARY KEY (agency, subject, record_id)
) WITHOUT ROWID;

-- Watches (tocsin_core::watch): `body` is the watch's JSON.
CREATE TABLE watches (
    id         TEXT PRIMARY KEY,
    agency     TEXT NOT NULL REFERENCES agencies(code),
    created_at TEXT NOT NULL,
    body       TEXT NOT NULL
);

ALTER TABLE agency_settings ADD COLUMN dismiss_days INTEGER;
