-- PUT /media tasks (seed BUD-05). One row per request; requests for the same original share
-- one job in memory, found by original_sha256. Result columns are copied from the blob so a
-- finished task still describes its result after the blob's owners delete it.
CREATE TABLE media_tasks (
    id               TEXT    NOT NULL PRIMARY KEY,
    owner            TEXT,
    original_sha256  TEXT    NOT NULL,
    original_type    TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('running', 'complete', 'canceled')),
    progress         INTEGER NOT NULL,
    message          TEXT    NOT NULL,
    result_sha256    TEXT,
    result_size      INTEGER,
    result_type      TEXT,
    result_uploaded  INTEGER,
    result_created   INTEGER NOT NULL DEFAULT 0,
    created          INTEGER NOT NULL,
    updated          INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX media_tasks_running_by_original ON media_tasks (original_sha256) WHERE status = 'running';
CREATE INDEX media_tasks_running_by_owner ON media_tasks (owner) WHERE status = 'running';
CREATE INDEX media_tasks_finished_by_updated ON media_tasks (updated) WHERE status <> 'running';

-- What an original became under a recipe (the output settings), so the same upload is not
-- optimized twice. Outlives the tasks; checked against the store before use.
CREATE TABLE media_results (
    original_sha256 TEXT NOT NULL,
    recipe          TEXT NOT NULL,
    result_sha256   TEXT NOT NULL,
    PRIMARY KEY (original_sha256, recipe)
) WITHOUT ROWID;
