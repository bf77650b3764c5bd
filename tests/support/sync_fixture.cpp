#include "support/sync_fixture.hpp"

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
                                 jobsync::emulator::FaultOptions faults)
    : generator(options)
{
    for (auto& job : jobsync::emulator::generate_jobs(options)) {
        dataset.add(std::move(job));
    }
    jobsync::emulator::ServerOptions server_options;
    server_options.secret_id = kTestSecretId;
    server_options.secret_key = kTestSecretKey;
    server_options.faults = faults;
    server = std::make_unique<jobsync::emulator::EmulatorServer>(dataset, server_options);
    server->start();
}

std::string config_text(const TempDatabase& db, const ConfigSpec& spec)
{
    std::string text = "[database]\nurl = \"" + db.url() + "\"\nschema = \"" + db.schema() +
                       "\"\n\n[credentials]\nsecret_id = \"" + kTestSecretId +
                       "\"\nsecret_key = \"" + spec.secret_key + "\"\n\n[[source]]\nbucket = \"" +
                       spec.bucket + "\"\nregion = \"" + spec.region + "\"\nendpoint = \"" +
                       spec.endpoint + "\"\n";
    if (!spec.tags.empty()) {
        text += "tags = " + toml_list(spec.tags) + "\n";
    }
    if (!spec.queues.empty()) {
        text += "queues = " + toml_list(spec.queues) + "\n";
    }
    text += "\n[sync]\nconcurrency = 2\n" + spec.sync_extra + "\n";
    return text;
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
