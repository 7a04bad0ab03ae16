-- The remote media cache and the quarantine, as SQLite migration 014 made them.
CREATE TABLE matrix_remote_media (
    server_name  text COLLATE "C" NOT NULL,
    media_id     text COLLATE "C" NOT NULL,
    sha256       text COLLATE "C" NOT NULL,
    content_type text   NOT NULL,
    file_name    text,
    size         bigint NOT NULL,
    fetched      bigint NOT NULL,
    last_access  bigint NOT NULL,
    PRIMARY KEY (server_name, media_id)
);

CREATE INDEX matrix_remote_media_by_access ON matrix_remote_media (last_access);
CREATE INDEX matrix_remote_media_by_sha256 ON matrix_remote_media (sha256);

CREATE TABLE matrix_quarantine (
    server_name text COLLATE "C" NOT NULL,
    media_id    text COLLATE "C" NOT NULL,
    reason      text,
    created     bigint NOT NULL,
    PRIMARY KEY (server_name, media_id)
);
