-- Live supervision of the room (Order 117 Art. 11-13, 22, 31): viewers' comments (hidden ones
-- kept, with why), when each live show was last heard, and regulators' notices with their clocks.
CREATE TABLE chat_messages (
    id        TEXT PRIMARY KEY,
    show_id   TEXT NOT NULL REFERENCES shows(id),
    author_id TEXT NOT NULL REFERENCES accounts(id),
    hidden    INTEGER NOT NULL,
    at        TEXT NOT NULL,
    doc       TEXT NOT NULL
);
CREATE INDEX chat_show ON chat_messages(show_id, id);

CREATE TABLE show_speech (
    show_id       TEXT PRIMARY KEY REFERENCES shows(id),
    last_heard_at TEXT NOT NULL,
    silent_since  TEXT
);

CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    subject_id  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX notices_subject ON notices(subject_id, id);
