-- The dashboard's windowed questions over jobs (run time per tag, queue wait
-- per queue, failure rate per tag and queue over days) read every job of the
-- window but only these columns: carried in the creation_time index, they
-- are answered by an index-only scan, which reads the window's index pages
-- (~90 B a job) instead of its heap blocks (~1.5 KB a job, `detail` inline).
-- Their cost then follows the window, not how much of a long history's heap
-- the page cache happens to hold (docs/performance.md, "Reading at scale").
-- job_id is carried because the questions go through v_jobs: PostgreSQL 15
-- removes v_jobs' unused LEFT JOINs but keeps their key, jobs.job_id, in the
-- scan's columns, and without it no index-only scan is considered.
-- Same name, same key: every plan that used it still does. The write path
-- pays wider entries in an index it already maintained, appended in
-- creation-time order.
DROP INDEX jobs_creation_time_idx;
CREATE INDEX jobs_creation_time_idx ON jobs (creation_time)
    INCLUDE (job_id, tag, queue_id, state, start_time, end_time);

-- A run that changed no job (a no-op sync) has no day to refresh: the
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

