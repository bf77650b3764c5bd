-- When each partition (and each time slice of a split walk) last committed a
-- page, so a walk that is claimed or due but makes no progress ("stuck") is
-- visible, not only one that fails. Set with every page and with the walk's
-- completion; the metrics file reads it (docs/operations.md).
-- A partition that has committed nothing yet counts from when it was first
-- seen (the row's creation); existing rows from their last successful walk,
-- whose completion was committed with its last page.
ALTER TABLE sync_checkpoints ADD COLUMN last_page_at timestamptz DEFAULT now();
UPDATE sync_checkpoints SET last_page_at = coalesce(last_success_at, last_run_at, now());

ALTER TABLE sync_slices ADD COLUMN last_page_at timestamptz;
