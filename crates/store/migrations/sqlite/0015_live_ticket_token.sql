-- A ticket remembers the token it was taken with: once that token is revoked (a logout) or
-- expires, its unused tickets no longer open the channel.
ALTER TABLE live_tickets ADD COLUMN token_hash TEXT;
