-- Biometric search (tocsin-abis). Templates are records of kind
-- `biometric`; these tables hold what is not a record.

-- Images enrolled with a biometric record (a transaction's Type-4, -10,
-- -14 records), served by their position.
CREATE TABLE bio_attachments (
    record_id TEXT NOT NULL,
    n         INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (record_id, n)
);

-- Each search's candidates (never the probe template), with the examiners'
-- decisions: `pending` until one confirms (a hit is made) or rejects.
-- `shown`: whether the searcher was shown it (0: a silent candidate, which
-- only its owner's queries may return).
CREATE TABLE bio_candidates (
    search_id  TEXT NOT NULL,
    record_id  TEXT NOT NULL,
    owner      TEXT NOT NULL,
    searcher   TEXT NOT NULL,
    shown      INTEGER NOT NULL,
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (search_id, record_id)
);
CREATE INDEX bio_candidates_owner ON bio_candidates(owner, created_at);
CREATE INDEX bio_candidates_searcher ON bio_candidates(searcher, created_at);
