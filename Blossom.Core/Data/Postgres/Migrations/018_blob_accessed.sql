-- When each blob was last fetched, as SQLite migration 015 made it: null until a fetch is recorded.
-- A nullable column without a default is added without rewriting the table, while other nodes serve.
ALTER TABLE blobs ADD COLUMN accessed bigint;
