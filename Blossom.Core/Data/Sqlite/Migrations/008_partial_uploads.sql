-- Multi-part uploads (BUD-14) that have not received every byte yet: what the first chunk declared,
-- who sent it (NULL: anonymous), and the chunks stored so far. Times are unix milliseconds, as the
-- idle timeout may be a second or two. One upload per hash.
CREATE TABLE partial_uploads (
    sha256     TEXT    NOT NULL PRIMARY KEY,
    owner      TEXT,
    type       TEXT    NOT NULL,
    length     INTEGER NOT NULL,
    created    INTEGER NOT NULL,
    touched    INTEGER NOT NULL,
    -- 1 once a chunk completed the upload and its node builds the blob: no other node does it too.
    completing INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- An owner's partial uploads count against the quota; idle ones are swept.
CREATE INDEX partial_uploads_by_owner ON partial_uploads (owner) WHERE owner IS NOT NULL;
CREATE INDEX partial_uploads_by_touched ON partial_uploads (touched);

-- Bytes [start, start + length) of an upload, stored as `part` of the partial-upload store. A part
-- may be recorded again with more bytes (a file that grew), hence the part in the key.
-- `start` rather than `offset`, which is a keyword of SQL.
CREATE TABLE partial_upload_chunks (
    sha256 TEXT    NOT NULL REFERENCES partial_uploads (sha256) ON DELETE CASCADE,
    start  INTEGER NOT NULL,
    length INTEGER NOT NULL,
    part   TEXT    NOT NULL,
    PRIMARY KEY (sha256, start, part)
) WITHOUT ROWID;
