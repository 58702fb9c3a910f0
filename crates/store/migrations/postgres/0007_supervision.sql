-- Speech supervision (Order 117 Art. 12-14, 31, 34): violations found in shows' transcripts,
-- the measures of the penalty ladder, and identities barred from registering again.
CREATE TABLE violations (
    id               TEXT PRIMARY KEY,
    show_id          TEXT NOT NULL REFERENCES shows(id),
    anchor_id        TEXT NOT NULL REFERENCES anchors(id),
    room_operator_id TEXT NOT NULL REFERENCES parties(id),
    status           TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    doc              TEXT NOT NULL
);
CREATE INDEX violations_anchor ON violations(anchor_id, created_at);
CREATE INDEX violations_room ON violations(room_operator_id, created_at);
CREATE INDEX violations_show ON violations(show_id, id);

CREATE TABLE measures (
    id         TEXT PRIMARY KEY,
    subject_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    doc        TEXT NOT NULL
);
CREATE INDEX measures_subject ON measures(subject_id, id);

-- Art. 14: a closed account's identity (ID number or USCC, by its keyed index) may not register
-- again. Rows go only when the measure behind them is reversed on appeal.
CREATE TABLE barred_identities (
    identity_index TEXT NOT NULL,
    measure_id     TEXT NOT NULL REFERENCES measures(id),
    barred_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (identity_index, measure_id)
);
