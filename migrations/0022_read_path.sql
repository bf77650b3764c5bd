-- The read path at scale, jobs side (issue 22): the views keep their names,
-- columns and meaning, but a window of days or one input file costs what it
-- holds, not the whole history; the write path pays almost nothing for it.
-- Figures: docs/performance.md ("Reading at scale").

-- 1. detail stays as it was, inline and pglz-compressed: out of line and
-- lz4 were measured and cost the first sync more WAL than they saved
-- (docs/performance.md); it returns the whole JobsDetail as before.

-- 2. Indexes for the questions users ask. creation_time alone as a btree:
-- a sync writes its partitions interleaved (correlation of creation_time
-- to the heap ~0.02 on a history synced partition after partition), so a
-- BRIN there reads nearly every block range for one day; the btree reads
-- what the window holds, at one index insert per job (docs/performance.md).
CREATE INDEX jobs_creation_time_idx ON jobs (creation_time);
CREATE INDEX jobs_input_object_idx ON jobs (input_object, input_bucket);

-- 3. v_daily_job_stats' rows, stored per (day, tag, queue, state) for the
-- days in daily_job_stats_zone's time zone (the zone of the sessions that
-- refresh it: the worker's, i.e. the database's default).
-- Exact at every instant, with no per-row work on the write path:
--   * a statement trigger on jobs records, once per statement, the hours of
--     creation time whose jobs it changed (daily_job_stats_stale);
--   * the view answers days touching a recorded hour from jobs (only those
--     days), every other day from daily_job_stats;
--   * refresh_daily_job_stats() (the worker calls it at the end of each
--     sync) recomputes the recorded days and deletes the records it covered.
CREATE TABLE daily_job_stats_zone (
    time_zone  text NOT NULL
);
CREATE TABLE daily_job_stats (
    day                     date NOT NULL,
    tag                     text NOT NULL,
    queue_id                text,
    state                   text,
    jobs                    bigint NOT NULL,
    day_jobs                numeric NOT NULL,
    failure_rate            numeric,
    p50_run_seconds         numeric,
    p95_run_seconds         numeric,
    p50_queue_wait_seconds  numeric,
    p95_queue_wait_seconds  numeric,
    CONSTRAINT daily_job_stats_key UNIQUE NULLS NOT DISTINCT (day, tag, queue_id, state)
);
-- Append-only (no key): a record is only ever deleted by the refresh whose
-- own snapshot saw it, so one written concurrently is never lost.
CREATE TABLE daily_job_stats_stale (
    hour_start  timestamptz NOT NULL  -- jobs created in [hour_start, +1 hour) changed
);

-- The rows of the days first_day..last_day (in the session's time zone):
-- the only definition of the statistics, used by the view (one day at a
-- time) and by the refresh (its days in one pass). Day D holds the jobs
-- created in [D, D + 1), i.e. creation_time::date = D, read as one range of
-- creation_time; percentiles over each day's jobs only. failure_rate is over
-- the whole (day, tag, queue): Failed / (Success + Failed), the same on each
-- of its state rows.
CREATE FUNCTION daily_job_stats_of_days(first_day date, last_day date)
RETURNS TABLE (day date, tag text, queue_id text, state text, jobs bigint, day_jobs numeric,
               failure_rate numeric, p50_run_seconds numeric, p95_run_seconds numeric,
               p50_queue_wait_seconds numeric, p95_queue_wait_seconds numeric)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT s.day, s.tag, s.queue_id, s.state, s.jobs,
           sum(s.jobs) OVER w,
           round(sum(s.failed) OVER w / nullif(sum(s.finished) OVER w, 0), 4),
           round(s.p50_run::numeric, 3),
           round(s.p95_run::numeric, 3),
           round(s.p50_wait::numeric, 3),
           round(s.p95_wait::numeric, 3)
    FROM (SELECT j.creation_time::date AS day, j.tag, j.queue_id, j.state,
                 count(*) AS jobs,
                 count(*) FILTER (WHERE j.state = 'Failed') AS failed,
                 count(*) FILTER (WHERE j.state IN ('Success', 'Failed')) AS finished,
                 percentile_cont(0.5) WITHIN GROUP (
                     ORDER BY extract(epoch FROM j.end_time - j.start_time)) AS p50_run,
                 percentile_cont(0.95) WITHIN GROUP (
                     ORDER BY extract(epoch FROM j.end_time - j.start_time)) AS p95_run,
                 percentile_cont(0.5) WITHIN GROUP (
                     ORDER BY extract(epoch FROM j.start_time - j.creation_time)) AS p50_wait,
                 percentile_cont(0.95) WITHIN GROUP (
                     ORDER BY extract(epoch FROM j.start_time - j.creation_time)) AS p95_wait
          FROM jobs j
          WHERE j.creation_time >= first_day::timestamptz
            AND j.creation_time < (last_day + 1)::timestamptz
          GROUP BY 1, j.tag, j.queue_id, j.state) s
    WINDOW w AS (PARTITION BY s.day, s.tag, s.queue_id);
END;

-- The local days (session time zone) an hour record touches: one, or two
-- when a day boundary falls inside the hour (zones off the hour).
CREATE FUNCTION daily_job_stats_days_of(hour_start timestamptz)
RETURNS SETOF date LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT d::date
    FROM generate_series(hour_start::date,
                         (hour_start + interval '1 hour' - interval '1 microsecond')::date,
                         interval '1 day') d;
END;

-- The statement triggers: one grouped insert per statement, never per row.
-- An hour is date_bin's (absolute, whatever the session's time zone). An
-- UPDATE records only rows whose statistics' inputs changed (not, say,
-- vanish_checked_at).
CREATE FUNCTION daily_job_stats_mark() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO daily_job_stats_stale (hour_start)
        SELECT DISTINCT date_bin('1 hour', creation_time, timestamptz '2000-01-01 00:00+00')
        FROM new_jobs;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO daily_job_stats_stale (hour_start)
        SELECT DISTINCT date_bin('1 hour', creation_time, timestamptz '2000-01-01 00:00+00')
        FROM old_jobs;
    ELSE
        INSERT INTO daily_job_stats_stale (hour_start)
        SELECT DISTINCT date_bin('1 hour', t.creation_time, timestamptz '2000-01-01 00:00+00')
        FROM old_jobs o
        JOIN new_jobs n ON n.job_id = o.job_id
        CROSS JOIN LATERAL (VALUES (o.creation_time), (n.creation_time)) t (creation_time)
        WHERE (o.tag, o.queue_id, o.state, o.creation_time, o.start_time, o.end_time)
              IS DISTINCT FROM
              (n.tag, n.queue_id, n.state, n.creation_time, n.start_time, n.end_time);
    END IF;
    RETURN NULL;
END
$$;

-- DELETE, not TRUNCATE: a TRUNCATE naming these tables too (as tests clear
-- a schema) would still be using them.
CREATE FUNCTION daily_job_stats_clear() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM daily_job_stats;
    DELETE FROM daily_job_stats_stale;
    RETURN NULL;
END
$$;

CREATE TRIGGER daily_job_stats_insert AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION daily_job_stats_mark();
CREATE TRIGGER daily_job_stats_update AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION daily_job_stats_mark();
CREATE TRIGGER daily_job_stats_delete AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS old_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION daily_job_stats_mark();
CREATE TRIGGER daily_job_stats_truncate AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION daily_job_stats_clear();

-- Recomputes the recorded days, in the caller's time zone (all days when the
-- zone changed). Its own transaction; refreshes are serialised by a lock, so
-- a later one starts from what an earlier one committed. Records are deleted
-- first: the statements after see at least the jobs those records stood for.
-- Returns the days recomputed.
CREATE FUNCTION refresh_daily_job_stats() RETURNS bigint LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    zone constant text := current_setting('TimeZone');
    days date[];
BEGIN
    PERFORM pg_advisory_xact_lock(
        hashtextextended('ci-jobsync:daily_job_stats:' || current_schema(), 0));
    IF zone IS DISTINCT FROM (SELECT time_zone FROM daily_job_stats_zone) THEN
        DELETE FROM daily_job_stats_stale;
        DELETE FROM daily_job_stats_zone;
        INSERT INTO daily_job_stats_zone (time_zone) VALUES (zone);
        DELETE FROM daily_job_stats;
        SELECT array_agg(d::date) INTO days
        FROM generate_series((SELECT min(creation_time) FROM jobs)::date,
                             (SELECT max(creation_time) FROM jobs)::date,
                             interval '1 day') d;
    ELSE
        WITH taken AS (DELETE FROM daily_job_stats_stale RETURNING hour_start)
        SELECT array_agg(DISTINCT d) INTO days
        FROM taken CROSS JOIN LATERAL daily_job_stats_days_of(taken.hour_start) d;
        DELETE FROM daily_job_stats WHERE day = ANY (days);
    END IF;
    -- One pass over the days' range (a first sync's whole history is one
    -- scan, not one per day), keeping the recorded days.
    INSERT INTO daily_job_stats
    SELECT s.*
    FROM daily_job_stats_of_days((SELECT min(d) FROM unnest(days) d),
                                 (SELECT max(d) FROM unnest(days) d)) s
    WHERE s.day = ANY (days);
    RETURN coalesce(cardinality(days), 0);
END
$$;

-- The rows of the jobs already stored.
SELECT refresh_daily_job_stats();

-- 4. The view, same columns and meaning as 0002's. In the rollup's zone:
-- stored rows of the days no record touches, plus the recorded days computed
-- from jobs. In another zone: every day computed from jobs, one range of
-- creation_time per day. A filter on day reaches each branch's days.
CREATE OR REPLACE VIEW v_daily_job_stats AS
WITH zone_matches AS (
    SELECT coalesce((SELECT time_zone FROM daily_job_stats_zone) = current_setting('TimeZone'),
                    false) AS matches
),
stale_days AS (
    SELECT DISTINCT d AS day
    FROM daily_job_stats_stale s
    CROSS JOIN LATERAL daily_job_stats_days_of(s.hour_start) d
)
SELECT r.day, r.tag, r.queue_id, r.state, r.jobs, r.day_jobs, r.failure_rate,
       r.p50_run_seconds, r.p95_run_seconds, r.p50_queue_wait_seconds, r.p95_queue_wait_seconds
FROM daily_job_stats r
WHERE (SELECT matches FROM zone_matches)
  AND r.day NOT IN (SELECT day FROM stale_days)
UNION ALL
-- d.day, not s.day: a filter on day then picks the days before they are read.
SELECT d.day, s.tag, s.queue_id, s.state, s.jobs, s.day_jobs, s.failure_rate,
       s.p50_run_seconds, s.p95_run_seconds, s.p50_queue_wait_seconds, s.p95_queue_wait_seconds
FROM stale_days d
CROSS JOIN LATERAL daily_job_stats_of_days(d.day, d.day) s
WHERE (SELECT matches FROM zone_matches)
UNION ALL
SELECT d.day::date, s.tag, s.queue_id, s.state, s.jobs, s.day_jobs, s.failure_rate,
       s.p50_run_seconds, s.p95_run_seconds, s.p50_queue_wait_seconds, s.p95_queue_wait_seconds
FROM generate_series((SELECT min(creation_time) FROM jobs)::date,
                     (SELECT max(creation_time) FROM jobs)::date,
                     interval '1 day') AS d (day)
CROSS JOIN LATERAL daily_job_stats_of_days(d.day::date, d.day::date) s
WHERE NOT (SELECT matches FROM zone_matches);

-- 5. v_jobs, same columns and meaning as 0002's. A filter on jobs' columns
-- (a window of creation_time, one input file) applies to jobs before any
-- join. Each LATERAL is an aggregate over at most the first row (min() of
-- one row is that row's value, NULL included): one row the planner can
-- prove unique, so it drops the join and its index lookup from a query that
-- uses none of its columns (0002's LIMIT 1 alone ran both lookups for every
-- job of the window).
CREATE OR REPLACE VIEW v_jobs AS
SELECT j.job_id,
       j.bucket,
       j.tag,
       j.sub_tag,
       j.state,
       j.code,
       j.message,
       j.queue_id,
       j.queue_type,
       j.creation_time,
       j.start_time,
       j.end_time,
       j.creation_time::date AS local_date,
       extract(epoch FROM j.start_time - j.creation_time) AS queue_wait_seconds,
       extract(epoch FROM j.end_time - j.start_time) AS run_seconds,
       extract(epoch FROM j.end_time - j.creation_time) AS total_seconds,
       j.input_bucket,
       j.input_region,
       j.input_object,
       o.bucket AS output_bucket,
       o.region AS output_region,
       o.object AS output_object,
       f.object_name AS output_file,
       f.md5 AS output_md5,
       m.duration AS media_duration_seconds,
       m.size AS media_size_bytes,
       j.template_id,
       j.template_name,
       j.workflow_id,
       j.workflow_name,
       j.last_synced_at
FROM jobs j
LEFT JOIN LATERAL (
    SELECT min(first.bucket) AS bucket, min(first.region) AS region, min(first.object) AS object
    FROM (SELECT bucket, region, object FROM job_outputs
          WHERE job_id = j.job_id ORDER BY ordinal LIMIT 1) first
) o ON true
LEFT JOIN LATERAL (
    SELECT min(first.object_name) AS object_name, min(first.md5) AS md5
    FROM (SELECT object_name, md5 FROM output_files
          WHERE job_id = j.job_id AND kind = 'main' ORDER BY ordinal LIMIT 1) first
) f ON true
LEFT JOIN media_info m ON m.job_id = j.job_id;
