-- Live shows, lineups, follows, change requests; the audit log becomes one stream ("platform") of
-- the governance records, each stream hash-chained on its own with its head in record_heads.
CREATE TABLE records (
    stream    TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    subject   TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL,
    PRIMARY KEY (stream, seq)
);
CREATE TABLE record_heads (
    stream TEXT PRIMARY KEY,
    seq    BIGINT NOT NULL,
    hash   TEXT NOT NULL
);
-- What an archive removed: the chain resumes from `hash` after `through_seq`.
CREATE TABLE record_checkpoints (
    stream       TEXT PRIMARY KEY,
    through_seq  BIGINT NOT NULL,
    hash         TEXT NOT NULL,
    archived_at  TIMESTAMPTZ NOT NULL,
    archive_file TEXT NOT NULL
);
INSERT INTO records (stream, seq, at, actor, action, subject, detail, prev_hash, hash)
    SELECT 'platform', seq, at, actor, action, subject, detail, prev_hash, hash FROM audit_log;
INSERT INTO record_heads (stream, seq, hash) SELECT 'platform', seq, hash FROM audit_head;
DROP TABLE audit_log;
DROP TABLE audit_head;
DROP FUNCTION audit_log_append_only();
CREATE FUNCTION records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'records are append-only'; END $$;
CREATE TRIGGER records_no_change BEFORE UPDATE OR DELETE ON records
    FOR EACH ROW EXECUTE FUNCTION records_append_only();
CREATE TRIGGER records_no_truncate BEFORE TRUNCATE ON records
    FOR EACH STATEMENT EXECUTE FUNCTION records_append_only();

CREATE TABLE shows (
    id               TEXT PRIMARY KEY,
    room_operator_id TEXT NOT NULL REFERENCES parties(id),
    title            TEXT NOT NULL,
    scheduled_start  TIMESTAMPTZ NOT NULL,
    stream_url       TEXT NOT NULL,
    replay_url       TEXT,
    ai_presenter     BOOLEAN NOT NULL,
    script           TEXT,
    status           TEXT NOT NULL,
    pinned_item      TEXT,
    started_at       TIMESTAMPTZ,
    ended_at         TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX shows_status ON shows(status, id);
CREATE INDEX shows_room ON shows(room_operator_id, id);

CREATE TABLE show_anchors (
    show_id   TEXT NOT NULL REFERENCES shows(id),
    anchor_id TEXT NOT NULL REFERENCES anchors(id),
    position  BIGINT NOT NULL,
    PRIMARY KEY (show_id, anchor_id)
);
CREATE INDEX show_anchors_anchor ON show_anchors(anchor_id);

CREATE TABLE lineup_items (
    id                    TEXT PRIMARY KEY,
    show_id               TEXT NOT NULL REFERENCES shows(id),
    product_id            TEXT NOT NULL REFERENCES products(id),
    anchor_role           TEXT NOT NULL,
    commission_bps        BIGINT NOT NULL CHECK (commission_bps BETWEEN 0 AND 10000),
    show_price_minor      BIGINT NOT NULL CHECK (show_price_minor > 0),
    currency              TEXT NOT NULL,
    unit                  TEXT NOT NULL,
    reference_price_minor BIGINT,
    reference_basis       TEXT,
    purchase_limit        BIGINT,
    added_at              TIMESTAMPTZ NOT NULL,
    UNIQUE (show_id, product_id),
    CHECK ((reference_price_minor IS NULL) = (reference_basis IS NULL))
);

CREATE TABLE follows (
    room_operator_id TEXT NOT NULL REFERENCES parties(id),
    account_id       TEXT NOT NULL REFERENCES accounts(id),
    followed_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_operator_id, account_id)
);

CREATE TABLE change_requests (
    id          TEXT PRIMARY KEY,
    party_id    TEXT NOT NULL REFERENCES parties(id),
    status      TEXT NOT NULL,
    reported_at TIMESTAMPTZ NOT NULL,
    doc         TEXT NOT NULL
);
CREATE INDEX change_requests_status ON change_requests(status, id);
