-- PUT /media tasks (BUD-05), as SQLite migrations 002 and 007 left them. Result columns are copied
-- from the blob so a finished task still describes its result after the blob's owners delete it.
CREATE TABLE media_tasks (
    id              text COLLATE "C" NOT NULL PRIMARY KEY,
    owner           text COLLATE "C",
    original_sha256 text COLLATE "C" NOT NULL,
    original_type   text    NOT NULL,
    status          text    NOT NULL CHECK (status IN ('running', 'complete', 'canceled')),
    progress        bigint  NOT NULL,
    message         text    NOT NULL,
    result_sha256   text COLLATE "C",
    result_size     bigint,
    result_type     text,
    result_uploaded bigint,
    result_created  boolean NOT NULL DEFAULT false,
    created         bigint  NOT NULL,
    updated         bigint  NOT NULL,
    -- How many times the task's job was started without ending, so a job that takes a node down is given up after a few.
    attempts        bigint  NOT NULL DEFAULT 0
);

CREATE INDEX media_tasks_running_by_original ON media_tasks (original_sha256) WHERE status = 'running';
CREATE INDEX media_tasks_running_by_owner ON media_tasks (owner) WHERE status = 'running';
CREATE INDEX media_tasks_finished_by_updated ON media_tasks (updated) WHERE status <> 'running';

-- What an original became under a recipe (the output settings), so the same upload is not
-- optimized twice. Outlives the tasks; checked against the store before use.
CREATE TABLE media_results (
    original_sha256 text COLLATE "C" NOT NULL,
    recipe          text NOT NULL,
    result_sha256   text COLLATE "C" NOT NULL,
    PRIMARY KEY (original_sha256, recipe)
);
