-- Cluster mode's outbox: a change about to be committed, kept until the
-- event bus has it, so a node that dies between its commit and the bus's
-- acknowledgement leaves it for another node to announce.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX outbox_by_time ON outbox (created_at);
