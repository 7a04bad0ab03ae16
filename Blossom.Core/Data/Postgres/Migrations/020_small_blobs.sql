-- Small blobs' bytes as rows, as SQLite migration 017 made them.
CREATE TABLE small_blobs (
    sha256 text COLLATE "C" NOT NULL PRIMARY KEY,
    bytes  bytea  NOT NULL,
    stored bigint NOT NULL
);
