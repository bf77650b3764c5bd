// The job store's COPY path for first loads: a page none of whose jobs is
// stored goes by COPY and lands exactly the rows the upsert lands; a job
// another writer inserted meanwhile sends the page back to the upsert.
#include "jobsync/core/api_tags.hpp"
#include "jobsync/db/job_store.hpp"
#include "jobsync/db/job_tables.hpp"
#include "jobsync/parse/jobs_page.hpp"

#include "emulator/job_generator.hpp"
#include "emulator/job_spec.hpp"
#include "support/temp_database.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace jobsync;

namespace {

const std::string kBucket = "examplebucket-1250000000";
const SourceConfig kSource = [] {
    SourceConfig source;
    source.bucket = kBucket;
    return source;
}();
const Partition kPartition{&kSource, "Transcode", ""};

emulator::GeneratorOptions generator_options(std::size_t count)
{
    emulator::GeneratorOptions options;
    options.count = count;
    options.tags = all_api_tags();
    options.seed = 14;
    return options;
}

JobsPage page_of(const std::vector<emulator::JobSpec>& specs, std::size_t first, std::size_t end)
{
    std::string body = "<Response>";
    for (std::size_t i = first; i < std::min(specs.size(), end); ++i) {
        body += emulator::render_job_xml(specs[i]);
    }
    JobsPage page = parse_jobs_page(body + "</Response>");
    REQUIRE(page.rejected.empty());
    return page;
}

// Generated jobs of every tag, the first ones carrying text COPY must escape,
// in pages of page_size.
std::vector<JobsPage> generated_pages(std::size_t count, std::size_t page_size)
{
    std::vector<emulator::JobSpec> specs = emulator::generate_jobs(generator_options(count));
    REQUIRE(specs.size() > 2);
    specs[0].user_data = "\\N"; // COPY's NULL marker, as text
    specs[1].user_data = "tab\there, back\\slash, new\nline, \\t not a tab";
    specs[2].cos_headers.emplace_back("x-cos-meta-path", "C:\\media\\in\t1");
    std::vector<JobsPage> pages;
    // Never reallocated: a vector copies JobsPages (whose deque moves are not
    // noexcept), and the copies' views would point into the old bodies.
    pages.reserve(specs.size() / page_size + 1);
    for (std::size_t first = 0; first < specs.size(); first += page_size) {
        pages.push_back(page_of(specs, first, first + page_size));
    }
    return pages;
}

std::vector<std::string> job_tables()
{
    std::vector<std::string> names{jobs_table().name};
    for (const TableShape& table : child_tables()) {
        names.push_back(table.name);
    }
    return names;
}

// Every row of table, as JSON, sorted; the sync times left out.
std::string table_contents(const testing::TempDatabase& db, const std::string& table)
{
    return db.scalar("SELECT count(*) || E':\\n' || coalesce(string_agg(r, E'\\n' ORDER BY r), "
                     "'') FROM (SELECT (to_jsonb(t) - 'first_synced_at' - 'last_synced_at')::text "
                     "AS r FROM " +
                     table + " t) AS rows");
}

void check_same_contents(const testing::TempDatabase& a, const testing::TempDatabase& b)
{
    for (const std::string& table : job_tables()) {
        INFO(table);
        CHECK(table_contents(a, table) == table_contents(b, table));
    }
}

// The multi-row insert statements the upsert path prepared on conn (the COPY
// path prepares none).
long upsert_statements(pqxx::connection& conn)
{
    pqxx::nontransaction txn(conn);
    return txn
        .exec1("SELECT count(*) FROM pg_prepared_statements WHERE name ~ '^jobsync_.*_[0-9]+$'")[0]
        .as<long>();
}

PageWriteResult write(JobStore& store, pqxx::connection& conn, const std::vector<JobRecord>& jobs)
{
    pqxx::work txn(conn);
    const PageWriteResult result = store.write_page(txn, kPartition, jobs, {});
    txn.commit();
    return result;
}

} // namespace

TEST_CASE("copy: a first-load page goes by COPY and lands exactly the rows of the upsert")
{
    testing::TempDatabase& copy_db = testing::shared_database();
    copy_db.truncate_all();
    testing::TempDatabase upsert_db;
    const std::vector<JobsPage> pages = generated_pages(500, 100);
    const JobsPage sentinel_page = page_of(
        {emulator::generate_job(generator_options(1), 100000, "Transcode", 1704067200)}, 0, 1);
    const JobRecord& sentinel = sentinel_page.jobs.at(0);

    auto copy_conn = copy_db.connect();
    auto upsert_conn = upsert_db.connect();
    JobStore copy_store;
    JobStore upsert_store;
    // The sentinel, stored in both, sends each of upsert_db's pages down the
    // upsert path (not every job of the page is new) and is skipped there.
    CHECK(write(copy_store, *copy_conn, {sentinel}).inserted == 1);
    CHECK(write(upsert_store, *upsert_conn, {sentinel}).inserted == 1);
    for (const JobsPage& page : pages) {
        const PageWriteResult copied = write(copy_store, *copy_conn, page.jobs);
        CHECK(copied.inserted == static_cast<long>(page.jobs.size()));
        std::vector<JobRecord> with_sentinel{sentinel};
        with_sentinel.insert(with_sentinel.end(), page.jobs.begin(), page.jobs.end());
        const PageWriteResult upserted = write(upsert_store, *upsert_conn, with_sentinel);
        CHECK(upserted.inserted == static_cast<long>(page.jobs.size()));
        CHECK(upserted.unchanged == 1);
    }
    CHECK(upsert_statements(*copy_conn) == 0);
    CHECK(upsert_statements(*upsert_conn) > 0);

    CHECK(copy_db.count("jobs") == 501);
    CHECK(copy_db.count("media_streams") > 0);
    CHECK(copy_db.count("job_input_cos_headers") > 0);
    CHECK(copy_db.scalar("SELECT count(*) FROM jobs WHERE user_data = '\\N'") == "1");
    CHECK(copy_db.scalar("SELECT count(*) FROM jobs WHERE user_data = E'tab\\there, "
                         "back\\\\slash, new\\nline, \\\\t not a tab'") == "1");
    check_same_contents(copy_db, upsert_db);

    // Written again, by either path's store, nothing changes.
    for (const JobsPage& page : pages) {
        CHECK(write(copy_store, *copy_conn, page.jobs).unchanged ==
              static_cast<long>(page.jobs.size()));
    }
    check_same_contents(copy_db, upsert_db);
}

TEST_CASE("copy: a job inserted meanwhile by another writer sends the page to the upsert")
{
    testing::TempDatabase& db = testing::shared_database();
    db.truncate_all();
    const std::vector<JobsPage> pages = generated_pages(40, 40);
    const std::vector<JobRecord>& jobs = pages[0].jobs;

    // The other writer's insert of one job of the page, uncommitted: the page's
    // COPY finds nothing stored, then waits on that job's key.
    auto other_conn = db.connect();
    pqxx::work other(*other_conn);
    JobStore other_store;
    CHECK(other_store.write_page(other, kPartition, {jobs[17]}, {}).inserted == 1);

    auto conn = db.connect();
    JobStore store;
    auto page = std::async(std::launch::async, [&] { return write(store, *conn, jobs); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (db.scalar("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
                     "datname = current_database() AND query LIKE 'COPY %'") != "1") {
        REQUIRE(std::chrono::steady_clock::now() < deadline);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    other.commit();
    const PageWriteResult result = page.get();
    CHECK(result.inserted == 40); // as the upsert counts a job inserted meanwhile
    CHECK(result.quarantined == 0);
    CHECK(upsert_statements(*conn) > 0);

    // The same rows as one writer alone gives.
    testing::TempDatabase alone;
    auto alone_conn = alone.connect();
    JobStore alone_store;
    CHECK(write(alone_store, *alone_conn, jobs).inserted == 40);
    CHECK(upsert_statements(*alone_conn) == 0);
    CHECK(db.count("jobs") == 40);
    check_same_contents(db, alone);
}
