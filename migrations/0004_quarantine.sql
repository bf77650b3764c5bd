-- Quarantine: jobs that could not be stored, so one bad job never blocks its
-- partition (docs/schema.md). A page whose statement PostgreSQL refuses
-- (a data error) is written again job by job; a job that still fails, or
-- that the parser rejected outright, lands here with its exact bytes, and
-- the walk goes on. A later clean arrival of the job removes its row.

CREATE TABLE quarantine (
    bucket         text NOT NULL,
    -- SHA-256 of the job id's bytes: job ids can be any length (a btree key
    -- holds at most about 2.7 KB) and need not be valid UTF-8.
    job_id_sha256  bytea NOT NULL,
    -- The job id made storable (sanitize_text, cut to 256 bytes); raw has it exactly.
    job_id         text NOT NULL,
    -- The partition it was listed from.
    tag            text NOT NULL,
    queue_id       text NOT NULL DEFAULT '',
    -- The JobsDetail element exactly as received.
    raw            bytea NOT NULL,
    error          text NOT NULL,
    first_seen     timestamptz NOT NULL DEFAULT now(),
    last_seen      timestamptz NOT NULL DEFAULT now(),
    times_seen     bigint NOT NULL DEFAULT 1,
    PRIMARY KEY (bucket, job_id_sha256)
);
CREATE INDEX quarantine_partition_idx ON quarantine (bucket, tag, queue_id);

ALTER TABLE sync_runs ADD COLUMN jobs_quarantined bigint NOT NULL DEFAULT 0;
