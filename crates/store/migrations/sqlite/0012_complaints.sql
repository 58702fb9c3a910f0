-- Consumers' complaints (Order 117 Art. 20): the document holds the flow, clocks, decision and
-- compensation; the columns serve the lists (by consumer, merchant, state).
CREATE TABLE complaints (
    id          TEXT PRIMARY KEY,
    order_id    TEXT NOT NULL REFERENCES orders(id),
    consumer_id TEXT NOT NULL REFERENCES accounts(id),
    merchant_id TEXT NOT NULL REFERENCES parties(id),
    status      TEXT NOT NULL,
    filed_at    TEXT NOT NULL,
    doc         TEXT NOT NULL
);
-- One complaint per order: two racing filings cannot both land.
CREATE UNIQUE INDEX complaints_order ON complaints(order_id);
CREATE INDEX complaints_consumer ON complaints(consumer_id, id);
CREATE INDEX complaints_merchant ON complaints(merchant_id, id);
CREATE INDEX complaints_status ON complaints(status, id);
