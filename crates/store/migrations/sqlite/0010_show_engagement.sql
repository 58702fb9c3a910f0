-- Who watched a live show and how many likes each gave (the feed counts unique signed-in viewers
-- and caps likes per viewer, so bought likes move nothing).
CREATE TABLE show_engagement (
    show_id    TEXT NOT NULL REFERENCES shows(id),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    likes      BIGINT NOT NULL CHECK (likes >= 0),
    first_seen TEXT NOT NULL,
    PRIMARY KEY (show_id, account_id)
);
