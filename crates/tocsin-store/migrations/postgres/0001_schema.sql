-- The PostgreSQL schema: the same tables as the embedded store's migrations
-- 0001 to 0006 (see ../sqlite), in one step. Timestamps are RFC 3339 text
-- in UTC and dates ISO text, as in SQLite, so both compare as text and the
-- row mapping is the same. Plain SQL only (no extensions), so it also runs on
-- PostgreSQL-compatible distributed SQL. Columns compared or ordered as text
-- use the "C" collation, so they order by bytes as in SQLite.

CREATE TABLE agencies (
    code       TEXT COLLATE "C" PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE agency_settings (
    code          TEXT COLLATE "C" PRIMARY KEY REFERENCES agencies(code),
    hit_threshold DOUBLE PRECISION,
    dismiss_days  BIGINT
);

CREATE TABLE tokens (
    id         TEXT COLLATE "C" PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    agency     TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    role       TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE records (
    id          TEXT COLLATE "C" PRIMARY KEY,
    kind        TEXT NOT NULL,
    owner       TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    version     BIGINT NOT NULL,
    state       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    review_by   TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL,
    source_list TEXT,
    source_id   TEXT
);
CREATE INDEX records_by_owner ON records(owner, id);
CREATE INDEX records_by_review ON records(state, review_by, id);
CREATE UNIQUE INDEX records_by_source ON records(owner, source_list, source_id) WHERE source_list IS NOT NULL;

CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    time      TEXT COLLATE "C" NOT NULL,
    agency    TEXT COLLATE "C" NOT NULL,
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
    object TEXT COLLATE "C" NOT NULL,
    seq    BIGINT NOT NULL,
    PRIMARY KEY (object, seq)
);

CREATE FUNCTION audit_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_is_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_is_append_only();

CREATE TABLE hits (
    id         TEXT COLLATE "C" PRIMARY KEY,
    time       TEXT COLLATE "C" NOT NULL,
    searcher   TEXT COLLATE "C" NOT NULL,
    owner      TEXT COLLATE "C" NOT NULL,
    silent     BOOLEAN NOT NULL,
    status     TEXT NOT NULL,
    record_id  TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX hits_by_owner ON hits(owner, id);
CREATE INDEX hits_by_searcher ON hits(searcher, id);

CREATE TABLE hit_messages (
    hit_id    TEXT COLLATE "C" NOT NULL REFERENCES hits(id),
    seq       BIGINT NOT NULL,
    time      TEXT COLLATE "C" NOT NULL,
    agency    TEXT COLLATE "C" NOT NULL,
    user_name TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (hit_id, seq)
);

CREATE TABLE events (
    seq    BIGINT PRIMARY KEY,
    agency TEXT COLLATE "C" NOT NULL,
    time   TEXT COLLATE "C" NOT NULL,
    kind   TEXT NOT NULL,
    hit_id TEXT COLLATE "C",
    body   TEXT
);
CREATE INDEX events_by_agency ON events(agency, seq);

CREATE TABLE dismissals (
    agency    TEXT COLLATE "C" NOT NULL,
    subject   TEXT COLLATE "C" NOT NULL,
    record_id TEXT COLLATE "C" NOT NULL,
    hit_id    TEXT COLLATE "C" NOT NULL,
    until     TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (agency, subject, record_id)
);

CREATE TABLE watches (
    id         TEXT COLLATE "C" PRIMARY KEY,
    agency     TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    created_at TEXT NOT NULL,
    body       TEXT NOT NULL
);

CREATE TABLE notices (
    id          TEXT COLLATE "C" PRIMARY KEY,
    owner       TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    notice_type TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     BIGINT NOT NULL,
    updated_at  TEXT COLLATE "C" NOT NULL,
    review_by   TEXT COLLATE "C" NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX notices_by_status ON notices(status, id);
CREATE INDEX notices_by_owner ON notices(owner, id);
CREATE INDEX notices_by_review ON notices(review_by);

CREATE TABLE reminders (
    item      TEXT COLLATE "C" NOT NULL,
    review_by TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (item, review_by)
);

CREATE TABLE entity_numbers (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);
