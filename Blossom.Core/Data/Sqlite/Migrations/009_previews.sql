-- Which blob is which preview of which source blob. A preview is found by its source and the
-- snapped box, method, format and animation it was asked in; several rows may name one preview
-- blob (two sources with the same pixels, or a source that is its own preview).
CREATE TABLE previews (
    source_sha256  TEXT    NOT NULL,
    width          INTEGER NOT NULL,
    height         INTEGER NOT NULL,
    method         TEXT    NOT NULL,
    format         TEXT    NOT NULL,
    animated       INTEGER NOT NULL,
    preview_sha256 TEXT    NOT NULL,
    PRIMARY KEY (source_sha256, width, height, method, format, animated)
) WITHOUT ROWID;

-- Whether a blob is still some source's preview, before it is removed with a source.
CREATE INDEX previews_by_preview ON previews (preview_sha256);
