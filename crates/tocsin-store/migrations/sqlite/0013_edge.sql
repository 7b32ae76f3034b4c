-- Edge nodes (tocsin-edge).
--
-- `changed` numbers every write of a record or a notice in commit order
-- (assigned under the write lock), so that a sync can ask for what changed
-- after the last one it sent; rows written before this migration are 0.
ALTER TABLE records ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX records_by_change ON records(changed, id);
ALTER TABLE notices ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX notices_by_change ON notices(changed);

-- Upstream: the edges that synced, by agency and name.
CREATE TABLE edges (
    agency       TEXT NOT NULL REFERENCES agencies(code),
    name         TEXT NOT NULL,
    issued       INTEGER NOT NULL,
    confirmed    INTEGER NOT NULL,
    confirmed_at TEXT,
    seen_at      TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (agency, name)
);

-- Upstream: the sync versions issued to each edge (the one it holds and
-- those issued since), with the change numbers they are as of.
CREATE TABLE edge_versions (
    agency         TEXT NOT NULL,
    name           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    hash           TEXT NOT NULL,
    generated_at   TEXT NOT NULL,
    records_mark   INTEGER NOT NULL,
    notices_mark   INTEGER NOT NULL,
    PRIMARY KEY (agency, name, version)
);

-- Upstream: what each edge holds, from the version that sent a record
-- (`since`) until the one that took it away (`until`, NULL while held), so
-- a deletion is sent only to edges that hold the record, and a version
-- that never arrived is forgotten.
CREATE TABLE edge_holdings (
    agency         TEXT NOT NULL,
    name           TEXT NOT NULL,
    record_id      TEXT NOT NULL,
    record_version INTEGER NOT NULL,
    since          INTEGER NOT NULL,
    until          INTEGER,
    PRIMARY KEY (agency, name, record_id, since)
);
CREATE INDEX edge_holdings_closed ON edge_holdings(agency, name, until) WHERE until IS NOT NULL;

-- Upstream: the audit chain each edge shipped, entry by entry as the edge
-- wrote it; `handled` once a screening in it was screened again here.
CREATE TABLE edge_audit (
    edge_agency TEXT NOT NULL,
    edge_name   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    time        TEXT NOT NULL,
    agency      TEXT NOT NULL,
    user_name   TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    objects     TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    purpose     TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    handled     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (edge_agency, edge_name, seq)
);
CREATE INDEX edge_audit_unhandled ON edge_audit(edge_agency, edge_name, seq) WHERE handled = 0;

-- On an edge: the state of its copy (one row), and the published notices
-- on the records it holds.
CREATE TABLE replica_state (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    body TEXT NOT NULL
);
CREATE TABLE replica_notices (
    record_id TEXT PRIMARY KEY,
    briefs    TEXT NOT NULL
);
