#include "support/sync_fixture.hpp"

#include "support/emulator_client.hpp"
#include "support/process.hpp"

namespace testing {
namespace {

std::string toml_list(const std::vector<std::string>& items)
{
    std::string text = "[";
    for (const std::string& item : items) {
        text += (text.size() > 1 ? ", \"" : "\"") + item + "\"";
    }
    return text + "]";
}

} // namespace

EmulatorFixture::EmulatorFixture(const jobsync::emulator::GeneratorOptions& options,
                                 jobsync::emulator::FaultOptions faults,
                                 jobsync::emulator::CallbackOptions callback)
    : generator(options)
{
    for (auto& job : jobsync::emulator::generate_jobs(options)) {
        dataset.add(std::move(job));
    }
    jobsync::emulator::ServerOptions server_options;
    server_options.secret_id = kTestSecretId;
    server_options.secret_key = kTestSecretKey;
    server_options.faults = faults;
    server_options.callback = std::move(callback);
    server_options.admin_token = kAdminToken;
    server = std::make_unique<jobsync::emulator::EmulatorServer>(dataset, server_options);
    server->start();
}

namespace {

std::string source_text(const ConfigSpec& spec)
{
    std::string text = "[[source]]\nbucket = \"" + spec.bucket + "\"\nregion = \"" + spec.region +
                       "\"\nendpoint = \"" + spec.endpoint + "\"\n";
    if (!spec.tags.empty()) {
        text += "tags = " + toml_list(spec.tags) + "\n";
    }
    if (spec.discover_queues) {
        text += "queues = \"discover\"\n";
    } else if (!spec.queues.empty()) {
        text += "queues = " + toml_list(spec.queues) + "\n";
    }
    if (!spec.queue_type.empty()) {
        text += "queue_type = \"" + spec.queue_type + "\"\n";
    }
    if (!spec.start_time.empty()) {
        text += "start_time = " + spec.start_time + "\n";
    }
    if (spec.own_credentials) {
        text += "secret_id = \"" + kTestSecretId + "\"\nsecret_key = \"" + spec.secret_key + "\"\n";
    }
    return text + "\n";
}

} // namespace

jobsync::emulator::GeneratorOptions generated_jobs(std::size_t count, std::uint64_t seed,
                                                   std::vector<std::string> tags)
{
    jobsync::emulator::GeneratorOptions options;
    options.seed = seed;
    options.count = count;
    options.tags = std::move(tags);
    return options;
}

ConfigSpec spec_for(const EmulatorFixture& emulator)
{
    ConfigSpec spec;
    spec.endpoint = emulator.server->endpoint();
    spec.tags = emulator.generator.tags;
    return spec;
}

jobsync::SourceConfig source_for(const EmulatorFixture& emulator)
{
    jobsync::SourceConfig source;
    source.bucket = emulator.generator.bucket;
    source.region = emulator.generator.region;
    source.endpoint = emulator.server->endpoint();
    source.host = source.endpoint.substr(std::string("http://").size());
    source.tags = emulator.generator.tags;
    source.credentials = {kTestSecretId, kTestSecretKey, ""};
    return source;
}

jobsync::SyncSummary sync_once(const jobsync::Config& config)
{
    jobsync::SyncOptions options;
    options.concurrency = config.sync.concurrency;
    return jobsync::run_sync(config, options, nullptr);
}

std::string config_text(const TempDatabase& db, const std::vector<ConfigSpec>& specs)
{
    const ConfigSpec& first = specs.front();
    std::string text = "[database]\nurl = \"" + db.url() + "\"\nschema = \"" + db.schema() +
                       "\"\n\n[credentials]\nsecret_id = \"" + kTestSecretId +
                       "\"\nsecret_key = \"" + first.secret_key + "\"\n\n";
    for (const ConfigSpec& spec : specs) {
        text += source_text(spec);
    }
    text += "[sync]\nconcurrency = 2\n" + first.sync_extra + "\n";
    return text;
}

std::string config_text(const TempDatabase& db, const ConfigSpec& spec)
{
    return config_text(db, std::vector<ConfigSpec>{spec});
}

jobsync::Config load_test_config(const TempDatabase& db, const std::vector<ConfigSpec>& specs,
                                 std::string* path_out)
{
    const std::string path = write_temp_file(config_text(db, specs));
    if (path_out != nullptr) {
        *path_out = path;
    }
    return jobsync::load_config(path);
}

jobsync::Config load_test_config(const TempDatabase& db, const ConfigSpec& spec,
                                 std::string* path_out)
{
    const std::string path = write_temp_file(config_text(db, spec));
    if (path_out != nullptr) {
        *path_out = path;
    }
    return jobsync::load_config(path);
}

} // namespace testing
