-- Foundation schema (SQLite). Instants are RFC 3339 text in UTC, dates are ISO text, JSON is text.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX tokens_account ON tokens(account_id);

CREATE TABLE parties (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    owner_id       TEXT REFERENCES accounts(id),
    registered_by  TEXT NOT NULL REFERENCES accounts(id),
    legal_name     TEXT NOT NULL,
    uscc           TEXT,
    id_number_enc  TEXT,
    identity_index TEXT NOT NULL,
    address        TEXT NOT NULL,
    contact        TEXT NOT NULL,
    licences       TEXT NOT NULL,
    verification   TEXT,
    created_at     TEXT NOT NULL,
    UNIQUE (kind, identity_index),
    UNIQUE (kind, owner_id)
);

CREATE TABLE anchors (
    id               TEXT PRIMARY KEY,
    owner_id         TEXT NOT NULL UNIQUE REFERENCES accounts(id),
    real_name        TEXT NOT NULL,
    stage_name       TEXT,
    id_number_enc    TEXT NOT NULL,
    identity_index   TEXT NOT NULL UNIQUE,
    birth_date       TEXT NOT NULL,
    address          TEXT NOT NULL,
    contact          TEXT NOT NULL,
    agency_id        TEXT REFERENCES parties(id),
    qualifications   TEXT NOT NULL,
    guardian_consent TEXT,
    verification     TEXT,
    created_at       TEXT NOT NULL
);

CREATE TABLE trainings (
    id           TEXT PRIMARY KEY,
    anchor_id    TEXT NOT NULL REFERENCES anchors(id),
    kind         TEXT NOT NULL,
    category     TEXT,
    completed_on TEXT NOT NULL,
    provider     TEXT NOT NULL,
    hours        INTEGER NOT NULL,
    recorded_by  TEXT NOT NULL REFERENCES accounts(id),
    recorded_at  TEXT NOT NULL
);
CREATE INDEX trainings_anchor ON trainings(anchor_id);

CREATE TABLE rosters (
    room_operator_id TEXT NOT NULL REFERENCES parties(id),
    anchor_id        TEXT NOT NULL REFERENCES anchors(id),
    added_at         TEXT NOT NULL,
    confirmed_at     TEXT,
    PRIMARY KEY (room_operator_id, anchor_id)
);

CREATE TABLE blacklist (
    identity_index TEXT PRIMARY KEY,
    reason         TEXT NOT NULL,
    listed_at      TEXT NOT NULL,
    listed_by      TEXT NOT NULL REFERENCES accounts(id)
);

CREATE TABLE products (
    id             TEXT PRIMARY KEY,
    seller_id      TEXT NOT NULL REFERENCES parties(id),
    goods_owner_id TEXT NOT NULL REFERENCES parties(id),
    title          TEXT NOT NULL,
    description    TEXT,
    category       TEXT NOT NULL,
    price_minor    INTEGER NOT NULL CHECK (price_minor > 0),
    currency       TEXT NOT NULL,
    unit           TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX products_seller ON products(seller_id);

CREATE TABLE variants (
    id          TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL REFERENCES products(id),
    position    INTEGER NOT NULL,
    label       TEXT NOT NULL,
    stock       INTEGER NOT NULL CHECK (stock >= 0),
    price_minor INTEGER NOT NULL CHECK (price_minor > 0)
);
CREATE INDEX variants_product ON variants(product_id);

CREATE TABLE qualifications (
    id          TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL REFERENCES products(id),
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    valid_from  TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    review      TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX qualifications_product ON qualifications(product_id);

CREATE TABLE inspections (
    id            TEXT PRIMARY KEY,
    product_id    TEXT NOT NULL REFERENCES products(id),
    lab           TEXT NOT NULL,
    report_number TEXT NOT NULL,
    inspected_on  TEXT NOT NULL,
    passed        INTEGER NOT NULL,
    valid_until   TEXT,
    review        TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX inspections_product ON inspections(product_id);

-- Append-only, hash-chained audit trail; audit_head serialises appends.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
