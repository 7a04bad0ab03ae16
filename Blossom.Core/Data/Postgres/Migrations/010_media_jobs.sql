-- The media job queue every node shares (PUT /media). A row is a job waiting for a worker or being
-- worked on; it goes when the job ends. At most one per original, so requests for the same
-- original share one job whichever node they reach.
CREATE TABLE media_jobs (
    job_id          uuid NOT NULL PRIMARY KEY,
    original_sha256 text COLLATE "C" NOT NULL UNIQUE,
    original_type   text NOT NULL,
    kind            text NOT NULL,
    -- Claim order: first queued, first claimed.
    position        bigint GENERATED ALWAYS AS IDENTITY,
    -- Claims so far, the current one included; a job whose worker dies at every claim is given up after a few.
    attempts        integer NOT NULL DEFAULT 0,
    -- The current claim, renewed by its worker's heartbeat; a job whose lease ran out is anyone's to claim.
    lease_id        uuid,
    leased_by       text,
    lease_until     timestamptz
);

CREATE INDEX media_jobs_by_position ON media_jobs (position);
