-- Complaints about a show the consumer watched without buying: no order, the show recorded.
ALTER TABLE complaints ALTER COLUMN order_id DROP NOT NULL;
ALTER TABLE complaints ADD COLUMN show_id TEXT REFERENCES shows(id);
-- One complaint per consumer and show without an order.
CREATE UNIQUE INDEX complaints_show_id_consumer ON complaints(show_id, consumer_id) WHERE order_id IS NULL;
