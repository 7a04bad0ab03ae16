-- Blobs and who owns them, as SQLite migrations 001 and 004 left them. Hashes and pubkeys are
-- lowercase hex compared bytewise (COLLATE "C": the list cursor and the indexes order them the
-- same whatever the database's locale); times are unix seconds.
CREATE TABLE blobs (
    sha256          text COLLATE "C" NOT NULL PRIMARY KEY,
    size            bigint NOT NULL,
    type            text   NOT NULL,
    uploaded        bigint NOT NULL,
    width           bigint,
    height          bigint,
    blurhash        text,
    original_sha256 text COLLATE "C"
);

-- The operator's list of all blobs, newest first.
CREATE INDEX blobs_by_uploaded ON blobs (uploaded DESC, sha256 DESC);

-- `uploaded` repeats the blob's upload time so a pubkey's list is one index range scan,
-- newest first, with the hash as tie-breaker for a stable cursor.
CREATE TABLE owners (
    pubkey   text COLLATE "C" NOT NULL,
    sha256   text COLLATE "C" NOT NULL REFERENCES blobs (sha256) ON DELETE CASCADE,
    uploaded bigint NOT NULL,
    added    bigint NOT NULL,
    PRIMARY KEY (pubkey, sha256)
);

CREATE INDEX owners_by_pubkey_uploaded ON owners (pubkey, uploaded DESC, sha256 DESC);
CREATE INDEX owners_by_sha256 ON owners (sha256);
