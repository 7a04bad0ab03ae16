-- Blobs and who owns them. Hashes are lowercase hex; times are unix seconds.
CREATE TABLE blobs (
    sha256   TEXT    NOT NULL PRIMARY KEY,
    size     INTEGER NOT NULL,
    type     TEXT    NOT NULL,
    uploaded INTEGER NOT NULL
) WITHOUT ROWID;

-- `uploaded` repeats the blob's upload time so a pubkey's list is one index range scan,
-- newest first, with the hash as tie-breaker for a stable cursor.
CREATE TABLE owners (
    pubkey   TEXT    NOT NULL,
    sha256   TEXT    NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    uploaded INTEGER NOT NULL,
    added    INTEGER NOT NULL,
    PRIMARY KEY (pubkey, sha256)
) WITHOUT ROWID;

CREATE INDEX owners_by_pubkey_uploaded ON owners (pubkey, uploaded DESC, sha256 DESC);
CREATE INDEX owners_by_sha256 ON owners (sha256);
