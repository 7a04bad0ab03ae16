-- Pubkeys the operator blocked from writing, and reports (BUD-09), as SQLite migrations 003 and 005 left them.
CREATE TABLE blocked_pubkeys (
    pubkey  text COLLATE "C" NOT NULL PRIMARY KEY,
    reason  text   NOT NULL,
    blocked bigint NOT NULL
);

-- The signed event once, however many blobs it names, and a narrow row per reported blob. A
-- reporter reports a blob once: later reports of it by the same pubkey add nothing (the unique
-- index), so a flood of reports cannot fill the disk.
CREATE TABLE report_events (
    event_id text COLLATE "C" NOT NULL PRIMARY KEY,
    reporter text COLLATE "C" NOT NULL,
    content  text   NOT NULL,
    event    text   NOT NULL,
    received bigint NOT NULL
);

CREATE INDEX report_events_by_received ON report_events (received DESC);

CREATE TABLE blob_reports (
    event_id text COLLATE "C" NOT NULL REFERENCES report_events (event_id) ON DELETE CASCADE,
    sha256   text COLLATE "C" NOT NULL,
    reporter text COLLATE "C" NOT NULL,
    kind     text NOT NULL,
    PRIMARY KEY (event_id, sha256)
);

CREATE UNIQUE INDEX blob_reports_by_sha256 ON blob_reports (sha256, reporter);
