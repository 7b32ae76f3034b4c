-- A version is keyed by its owner too: another agency's object with the same
-- id (a deterministic observable id, a guessed one) is stored beside it,
-- never merged with it nor refused because of it, so a write never tells
-- whether an object the writer may not see exists. SQLite changes a
-- table's constraints by building it again.
CREATE TABLE intel_objects_new (
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
    UNIQUE (collection, owner, id, version)
);
INSERT INTO intel_objects_new SELECT seq, collection, id, version, type, owner, tlp, added_us, deleted_at, body, warnings
    FROM intel_objects;
-- The observables refer to the new table (renamed with it), so the old one
-- is referred to by nothing when it is dropped.
CREATE TABLE intel_observables_new (
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    seq INTEGER NOT NULL REFERENCES intel_objects_new(seq),
    PRIMARY KEY (kind, value, seq)
);
INSERT INTO intel_observables_new SELECT kind, value, seq FROM intel_observables;
DROP TABLE intel_observables;
DROP TABLE intel_objects;
ALTER TABLE intel_objects_new RENAME TO intel_objects;
ALTER TABLE intel_observables_new RENAME TO intel_observables;
CREATE INDEX intel_observables_by_seq ON intel_observables(seq);
CREATE INDEX intel_objects_by_added ON intel_objects(collection, added_us, seq);
CREATE INDEX intel_objects_by_id ON intel_objects(collection, id, owner, version);
