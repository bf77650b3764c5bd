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
