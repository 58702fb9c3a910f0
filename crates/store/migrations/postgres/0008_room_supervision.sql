-- Live supervision of the room (Order 117 Art. 11-13, 22, 31): viewers' comments (hidden ones
-- kept, with why), when each live show was last heard, and regulators' notices with their clocks.
CREATE TABLE chat_messages (
    id        TEXT PRIMARY KEY,
    show_id   TEXT NOT NULL REFERENCES shows(id),
    author_id TEXT NOT NULL REFERENCES accounts(id),
    hidden    BOOLEAN NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    doc       TEXT NOT NULL
);
CREATE INDEX chat_show ON chat_messages(show_id, id);

CREATE TABLE show_speech (
    show_id       TEXT PRIMARY KEY REFERENCES shows(id),
    last_heard_at TIMESTAMPTZ NOT NULL,
    silent_since  TIMESTAMPTZ
);

CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    subject_id  TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX notices_subject ON notices(subject_id, id);
