-- Reviews are never deleted or edited (E-commerce Law Art. 17, 39): every entry (the review, each
-- follow-up, the seller's reply) is its own append-only row.
CREATE TABLE review_entries (
    id         BIGSERIAL PRIMARY KEY,
    order_id   TEXT NOT NULL REFERENCES orders(id),
    product_id TEXT NOT NULL REFERENCES products(id),
    kind       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    doc        TEXT NOT NULL
);
CREATE UNIQUE INDEX review_one_initial ON review_entries(order_id) WHERE kind = 'initial';
CREATE UNIQUE INDEX review_one_reply ON review_entries(order_id) WHERE kind = 'reply';
CREATE INDEX review_entries_product ON review_entries(product_id, id);
CREATE FUNCTION review_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'reviews are never edited or deleted'; END $$;
CREATE TRIGGER review_entries_no_change BEFORE UPDATE OR DELETE ON review_entries
    FOR EACH ROW EXECUTE FUNCTION review_entries_append_only();
