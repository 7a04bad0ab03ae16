-- What each pubkey's blobs add up to, as SQLite migration 012 made it. The tables are locked first:
-- a node still running the previous version cannot change owners between the sum and the triggers.
LOCK TABLE blobs, owners IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE owner_usage (
    pubkey text COLLATE "C" NOT NULL PRIMARY KEY,
    bytes  bigint NOT NULL
);

-- Each change is one atomic row update, so nodes adding and removing a pubkey's blobs at once
-- cannot lose each other's bytes. An upsert's update of a known owner is no insert: it adds nothing.
CREATE FUNCTION owner_usage_on_owner_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO owner_usage AS u (pubkey, bytes)
    SELECT NEW.pubkey, b.size FROM blobs b WHERE b.sha256 = NEW.sha256
    ON CONFLICT (pubkey) DO UPDATE SET bytes = u.bytes + excluded.bytes;
    RETURN NULL;
END $$;

CREATE TRIGGER owner_usage_on_owner_insert AFTER INSERT ON owners
FOR EACH ROW EXECUTE FUNCTION owner_usage_on_owner_insert();

CREATE FUNCTION owner_usage_on_owner_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE owner_usage u SET bytes = u.bytes - b.size
    FROM blobs b WHERE b.sha256 = OLD.sha256 AND u.pubkey = OLD.pubkey;
    RETURN NULL;
END $$;

CREATE TRIGGER owner_usage_on_owner_delete AFTER DELETE ON owners
FOR EACH ROW EXECUTE FUNCTION owner_usage_on_owner_delete();

-- A blob's owners go before its row does, so the trigger above still finds the size it subtracts
-- (the ON DELETE CASCADE runs after the row is gone, and finds none left). Their totals are locked
-- first in pubkey order, so two removals of blobs with the same owners cannot deadlock.
CREATE FUNCTION owner_usage_on_blob_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM owner_usage u WHERE u.pubkey IN (SELECT o.pubkey FROM owners o WHERE o.sha256 = OLD.sha256)
    ORDER BY u.pubkey FOR UPDATE;
    DELETE FROM owners WHERE sha256 = OLD.sha256;
    RETURN OLD;
END $$;

CREATE TRIGGER owner_usage_on_blob_delete BEFORE DELETE ON blobs
FOR EACH ROW EXECUTE FUNCTION owner_usage_on_blob_delete();

INSERT INTO owner_usage (pubkey, bytes)
SELECT o.pubkey, SUM(b.size) FROM owners o JOIN blobs b ON b.sha256 = o.sha256 GROUP BY o.pubkey;
