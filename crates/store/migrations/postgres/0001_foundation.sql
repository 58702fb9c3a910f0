-- Foundation schema (PostgreSQL). Instants are TIMESTAMPTZ, dates DATE, JSON is text (the same
-- documents the SQLite backend stores).
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE tokens (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
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
    created_at     TIMESTAMPTZ NOT NULL,
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
    birth_date       DATE NOT NULL,
    address          TEXT NOT NULL,
    contact          TEXT NOT NULL,
    agency_id        TEXT REFERENCES parties(id),
    qualifications   TEXT NOT NULL,
    guardian_consent TEXT,
    verification     TEXT,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE trainings (
    id           TEXT PRIMARY KEY,
    anchor_id    TEXT NOT NULL REFERENCES anchors(id),
    kind         TEXT NOT NULL,
    category     TEXT,
    completed_on DATE NOT NULL,
    provider     TEXT NOT NULL,
    hours        BIGINT NOT NULL,
    recorded_by  TEXT NOT NULL REFERENCES accounts(id),
    recorded_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX trainings_anchor ON trainings(anchor_id);

CREATE TABLE rosters (
    room_operator_id TEXT NOT NULL REFERENCES parties(id),
    anchor_id        TEXT NOT NULL REFERENCES anchors(id),
    added_at         TIMESTAMPTZ NOT NULL,
    confirmed_at     TIMESTAMPTZ,
    PRIMARY KEY (room_operator_id, anchor_id)
);

CREATE TABLE blacklist (
    identity_index TEXT PRIMARY KEY,
    reason         TEXT NOT NULL,
    listed_at      TIMESTAMPTZ NOT NULL,
    listed_by      TEXT NOT NULL REFERENCES accounts(id)
);

CREATE TABLE products (
    id             TEXT PRIMARY KEY,
    seller_id      TEXT NOT NULL REFERENCES parties(id),
    goods_owner_id TEXT NOT NULL REFERENCES parties(id),
    title          TEXT NOT NULL,
    description    TEXT,
    category       TEXT NOT NULL,
    price_minor    BIGINT NOT NULL CHECK (price_minor > 0),
    currency       TEXT NOT NULL,
    unit           TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX products_seller ON products(seller_id);

CREATE TABLE variants (
    id          TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL REFERENCES products(id),
    position    BIGINT NOT NULL,
    label       TEXT NOT NULL,
    stock       BIGINT NOT NULL CHECK (stock >= 0),
    price_minor BIGINT NOT NULL CHECK (price_minor > 0)
);
CREATE INDEX variants_product ON variants(product_id);

CREATE TABLE qualifications (
    id          TEXT PRIMARY KEY,
    product_id  TEXT NOT NULL REFERENCES products(id),
    kind        TEXT NOT NULL,
    number      TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_until DATE NOT NULL,
    review      TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX qualifications_product ON qualifications(product_id);

CREATE TABLE inspections (
    id            TEXT PRIMARY KEY,
    product_id    TEXT NOT NULL REFERENCES products(id),
    lab           TEXT NOT NULL,
    report_number TEXT NOT NULL,
    inspected_on  DATE NOT NULL,
    passed        BOOLEAN NOT NULL,
    valid_until   DATE,
    review        TEXT,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX inspections_product ON inspections(product_id);

-- Append-only, hash-chained audit trail; audit_head serialises appends.
CREATE TABLE audit_log (
    seq       BIGINT PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TABLE audit_head (
    id   SMALLINT PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
