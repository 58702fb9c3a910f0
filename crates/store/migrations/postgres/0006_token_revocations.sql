-- Servers keep live tokens in memory and learn of other servers' logouts by polling this.
CREATE INDEX tokens_revoked ON tokens(revoked_at) WHERE revoked_at IS NOT NULL;
