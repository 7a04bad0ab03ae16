-- Blobs the operator blocked, as SQLite migration 016 made them.
CREATE TABLE blocked_blobs (
    sha256  text COLLATE "C" NOT NULL PRIMARY KEY,
    reason  text   NOT NULL,
    blocked bigint NOT NULL
);
