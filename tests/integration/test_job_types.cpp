// Golden tests for every job type: emulator jobs of all 25 tags, synced, must
// land in every table exactly as the emulator's specs say, and each tag's
// documented query (docs/job-types.md) must return the expected rows.
#include "jobsync/config/config.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/dataset_comparison.hpp"
#include "support/sync_fixture.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

using namespace testing;
using jobsync::emulator::ElementList;
using jobsync::emulator::GeneratorOptions;
using jobsync::emulator::JobSpec;

namespace {

GeneratorOptions all_tags_generator()
{
    GeneratorOptions options;
    options.seed = 4;
    options.count = 1500;
    options.tags = jobsync::all_api_tags();
    return options;
}

// The type-specific result view of each tag that has one (migrations/0003).
const std::map<std::string, std::string> kResultViews{
    {"QualityEstimate", "v_quality_estimate_results"},
    {"SpeechRecognition", "v_speech_recognition_results"},
    {"Translation", "v_translation_results"},
    {"ExtractDigitalWatermark", "v_extract_digital_watermark_results"},
    {"VideoTag", "v_video_tag_results"},
    {"WordsGeneralize", "v_words_generalize_results"},
    {"VideoTargetRec", "v_video_target_rec_results"},
    {"SplitVideoParts", "v_split_video_parts_results"},
    {"PicProcess", "v_pic_process_results"},
};

// The query docs/job-types.md gives for every tag's output files.
const std::string kOutputFilesQuery = "SELECT j.job_id, f.kind, f.object_name, f.md5\n"
                                      "FROM jobs j JOIN output_files f USING (job_id)\n"
                                      "WHERE j.tag = $1 AND j.state = 'Success'\n"
                                      "ORDER BY j.job_id, f.ordinal;";

std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> row_texts(const pqxx::row& row)
{
    std::vector<std::string> texts;
    for (const auto& field : row) {
        texts.push_back(field.is_null() ? "<null>" : field.as<std::string>());
    }
    return texts;
}

class AllTags {
public:
    AllTags() : emulator(all_tags_generator())
    {
        TempDatabase& db = shared_database();
        db.truncate_all();
        ConfigSpec spec;
        spec.endpoint = emulator.server->endpoint();
        const jobsync::Config config = load_test_config(db, spec);
        jobsync::SyncOptions options;
        options.concurrency = 2;
        summary = jobsync::run_sync(config, options, nullptr);
    }

    EmulatorFixture emulator;
    jobsync::SyncSummary summary;
};

AllTags& all_tags()
{
    static AllTags synced;
    return synced;
}

} // namespace

TEST_CASE("job types: every tag lands in every table exactly as served")
{
    AllTags& synced = all_tags();
    CHECK(synced.summary.failed == 0);
    CHECK(synced.summary.partitions == 25);
    TempDatabase& db = shared_database();
    auto conn = db.connect();
    const std::string bucket = synced.emulator.generator.bucket;
    std::map<std::string, int> successes;
    for (const JobSpec& job : synced.emulator.dataset.specs()) {
        successes[job.tag] += job.state == "Success" ? 1 : 0;
    }
    for (const std::string& tag : jobsync::all_api_tags()) {
        INFO(tag);
        CHECK(successes[tag] > 0);
        const auto differences =
            compare_with_dataset(*conn, synced.emulator.dataset, bucket, {tag});
        for (const std::string& difference : differences) {
            UNSCOPED_INFO(difference);
        }
        CHECK(differences.empty());
    }
    // Every shape the notes list appears at least once.
    CHECK(db.count("job_input_cos_headers") > 0);
    CHECK(db.scalar("SELECT count(*) > 0 FROM output_files WHERE kind = 'sprite'") == "t");
    for (const char* kind : {"sprite", "audio", "background", "stream_extract"}) {
        INFO(kind);
        CHECK(db.scalar(std::string("SELECT count(*) > 0 FROM job_outputs WHERE kind = '") + kind +
                        "'") == "t");
    }
    CHECK(db.scalar("SELECT count(DISTINCT queue_type) FROM jobs") == "4");
    CHECK(db.scalar("SELECT count(*) > 0 FROM jobs WHERE input_url IS NOT NULL") == "t");
    CHECK(db.scalar("SELECT count(*) > 0 FROM jobs WHERE workflow_run_id IS NOT NULL") == "t");
    CHECK(db.scalar("SELECT count(*) > 0 FROM jobs WHERE sub_tag IS NOT NULL") == "t");
    CHECK(db.scalar("SELECT count(*) > 0 FROM media_streams s JOIN jobs j USING (job_id) "
                    "WHERE j.tag = 'VoiceSeparate' AND s.kind = 'audio' AND s.ordinal = 2") == "t");
    // The emulator sends only elements the parser knows.
    CHECK(db.scalar("SELECT count(*) FROM schema_drift") == "0");
}

TEST_CASE("job types: each tag's result view returns the job's results")
{
    AllTags& synced = all_tags();
    auto conn = shared_database().connect();
    pqxx::read_transaction txn(*conn);
    std::map<std::string, int> checked;
    for (const JobSpec& job : synced.emulator.dataset.specs()) {
        const auto view = kResultViews.find(job.tag);
        if (view == kResultViews.end()) {
            CHECK(job.result_rows.empty());
            continue;
        }
        INFO(job.tag << " " << job.job_id);
        std::string columns;
        const ElementList& shape =
            job.result_rows.empty() ? ElementList{} : job.result_rows.front();
        for (const auto& [column, value] : shape) {
            columns += (columns.empty() ? "" : ", ") + column + "::text";
        }
        const pqxx::result rows = txn.exec_params(
            "SELECT " + (columns.empty() ? std::string("1") : columns) + " FROM " + view->second +
                " WHERE job_id = $1" +
                (shape.size() > 0 && shape.front().first == "ordinal" ? " ORDER BY ordinal" : ""),
            job.job_id);
        REQUIRE(rows.size() == job.result_rows.size());
        for (std::size_t i = 0; i < job.result_rows.size(); ++i) {
            std::vector<std::string> expected;
            for (const auto& [column, value] : job.result_rows[i]) {
                expected.push_back(value);
            }
            CHECK(row_texts(rows[static_cast<int>(i)]) == expected);
        }
        checked[job.tag] += job.result_rows.empty() ? 0 : 1;
    }
    for (const auto& [tag, view] : kResultViews) {
        INFO(tag);
        CHECK(checked[tag] > 0);
    }
}

TEST_CASE("job types: the documented output-files query returns every tag's files")
{
    AllTags& synced = all_tags();
    const std::string docs = read_text(std::string(PROJECT_SOURCE_DIR) + "/docs/job-types.md");
    REQUIRE(docs.find(kOutputFilesQuery) != std::string::npos);
    for (const auto& [tag, view] : kResultViews) {
        CHECK(docs.find(view) != std::string::npos);
    }
    auto conn = shared_database().connect();
    pqxx::read_transaction txn(*conn);
    std::map<std::string, std::set<std::vector<std::string>>> expected;
    for (const JobSpec& job : synced.emulator.dataset.specs()) {
        if (job.state != "Success") {
            continue;
        }
        for (const auto& file : job.output_files) {
            expected[job.tag].insert({job.job_id, "main", file.object_name, file.md5});
        }
        for (const auto& file : job.sprite_files) {
            expected[job.tag].insert({job.job_id, "sprite", file.object_name, file.md5});
        }
    }
    for (const std::string& tag : jobsync::all_api_tags()) {
        INFO(tag);
        std::set<std::vector<std::string>> actual;
        for (const auto& row : txn.exec_params(kOutputFilesQuery, tag)) {
            actual.insert(row_texts(row));
        }
        CHECK(actual == expected[tag]);
    }
}
