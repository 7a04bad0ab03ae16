-- What each pubkey's blobs add up to, so the quota check of an upload reads one row instead of
-- summing every blob the uploader owns (seconds per upload at a million blobs). Triggers keep it
-- exact through every change of `owners` and `blobs`, whichever statement makes it.
CREATE TABLE owner_usage (
    pubkey TEXT    NOT NULL PRIMARY KEY,
    bytes  INTEGER NOT NULL
) WITHOUT ROWID;

-- An upsert's update of a known owner (its renewed `added`) is no insert: it adds nothing.
CREATE TRIGGER owner_usage_on_owner_insert AFTER INSERT ON owners
BEGIN
    INSERT INTO owner_usage (pubkey, bytes)
    SELECT NEW.pubkey, size FROM blobs WHERE sha256 = NEW.sha256
    ON CONFLICT (pubkey) DO UPDATE SET bytes = bytes + excluded.bytes;
END;

CREATE TRIGGER owner_usage_on_owner_delete AFTER DELETE ON owners
BEGIN
    UPDATE owner_usage SET bytes = bytes - (SELECT size FROM blobs WHERE sha256 = OLD.sha256)
    WHERE pubkey = OLD.pubkey AND EXISTS (SELECT 1 FROM blobs WHERE sha256 = OLD.sha256);
END;

-- A blob's owners go before its row does, so the trigger above still finds the size it subtracts;
-- the ON DELETE CASCADE that follows finds none left.
CREATE TRIGGER owner_usage_on_blob_delete BEFORE DELETE ON blobs
BEGIN
    DELETE FROM owners WHERE sha256 = OLD.sha256;
END;

INSERT INTO owner_usage (pubkey, bytes)
SELECT o.pubkey, SUM(b.size) FROM owners o JOIN blobs b ON b.sha256 = o.sha256 GROUP BY o.pubkey;
