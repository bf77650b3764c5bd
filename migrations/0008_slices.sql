-- Time slices: a walk whose frozen window holds much history (a first sync,
-- a backfill, a long outage) is split into slices of creation time, each its
-- own NextToken chain with its own checkpoint, committed with each of its
-- pages. The partition's cursor moves (to walk_window_end) only in the
-- transaction that finds every slice done and deletes the plan; a rerun after
-- a kill reuses the plan as it stands.
-- Bounds are exclusive like the API's: slice k holds the jobs created after
-- window_start and before window_end, and the next slice starts at this one's
-- window_end minus one second, so every second belongs to exactly one slice.
CREATE TABLE sync_slices (
    bucket              text NOT NULL,
    tag                 text NOT NULL,
    queue_id            text NOT NULL,
    slice               int NOT NULL CHECK (slice >= 0),
    window_start        timestamptz,          -- NULL => from the oldest job
    window_end          timestamptz NOT NULL,
    next_token          text,
    token_issued_at     timestamptz,
    last_creation_time  timestamptz,
    pages               int NOT NULL DEFAULT 0,
    jobs                bigint NOT NULL DEFAULT 0,
    done_at             timestamptz,          -- set with the slice's last page
    PRIMARY KEY (bucket, tag, queue_id, slice),
    FOREIGN KEY (bucket, tag, queue_id) REFERENCES sync_checkpoints ON DELETE CASCADE
);

-- Slices walked to their end by the run.
ALTER TABLE sync_runs ADD COLUMN slices int NOT NULL DEFAULT 0;
