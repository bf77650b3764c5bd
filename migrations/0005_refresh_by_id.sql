-- Refresh by id (GET /jobs/<ids>): unfinished jobs older than the lookback are
-- refreshed by whichever costs fewer requests, a re-walk or by id.

-- Set once when GET /jobs/<ids> names the job in NonExistJobIds; cleared when
-- the job shows up again. Such a job keeps its row and is no longer refreshed.
ALTER TABLE jobs ADD COLUMN vanished_at timestamptz;

-- The jobs a refresh looks at: any non-terminal state, not vanished.
CREATE INDEX jobs_refresh_idx ON jobs (bucket, tag, queue_id, creation_time)
    WHERE state NOT IN ('Success', 'Failed', 'Cancel') AND vanished_at IS NULL;

-- Per partition, as of its last walk: unfinished jobs inside refresh_horizon,
-- and how the ones older than the lookback were refreshed ('walk', 'by_id',
-- or 'none' when there were none).
ALTER TABLE sync_checkpoints
    ADD COLUMN unfinished_jobs bigint,
    ADD COLUMN last_refresh text;

ALTER TABLE sync_runs
    ADD COLUMN jobs_refreshed_by_id bigint NOT NULL DEFAULT 0,
    ADD COLUMN requests_by_id bigint NOT NULL DEFAULT 0,
    ADD COLUMN jobs_vanished bigint NOT NULL DEFAULT 0;
