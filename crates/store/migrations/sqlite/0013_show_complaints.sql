-- Complaints about a show the consumer watched without buying: no order, the show recorded.
-- SQLite cannot drop a NOT NULL, so the table is rebuilt (nothing references it).
CREATE TABLE complaints_new (
    id          TEXT PRIMARY KEY,
    order_id    TEXT REFERENCES orders(id),
    show_id     TEXT REFERENCES shows(id),
    consumer_id TEXT NOT NULL REFERENCES accounts(id),
    merchant_id TEXT NOT NULL REFERENCES parties(id),
    status      TEXT NOT NULL,
    filed_at    TEXT NOT NULL,
    doc         TEXT NOT NULL
);
INSERT INTO complaints_new (id, order_id, show_id, consumer_id, merchant_id, status, filed_at, doc)
    SELECT id, order_id, NULL, consumer_id, merchant_id, status, filed_at, doc FROM complaints;
DROP TABLE complaints;
ALTER TABLE complaints_new RENAME TO complaints;
CREATE UNIQUE INDEX complaints_order ON complaints(order_id);
CREATE INDEX complaints_consumer ON complaints(consumer_id, id);
CREATE INDEX complaints_merchant ON complaints(merchant_id, id);
CREATE INDEX complaints_status ON complaints(status, id);
-- One complaint per consumer and show without an order.
CREATE UNIQUE INDEX complaints_show_id_consumer ON complaints(show_id, consumer_id) WHERE order_id IS NULL;
