// Schema drift: elements the worker does not know, at several depths, never
// fail a sync, stay in detail, and are recorded per tag in schema_drift.
#include "jobsync/commands/status_report.hpp"
#include "jobsync/db/drift_store.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_comparison.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sstream>

using namespace testing;
using jobsync::emulator::GeneratorOptions;
using jobsync::emulator::JobSpec;

namespace {

// Adds unknown elements to a generated Transcode job at three depths.
JobSpec drifted(JobSpec job)
{
    job.extra_operation_xml += "<FutureResult><Score>1</Score></FutureResult>";
    const auto end = job.settings_xml.rfind("</Transcode>");
    REQUIRE(end != std::string::npos);
    job.settings_xml.insert(end, "<NewKnob>3 &amp; 4</NewKnob>");
    for (auto& stream : job.streams) {
        if (stream.kind == "video" && !stream.fields.empty()) {
            stream.fields.emplace_back("HdrFormat", "HDR10");
        }
    }
    return job;
}

} // namespace

TEST_CASE("drift: unknown elements land in detail and in schema_drift, never fail the sync")
{
    TempDatabase& db = shared_database();
    db.truncate_all();
    GeneratorOptions options;
    options.count = 120;
    options.tags = {"Transcode"};
    EmulatorFixture emulator(options);
    std::string body = "<Response>";
    for (const JobSpec& job : emulator.dataset.specs()) {
        emulator.dataset.add(drifted(job));
        body += jobsync::emulator::render_job_xml(drifted(job));
    }
    body += "</Response>";

    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = {"Transcode"};
    const jobsync::Config config = load_test_config(db, spec);
    jobsync::SyncOptions sync_options;
    const jobsync::SyncSummary summary = jobsync::run_sync(config, sync_options, nullptr);
    CHECK(summary.failed == 0);
    auto conn = db.connect();
    const auto differences = compare_with_dataset(*conn, emulator.dataset, options.bucket);
    for (const std::string& difference : differences) {
        UNSCOPED_INFO(difference);
    }
    CHECK(differences.empty());
    CHECK(db.scalar("SELECT count(*) FROM jobs WHERE xpath_exists("
                    "'/JobsDetail/Operation/Transcode/NewKnob[text() = \"3 & 4\"]', detail)") ==
          "120");
    // The sync itself recorded what it did not know, and status shows it.
    CHECK(db.scalar("SELECT sightings FROM schema_drift WHERE tag = 'Transcode' AND "
                    "path = 'Operation/Transcode/NewKnob'") == "120");
    std::ostringstream status_text;
    jobsync::print_status(config, {}, status_text);
    CHECK(status_text.str().find("SCHEMA DRIFT") != std::string::npos);
    CHECK(status_text.str().find("Transcode Operation/Transcode/NewKnob  seen 120 times") !=
          std::string::npos);
    std::ostringstream status_json;
    jobsync::print_status(config, {true, std::nullopt}, status_json);
    const auto report = nlohmann::json::parse(status_json.str());
    CHECK(report.at("partitions").size() == 1);
    CHECK(report.at("schema_drift").size() == 3);

    // What the walker records per page (see drift_store), twice: counts add up.
    const jobsync::JobsPage page = jobsync::parse_jobs_page(body);
    db.scalar("TRUNCATE schema_drift");
    for (int pass = 0; pass < 2; ++pass) {
        pqxx::work txn(*conn);
        jobsync::record_drift(txn, options.bucket, page);
        txn.commit();
    }
    CHECK(db.scalar("SELECT string_agg(path || '=' || sightings, ', ' ORDER BY path) "
                    "FROM schema_drift WHERE tag = 'Transcode'") ==
          "Operation/FutureResult=240, Operation/MediaInfo/Stream/Video/HdrFormat=" +
              std::to_string(2 * std::count_if(page.jobs.begin(), page.jobs.end(),
                                               [](const auto& j) { return !j.streams.empty(); })) +
              ", Operation/Transcode/NewKnob=240");
    CHECK(db.scalar("SELECT bool_and(first_seen <= last_seen AND last_bucket = '" + options.bucket +
                    "' AND last_job_id LIKE 'j%') FROM schema_drift") == "t");
    CHECK(db.scalar("SELECT count(*) FROM schema_drift WHERE tag <> 'Transcode'") == "0");
}
