-- Pubkeys the operator blocked from writing, and blob reports (BUD-09) waiting for the operator.
CREATE TABLE blocked_pubkeys (
    pubkey  TEXT    NOT NULL PRIMARY KEY,
    reason  TEXT    NOT NULL,
    blocked INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per reported blob per report event; the signed event is kept as received.
CREATE TABLE reports (
    event_id TEXT    NOT NULL,
    sha256   TEXT    NOT NULL,
    reporter TEXT    NOT NULL,
    kind     TEXT    NOT NULL,
    content  TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    received INTEGER NOT NULL,
    PRIMARY KEY (event_id, sha256)
) WITHOUT ROWID;

CREATE INDEX reports_by_received ON reports (received DESC);
CREATE INDEX reports_by_sha256 ON reports (sha256);

-- The operator's list of all blobs, newest first.
CREATE INDEX blobs_by_uploaded ON blobs (uploaded DESC, sha256 DESC);
