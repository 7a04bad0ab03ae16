-- Blobs up to Storage:SmallBlobMaxBytes: their bytes as rows, a share of one commit per batch of
-- uploads instead of a file each (an inode, an fsync, a rename). A rowid table: rows of several KiB
-- make a poor WITHOUT ROWID b-tree. `stored` (unix seconds) is what the orphan sweep ages them by.
CREATE TABLE small_blobs (
    sha256 TEXT    NOT NULL PRIMARY KEY,
    bytes  BLOB    NOT NULL,
    stored INTEGER NOT NULL
);
