-- Which blob is which preview of which source blob, as SQLite migration 009 made it (its INTEGER is 64-bit).
CREATE TABLE previews (
    source_sha256  text COLLATE "C" NOT NULL,
    width          bigint  NOT NULL,
    height         bigint  NOT NULL,
    method         text    NOT NULL,
    format         text    NOT NULL,
    animated       bigint  NOT NULL,
    preview_sha256 text COLLATE "C" NOT NULL,
    PRIMARY KEY (source_sha256, width, height, method, format, animated)
);

CREATE INDEX previews_by_preview ON previews (preview_sha256);
