-- Messages and diffusions between agencies (tocsin-messaging). The server
-- keeps only what it routes by: the sealed envelope (its ciphertext is
-- end-to-end encrypted to the recipients' keys), who sent it to whom, its
-- level, kind, thread and references, and the receipts.

-- (Text compared or ordered uses the "C" collation, as everywhere.)

-- Every public key an agency has published; the one not retired is
-- current. Old keys stay, so old messages keep verifying.
CREATE TABLE agency_keys (
    fingerprint  TEXT COLLATE "C" PRIMARY KEY,
    agency       TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    encryption   TEXT NOT NULL,
    verification TEXT NOT NULL,
    created_at   TEXT COLLATE "C" NOT NULL,
    retired_at   TEXT COLLATE "C"
);
CREATE INDEX agency_keys_agency ON agency_keys(agency);

CREATE TABLE messages (
    id          TEXT COLLATE "C" PRIMARY KEY,
    sender      TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    thread      TEXT COLLATE "C" NOT NULL,
    reply_to    TEXT COLLATE "C",
    diffusion   TEXT COLLATE "C",
    level       TEXT COLLATE "C" NOT NULL,
    sent_at     TEXT COLLATE "C" NOT NULL,
    received_at TEXT COLLATE "C" NOT NULL,
    refs        TEXT,
    meta        TEXT NOT NULL,
    envelope    TEXT NOT NULL,
    review      TEXT
);
CREATE INDEX messages_sender ON messages(sender, id);
CREATE INDEX messages_thread ON messages(thread);
CREATE INDEX messages_diffusion ON messages(diffusion, id);

CREATE TABLE message_recipients (
    message         TEXT COLLATE "C" NOT NULL,
    agency          TEXT COLLATE "C" NOT NULL REFERENCES agencies(code),
    delivered_at    TEXT COLLATE "C",
    read_at         TEXT COLLATE "C",
    acknowledged_at TEXT COLLATE "C",
    PRIMARY KEY (message, agency)
);
CREATE INDEX message_recipients_agency ON message_recipients(agency, message);

-- What a message points at, so screening finds the wanted-person
-- diffusions on a record.
CREATE TABLE message_references (
    message TEXT COLLATE "C" NOT NULL,
    kind    TEXT COLLATE "C" NOT NULL,
    ref_id  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (message, kind, ref_id)
);
CREATE INDEX message_references_ref ON message_references(ref_id);
