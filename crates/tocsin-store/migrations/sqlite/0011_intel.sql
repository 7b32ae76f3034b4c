-- The threat-intelligence hub: TAXII collections, the versions of the STIX
-- objects in them (append-only; a deletion is a mark, kept for the audit
-- and for sync), the observables each states, and each POST's status.
CREATE TABLE intel_collections (
    id TEXT PRIMARY KEY,
    alias TEXT UNIQUE,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE intel_objects (
    seq INTEGER PRIMARY KEY,
    collection TEXT NOT NULL REFERENCES intel_collections(id),
    id TEXT NOT NULL,
    version TEXT NOT NULL,
    type TEXT NOT NULL,
    owner TEXT NOT NULL,
    tlp TEXT,
    added_us INTEGER NOT NULL,
    deleted_at TEXT,
    body TEXT NOT NULL,
    warnings TEXT NOT NULL,
    UNIQUE (collection, id, version)
);
CREATE INDEX intel_objects_by_added ON intel_objects(collection, added_us, seq);
CREATE INDEX intel_objects_by_id ON intel_objects(collection, id, version);

CREATE TABLE intel_observables (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES intel_objects(seq),
    PRIMARY KEY (kind, value, seq)
);
CREATE INDEX intel_observables_by_seq ON intel_observables(seq);

CREATE TABLE intel_statuses (
    id TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);
