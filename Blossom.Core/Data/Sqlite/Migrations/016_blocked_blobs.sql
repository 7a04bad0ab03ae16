-- Blobs the operator blocked: removed for every owner, and refused whenever they arrive again.
CREATE TABLE blocked_blobs (
    sha256  TEXT    NOT NULL PRIMARY KEY,
    reason  TEXT    NOT NULL,
    blocked INTEGER NOT NULL
) WITHOUT ROWID;
