-- Rounds: the `sync` workers of one database share one pass over the
-- partitions. A worker joins the round in progress (or opens one), claims
-- partitions with a lease, and a partition done in the round is not walked
-- again. Claims only schedule: the checkpoints keep the walk exact.

-- status: open (at most one), done (every claim done, failed or skipped),
-- abandoned (closed because all its workers were gone).
CREATE TABLE sync_rounds (
    round_id    bigserial PRIMARY KEY,
    opened_at   timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz,
    partitions  int NOT NULL DEFAULT 0,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'abandoned'))
);
-- At most one round in progress.
CREATE UNIQUE INDEX sync_rounds_one_open_idx ON sync_rounds (status) WHERE status = 'open';

-- One row per partition (and, later, per time slice of it: slice 0 is the
-- whole partition) of a round. claimed_by is a worker id (host:pid:random).
CREATE TABLE sync_claims (
    round_id     bigint NOT NULL REFERENCES sync_rounds (round_id) ON DELETE CASCADE,
    bucket       text NOT NULL,
    tag          text NOT NULL,
    queue_id     text NOT NULL DEFAULT '',
    slice        int NOT NULL DEFAULT 0,
    state        text NOT NULL DEFAULT 'todo'
                 CHECK (state IN ('todo', 'walking', 'done', 'failed', 'skipped')),
    claimed_by   text,
    lease_until  timestamptz,
    takeovers    int NOT NULL DEFAULT 0, -- claims taken from a worker that was gone
    started_at   timestamptz,
    finished_at  timestamptz,
    PRIMARY KEY (round_id, bucket, tag, queue_id, slice)
);

-- The workers in a round: renewed by each worker's heartbeat, deleted when
-- it leaves. A worker is gone when its lease has expired or its database
-- session (which holds an advisory lock on its id) has closed.
CREATE TABLE sync_workers (
    worker_id    text PRIMARY KEY,
    round_id     bigint NOT NULL REFERENCES sync_rounds (round_id) ON DELETE CASCADE,
    host         text NOT NULL,
    pid          int NOT NULL,
    joined_at    timestamptz NOT NULL DEFAULT now(),
    lease_until  timestamptz NOT NULL
);

ALTER TABLE sync_runs
    ADD COLUMN round_id bigint,
    ADD COLUMN worker_id text;
