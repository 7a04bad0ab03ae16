-- Reports (BUD-09) kept compactly: the signed event once, however many blobs it names, and a narrow
-- row per reported blob the server holds. A reporter reports a blob once: later reports of it by the
-- same pubkey add nothing (the unique index), so a flood of reports cannot fill the disk.
CREATE TABLE report_events (
    event_id TEXT    NOT NULL PRIMARY KEY,
    reporter TEXT    NOT NULL,
    content  TEXT    NOT NULL,
    event    TEXT    NOT NULL,
    received INTEGER NOT NULL
);

CREATE INDEX report_events_by_received ON report_events (received DESC);

CREATE TABLE blob_reports (
    event_id TEXT NOT NULL REFERENCES report_events (event_id) ON DELETE CASCADE,
    sha256   TEXT NOT NULL,
    reporter TEXT NOT NULL,
    kind     TEXT NOT NULL,
    PRIMARY KEY (event_id, sha256)
) WITHOUT ROWID;

CREATE UNIQUE INDEX blob_reports_by_sha256 ON blob_reports (sha256, reporter);

-- The old rows: each event once (its first arrival), each reporter's first report of a blob.
INSERT INTO report_events (event_id, reporter, content, event, received)
SELECT event_id, reporter, content, event, MIN(received) FROM reports GROUP BY event_id;

INSERT OR IGNORE INTO blob_reports (event_id, sha256, reporter, kind)
SELECT event_id, sha256, reporter, kind FROM reports ORDER BY received, event_id;

DELETE FROM report_events WHERE event_id NOT IN (SELECT event_id FROM blob_reports);

DROP TABLE reports;
