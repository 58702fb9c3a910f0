-- The safety net's double-entry ledger. Balances are kept per account and change only with a
-- transfer in the same transaction; money-holding accounts may never go below zero (the CHECK is
-- the last line behind the application's own check). Transfers are never changed or removed.
CREATE TABLE ledger_accounts (
    code     TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance  BIGINT NOT NULL,
    CHECK (balance >= 0 OR kind IN ('external_cash', 'receivable'))
);
-- Keyed by the client's id (no separate rowid: one B-tree fewer per transfer); `seq` is assigned
-- from `ledger_seq` in commit order and orders each account's history.
CREATE TABLE ledger_transfers (
    id        TEXT PRIMARY KEY,
    seq       BIGINT NOT NULL,
    debit     TEXT NOT NULL REFERENCES ledger_accounts(code),
    credit    TEXT NOT NULL REFERENCES ledger_accounts(code),
    amount    BIGINT NOT NULL CHECK (amount > 0),
    currency  TEXT NOT NULL,
    kind      TEXT NOT NULL,
    reference TEXT,
    at        TEXT NOT NULL,
    CHECK (debit <> credit)
) WITHOUT ROWID;
CREATE TABLE ledger_seq (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last BIGINT NOT NULL
);
INSERT INTO ledger_seq (id, last) VALUES (1, 0);
CREATE INDEX ledger_transfers_debit ON ledger_transfers(debit, seq);
CREATE INDEX ledger_transfers_credit ON ledger_transfers(credit, seq);
CREATE TRIGGER ledger_transfers_no_update BEFORE UPDATE ON ledger_transfers BEGIN SELECT RAISE(ABORT, 'transfers are immutable'); END;
CREATE TRIGGER ledger_transfers_no_delete BEFORE DELETE ON ledger_transfers BEGIN SELECT RAISE(ABORT, 'transfers are immutable'); END;
