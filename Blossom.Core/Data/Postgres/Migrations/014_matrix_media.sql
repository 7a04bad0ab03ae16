-- Matrix media ids and the blobs they name, as SQLite migration 011 made them.
CREATE TABLE matrix_media (
    media_id       text COLLATE "C" NOT NULL PRIMARY KEY,
    owner          text COLLATE "C" NOT NULL,
    sha256         text COLLATE "C",
    content_type   text,
    file_name      text,
    created        bigint NOT NULL,
    unused_expires bigint,
    uploaded       bigint
);

CREATE INDEX matrix_media_pending_by_owner ON matrix_media (owner, unused_expires) WHERE sha256 IS NULL;
CREATE INDEX matrix_media_pending_by_expiry ON matrix_media (unused_expires) WHERE sha256 IS NULL;
