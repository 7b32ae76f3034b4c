-- Agencies, API tokens, records and the audit log.

CREATE TABLE agencies (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Only the SHA-256 of a token is kept; the token itself is shown once.
CREATE TABLE tokens (
    id         TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    agency     TEXT NOT NULL REFERENCES agencies(code),
    role       TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- `body` is the JSON of the owner's data (tocsin_core::record::RecordData);
-- the columns beside it are what the store filters and orders on.
CREATE TABLE records (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    owner      TEXT NOT NULL REFERENCES agencies(code),
    version    INTEGER NOT NULL,
    state      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    review_by  TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX records_by_owner ON records(owner, id);

-- The hash-chained audit log (tocsin_audit). Append-only: the triggers refuse
-- changes through SQL; the chain catches changes made around them.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    time      TEXT NOT NULL,
    agency    TEXT NOT NULL,
    user_name TEXT NOT NULL,
    role      TEXT NOT NULL,
    action    TEXT NOT NULL,
    objects   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    purpose   TEXT,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE INDEX audit_by_agency ON audit(agency, seq);

CREATE TABLE audit_objects (
    object TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    PRIMARY KEY (object, seq)
) WITHOUT ROWID;

CREATE TRIGGER audit_is_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_is_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
