-- Transcript segments already taken, by the client's id: a retried request is not scanned and
-- penalised twice, and a correction can name only a segment that was said.
CREATE TABLE speech_segments (
    show_id    TEXT NOT NULL REFERENCES shows(id),
    segment_id TEXT NOT NULL,
    at_ms      BIGINT NOT NULL,
    PRIMARY KEY (show_id, segment_id)
);
