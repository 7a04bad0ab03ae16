-- What NIP-94 tags say beyond hash, size and type (BUD-08): the picture's size, a blurhash
-- placeholder, and for optimized media the hash of the original it was made from.
ALTER TABLE blobs ADD COLUMN width INTEGER;
ALTER TABLE blobs ADD COLUMN height INTEGER;
ALTER TABLE blobs ADD COLUMN blurhash TEXT;
ALTER TABLE blobs ADD COLUMN original_sha256 TEXT;
