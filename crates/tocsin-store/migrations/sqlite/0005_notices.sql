-- Notices (tocsin_core::notice): `body` is the notice's JSON; the columns
-- beside it are what lists filter and order on.
CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    owner       TEXT NOT NULL REFERENCES agencies(code),
    notice_type TEXT NOT NULL,
    status      TEXT NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  TEXT NOT NULL,
    body        TEXT NOT NULL
);
CREATE INDEX notices_by_status ON notices(status, id);
CREATE INDEX notices_by_owner ON notices(owner, id);
