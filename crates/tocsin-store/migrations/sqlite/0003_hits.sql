-- Hits (tocsin_core::hit): `body` is the hit's JSON; the columns beside it
-- are what the inboxes filter on.
CREATE TABLE hits (
    id         TEXT PRIMARY KEY,
    time       TEXT NOT NULL,
    searcher   TEXT NOT NULL,
    owner      TEXT NOT NULL,
    silent     INTEGER NOT NULL,
    status     TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX hits_by_owner ON hits(owner, id);
CREATE INDEX hits_by_searcher ON hits(searcher, id);

-- Per-agency settings; an agency without a row uses the defaults.
CREATE TABLE agency_settings (
    code          TEXT PRIMARY KEY REFERENCES agencies(code),
    hit_threshold REAL
);

-- Messages between the two agencies of a hit, numbered per hit.
CREATE TABLE hit_messages (
    hit_id    TEXT NOT NULL REFERENCES hits(id),
    seq       INTEGER NOT NULL,
    time      TEXT NOT NULL,
    agency    TEXT NOT NULL,
    user_name TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (hit_id, seq)
) WITHOUT ROWID;
