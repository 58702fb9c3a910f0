-- Reviews are never deleted or edited (E-commerce Law Art. 17, 39): every entry (the review, each
-- follow-up, the seller's reply) is its own append-only row.
CREATE TABLE review_entries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id   TEXT NOT NULL REFERENCES orders(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    kind       TEXT NOT NULL,
    at         TEXT NOT NULL,
    doc        TEXT NOT NULL
);
CREATE UNIQUE INDEX review_one_initial ON review_entries(order_id) WHERE kind = 'initial';
CREATE UNIQUE INDEX review_one_reply ON review_entries(order_id) WHERE kind = 'reply';
CREATE INDEX review_entries_product ON review_entries(product_id, id);
CREATE TRIGGER review_entries_no_update BEFORE UPDATE ON review_entries BEGIN SELECT RAISE(ABORT, 'reviews are never edited'); END;
CREATE TRIGGER review_entries_no_delete BEFORE DELETE ON review_entries BEGIN SELECT RAISE(ABORT, 'reviews are never deleted'); END;
