-- Plans: every walk of a partition is a plan of one or more time slices
-- (one for an incremental run, several for a dense window). The plan freezes
-- the window; its slices hold all walk state. The transaction that commits a
-- plan's last page moves the partition's cursor to the plan's window_end and
-- deletes the plan. At most one plan per partition.
CREATE TABLE sync_plans (
    plan_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bucket        text NOT NULL,
    tag           text NOT NULL,
    queue_id      text NOT NULL,
    window_start  timestamptz,          -- NULL => from the oldest job
    window_end    timestamptz NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bucket, tag, queue_id),
    FOREIGN KEY (bucket, tag, queue_id) REFERENCES sync_checkpoints ON DELETE CASCADE
);

-- The slices of 0008, now keyed by their plan. Bounds are exclusive like the
-- API's: slice k + 1 starts one second before slice k ends.
ALTER TABLE sync_slices RENAME TO sync_slices_0008;
CREATE TABLE sync_slices (
    plan_id             bigint NOT NULL REFERENCES sync_plans ON DELETE CASCADE,
    slice               int NOT NULL CHECK (slice >= 0),
    window_start        timestamptz,          -- NULL => from the oldest job
    window_end          timestamptz NOT NULL,
    next_token          text,
    token_issued_at     timestamptz,
    last_creation_time  timestamptz,
    pages               int NOT NULL DEFAULT 0,
    jobs                bigint NOT NULL DEFAULT 0,
    done_at             timestamptz,          -- set with the slice's last page
    last_page_at        timestamptz,
    PRIMARY KEY (plan_id, slice)
);

-- Walks in progress become plans: a split walk keeps its slices, a single
-- chain becomes slice 0 with its token.
INSERT INTO sync_plans (bucket, tag, queue_id, window_start, window_end)
SELECT bucket, tag, queue_id, walk_window_start, walk_window_end
FROM sync_checkpoints WHERE walk_window_end IS NOT NULL;
INSERT INTO sync_slices (plan_id, slice, window_start, window_end, next_token, token_issued_at,
                         last_creation_time, pages, jobs, done_at, last_page_at)
SELECT p.plan_id, s.slice, s.window_start, s.window_end, s.next_token, s.token_issued_at,
       s.last_creation_time, s.pages, s.jobs, s.done_at, s.last_page_at
FROM sync_slices_0008 s JOIN sync_plans p USING (bucket, tag, queue_id);
INSERT INTO sync_slices (plan_id, slice, window_start, window_end, next_token, token_issued_at,
                         last_creation_time, pages, jobs, last_page_at)
SELECT p.plan_id, 0, c.walk_window_start, c.walk_window_end, c.walk_next_token,
       c.walk_token_issued_at, c.walk_last_creation_time, c.walk_pages, c.walk_jobs, c.last_page_at
FROM sync_checkpoints c JOIN sync_plans p USING (bucket, tag, queue_id)
WHERE NOT EXISTS (SELECT 1 FROM sync_slices s WHERE s.plan_id = p.plan_id);
DROP TABLE sync_slices_0008;
-- Walk state is no longer kept here (the walk_* columns stay for old readers;
-- walk_window_start/end still name the window of the plan in progress).
UPDATE sync_checkpoints SET walk_next_token = NULL, walk_token_issued_at = NULL,
    walk_last_creation_time = NULL, walk_pages = 0, walk_jobs = 0;

-- Claims are typed units: 'plan' (freeze, refresh, probe, write the plan:
-- plan_id NULL, slice 0) and 'slice' (slice `slice` of plan `plan_id`).
-- Slice claims of 0008's encoding (slice k + 1) are dropped: the next plan
-- unit offers the plan's unfinished slices again.
DELETE FROM sync_claims WHERE slice > 0;
ALTER TABLE sync_claims
    ADD COLUMN kind text NOT NULL DEFAULT 'plan' CHECK (kind IN ('plan', 'slice')),
    ADD COLUMN plan_id bigint,
    -- Counts the unit's claims: a holder's page transactions name the claim
    -- they hold, so a thread whose claim was taken over (even by a thread of
    -- its own process) writes nothing.
    ADD COLUMN claim_no bigint NOT NULL DEFAULT 0,
    ADD CONSTRAINT sync_claims_unit_check CHECK ((kind = 'plan') = (plan_id IS NULL)),
    DROP CONSTRAINT sync_claims_pkey;
CREATE UNIQUE INDEX sync_claims_unit_idx
    ON sync_claims (round_id, bucket, tag, queue_id, kind, coalesce(plan_id, 0), slice);
