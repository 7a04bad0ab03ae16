-- Multi-part uploads (BUD-14) that have not received every byte yet, as SQLite migration 008 left
-- them: every node sees the same ones, so the chunks of one upload may reach different nodes.
-- Times are unix milliseconds, as the idle timeout may be a second or two. One upload per hash.
CREATE TABLE partial_uploads (
    sha256     text COLLATE "C" NOT NULL PRIMARY KEY,
    owner      text COLLATE "C",
    type       text    NOT NULL,
    length     bigint  NOT NULL,
    created    bigint  NOT NULL,
    touched    bigint  NOT NULL,
    -- True once a chunk completed the upload and its node builds the blob: no other node does it too.
    completing boolean NOT NULL DEFAULT false
);

-- An owner's partial uploads count against the quota; idle ones are swept.
CREATE INDEX partial_uploads_by_owner ON partial_uploads (owner) WHERE owner IS NOT NULL;
CREATE INDEX partial_uploads_by_touched ON partial_uploads (touched);

-- Bytes [start, start + length) of an upload, stored as `part` of the partial-upload store. A part
-- may be recorded again with more bytes (a file that grew), hence the part in the key.
-- `start` rather than `offset`, which is a keyword of SQL.
CREATE TABLE partial_upload_chunks (
    sha256 text COLLATE "C" NOT NULL REFERENCES partial_uploads (sha256) ON DELETE CASCADE,
    start  bigint NOT NULL,
    length bigint NOT NULL,
    part   text COLLATE "C" NOT NULL,
    PRIMARY KEY (sha256, start, part)
);
