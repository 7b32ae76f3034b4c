-- Messages and diffusions between agencies (tocsin-messaging). The server
-- keeps only what it routes by: the sealed envelope (its ciphertext is
-- end-to-end encrypted to the recipients' keys), who sent it to whom, its
-- level, kind, thread and references, and the receipts.

-- Every public key an agency has published; the one not retired is
-- current. Old keys stay, so old messages keep verifying.
CREATE TABLE agency_keys (
    fingerprint  TEXT PRIMARY KEY,
    agency       TEXT NOT NULL,
    encryption   TEXT NOT NULL,
    verification TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    retired_at   TEXT
);
CREATE INDEX agency_keys_agency ON agency_keys(agency);

CREATE TABLE messages (
    id          TEXT PRIMARY KEY,
    sender      TEXT NOT NULL,
    thread      TEXT NOT NULL,
    reply_to    TEXT,
    diffusion   TEXT,
    level       TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    refs        TEXT,
    meta        TEXT NOT NULL,
    envelope    TEXT NOT NULL,
    review      TEXT
);
CREATE INDEX messages_sender ON messages(sender, id);
CREATE INDEX messages_thread ON messages(thread);
CREATE INDEX messages_diffusion ON messages(diffusion, id);

CREATE TABLE message_recipients (
    message         TEXT NOT NULL,
    agency          TEXT NOT NULL,
    delivered_at    TEXT,
    read_at         TEXT,
    acknowledged_at TEXT,
    PRIMARY KEY (message, agency)
);
CREATE INDEX message_recipients_agency ON message_recipients(agency, message);

-- What a message points at, so screening finds the wanted-person
-- diffusions on a record.
CREATE TABLE message_references (
    message TEXT NOT NULL,
    kind    TEXT NOT NULL,
    ref_id  TEXT NOT NULL,
    PRIMARY KEY (message, kind, ref_id)
);
CREATE INDEX message_references_ref ON message_references(ref_id);
