-- When each blob was last fetched (unix seconds), for storage rules that count idle days
-- (Retention:Rules MaxIdleDays). Null until a fetch is recorded: the idle days count from the upload.
-- Fetches are batched in memory and written together, never one write per GET.
ALTER TABLE blobs ADD COLUMN accessed INTEGER;
