-- Matrix media ids (the path of mxc:// URIs) and the blobs they name. The blob is owned by the
-- Matrix user in `owners`, so quotas, deletion and moderation are the blobs'. A created id
-- (MSC2246) has no blob, type or upload time until its bytes arrive, and is forgotten once
-- `unused_expires` passed without them. Times are unix milliseconds, as clients see them.
CREATE TABLE matrix_media (
    media_id       TEXT    NOT NULL PRIMARY KEY,
    owner          TEXT    NOT NULL,
    sha256         TEXT,
    content_type   TEXT,
    file_name      TEXT,
    created        INTEGER NOT NULL,
    unused_expires INTEGER,
    uploaded       INTEGER
) WITHOUT ROWID;

-- A user's pending ids are counted against their limit; expired ones are swept.
CREATE INDEX matrix_media_pending_by_owner ON matrix_media (owner, unused_expires) WHERE sha256 IS NULL;
CREATE INDEX matrix_media_pending_by_expiry ON matrix_media (unused_expires) WHERE sha256 IS NULL;
