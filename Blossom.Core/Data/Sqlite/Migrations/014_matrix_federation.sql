-- Media of other Matrix servers fetched over federation for this server's users: the remote media
-- cache, keyed by the mxc:// authority and media id. The blob has no owner (no user's quota pays for
-- it); it goes when the cache's limits or the operator purge it. Times are unix milliseconds.
CREATE TABLE matrix_remote_media (
    server_name  TEXT    NOT NULL,
    media_id     TEXT    NOT NULL,
    sha256       TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    file_name    TEXT,
    size         INTEGER NOT NULL,
    fetched      INTEGER NOT NULL,
    last_access  INTEGER NOT NULL,
    PRIMARY KEY (server_name, media_id)
) WITHOUT ROWID;

-- The purge takes the least recently used first; a removal asks whether other media name the same blob.
CREATE INDEX matrix_remote_media_by_access ON matrix_remote_media (last_access);
CREATE INDEX matrix_remote_media_by_sha256 ON matrix_remote_media (sha256);

-- Media the operator quarantined: answered 404 on every route, local and federation. An empty
-- media_id quarantines every media of the server.
CREATE TABLE matrix_quarantine (
    server_name TEXT    NOT NULL,
    media_id    TEXT    NOT NULL,
    reason      TEXT,
    created     INTEGER NOT NULL,
    PRIMARY KEY (server_name, media_id)
) WITHOUT ROWID;
