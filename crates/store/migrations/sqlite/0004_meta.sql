-- Facts about the database itself: which ID-number key it was written with (a keyed probe, not
-- the key), so a server started with another key refuses to run instead of failing open.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
