-- Each uploader of a hash gets a partial upload of their own (owner '' is the anonymous one), named by
-- an id that its bytes go by in the partial-upload store, so nobody's chunks can hold up another's. The
-- completion claim becomes a lease (claimed_until, unix milliseconds; 0: not claimed) that lapses when
-- its node dies. Uploads under way are kept: their id is their hash, the name their bytes already have.
CREATE TABLE partial_uploads_new (
    id            TEXT    NOT NULL PRIMARY KEY,
    sha256        TEXT    NOT NULL,
    owner         TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    length        INTEGER NOT NULL,
    created       INTEGER NOT NULL,
    touched       INTEGER NOT NULL,
    claimed_until INTEGER NOT NULL DEFAULT 0,
    UNIQUE (sha256, owner)
) WITHOUT ROWID;

CREATE TABLE partial_upload_chunks_new (
    upload_id TEXT    NOT NULL REFERENCES partial_uploads_new (id) ON DELETE CASCADE,
    start     INTEGER NOT NULL,
    length    INTEGER NOT NULL,
    part      TEXT    NOT NULL,
    PRIMARY KEY (upload_id, start, part)
) WITHOUT ROWID;

INSERT INTO partial_uploads_new (id, sha256, owner, type, length, created, touched)
    SELECT sha256, sha256, COALESCE(owner, ''), type, length, created, touched FROM partial_uploads;
INSERT INTO partial_upload_chunks_new (upload_id, start, length, part)
    SELECT sha256, start, length, part FROM partial_upload_chunks;

DROP TABLE partial_upload_chunks;
DROP TABLE partial_uploads;
ALTER TABLE partial_uploads_new RENAME TO partial_uploads;
ALTER TABLE partial_upload_chunks_new RENAME TO partial_upload_chunks;

-- An owner's partial uploads count against the quota; idle ones are swept.
CREATE INDEX partial_uploads_by_owner ON partial_uploads (owner) WHERE owner <> '';
CREATE INDEX partial_uploads_by_touched ON partial_uploads (touched);
