-- The read path's windows over jobs (issue 22), continued from 0022.

-- 1. The questions over a window of days (run time per tag, queue wait per
-- queue, failure rate and failure reasons per tag and queue, the slowest
-- transcodes, yesterday's failures, v_failed_jobs) read every job of the
-- window but few of its columns. Carried in the creation_time index, they
-- are answered by an index-only scan of the window's index pages (~200 B a
-- job: a Success job has no message, a Failed one ~40 characters) instead of
-- its heap blocks (~1.5 KB a job, `detail` inline), so their cost follows the
-- window, not how much of a long history's heap the page cache holds
-- (docs/performance.md, "Reading at scale"). job_id is carried because the
-- questions go through v_jobs: PostgreSQL 15 removes v_jobs' unused LEFT
-- JOINs but keeps their key, jobs.job_id, among the scan's columns, and
-- without it no index-only scan is considered. Same name and key: every
-- plan that used the index still does; the write path pays wider entries
-- in an index it already maintained (appended in creation-time order).
DROP INDEX jobs_creation_time_idx;
CREATE INDEX jobs_creation_time_idx ON jobs (creation_time)
    INCLUDE (job_id, tag, state, queue_id, start_time, end_time, code, message, input_object);

-- 2. A run that changed no job (a no-op sync) has no day to refresh: the
-- function returns before planning the day range's INSERT, which a new
-- session (every timer run) otherwise plans once for nothing.
CREATE OR REPLACE FUNCTION refresh_daily_job_stats() RETURNS bigint LANGUAGE plpgsql
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
    IF days IS NULL THEN
        RETURN 0;
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

