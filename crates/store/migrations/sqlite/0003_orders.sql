-- Orders. Money and stock are durable before a buyer is told anything: the checkout engine
-- commits a batch of orders with their stock decrements in one transaction.
CREATE TABLE orders (
    id              TEXT PRIMARY KEY,
    consumer_id     TEXT NOT NULL REFERENCES accounts(id),
    merchant_id     TEXT NOT NULL REFERENCES parties(id),
    product_id      TEXT NOT NULL REFERENCES products(id),
    variant_id      TEXT NOT NULL REFERENCES variants(id),
    quantity        INTEGER NOT NULL CHECK (quantity > 0),
    total_minor     INTEGER NOT NULL CHECK (total_minor > 0),
    currency        TEXT NOT NULL,
    show_id         TEXT REFERENCES shows(id),
    status          TEXT NOT NULL,
    idempotency_key TEXT,
    placed_at       TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    doc             TEXT NOT NULL,
    UNIQUE (consumer_id, idempotency_key)
);
CREATE INDEX orders_consumer ON orders(consumer_id, id);
CREATE INDEX orders_merchant ON orders(merchant_id, id);
CREATE INDEX orders_show_product ON orders(show_id, product_id, consumer_id);
CREATE INDEX orders_status ON orders(status, id);
