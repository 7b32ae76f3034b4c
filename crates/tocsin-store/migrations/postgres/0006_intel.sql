-- The threat-intelligence hub: TAXII collections, the versions of the STIX
-- objects in them (append-only; a deletion is a mark, kept for the audit
-- and for sync), the observables each states, and each POST's status.
-- Text compared as text (versions, times) uses the "C" collation.
CREATE TABLE intel_collections (
    id TEXT COLLATE "C" PRIMARY KEY,
    alias TEXT COLLATE "C" UNIQUE,
    created_at TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL
);

CREATE TABLE intel_objects (
    seq BIGINT PRIMARY KEY,
    collection TEXT COLLATE "C" NOT NULL REFERENCES intel_collections(id),
    id TEXT COLLATE "C" NOT NULL,
    version TEXT COLLATE "C" NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    owner TEXT COLLATE "C" NOT NULL,
    tlp TEXT COLLATE "C",
    added_us BIGINT NOT NULL,
    deleted_at TEXT COLLATE "C",
    body TEXT NOT NULL,
    warnings TEXT NOT NULL,
    UNIQUE (collection, id, version)
);
CREATE INDEX intel_objects_by_added ON intel_objects(collection, added_us, seq);
CREATE INDEX intel_objects_by_id ON intel_objects(collection, id, version);

CREATE TABLE intel_observables (
    kind TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    seq BIGINT NOT NULL REFERENCES intel_objects(seq),
    PRIMARY KEY (kind, value, seq)
);
CREATE INDEX intel_observables_by_seq ON intel_observables(seq);

CREATE TABLE intel_statuses (
    id TEXT COLLATE "C" PRIMARY KEY,
    agency TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    body TEXT NOT NULL
);
