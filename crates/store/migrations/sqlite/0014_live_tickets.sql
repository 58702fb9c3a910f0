-- One-time tickets for the live channel (a browser cannot send a bearer token on a WebSocket):
-- only the hash is kept; a ticket is good once, for one show, for a minute. Kept in the database
-- so a ticket taken on one node opens the channel on another.
CREATE TABLE live_tickets (
    ticket_hash TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    show_id     TEXT NOT NULL REFERENCES shows(id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX live_tickets_expiry ON live_tickets(expires_at);
