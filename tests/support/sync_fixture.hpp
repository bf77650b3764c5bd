// An emulator on an ephemeral loopback port with a generated dataset, and
// configs that point the worker at it and at the test database.
#pragma once

#include "emulator/dataset.hpp"
#include "emulator/emulator_server.hpp"
#include "jobsync/config/config.hpp"
#include "jobsync/sync/sync_run.hpp"
#include "support/temp_database.hpp"

#include <memory>
#include <string>
#include <vector>

namespace testing {

inline const std::string kTestSecretId = "AKIDtestsecretid0123456789";
inline const std::string kTestSecretKey = "test-secret-key-never-logged-5f2c9a";

class EmulatorFixture {
public:
    // With a callback URL, jobs that finish are called back there (callback_sender.hpp).
    // The admin endpoints answer the test token (kAdminToken, emulator_client.hpp).
    explicit EmulatorFixture(const jobsync::emulator::GeneratorOptions& generator,
                             jobsync::emulator::FaultOptions faults = {},
                             jobsync::emulator::CallbackOptions callback = {});

    jobsync::emulator::Dataset dataset;
    jobsync::emulator::GeneratorOptions generator;
    std::unique_ptr<jobsync::emulator::EmulatorServer> server;
};

struct ConfigSpec {
    std::string endpoint;
    std::string bucket = "examplebucket-1250000000";
    std::string region = "ap-guangzhou";
    std::vector<std::string> tags;   // empty => the key is left out (all tags)
    std::vector<std::string> queues; // empty => all queues
    std::string secret_key = kTestSecretKey;
    std::string sync_extra;       // extra lines under [sync]
    bool discover_queues = false; // queues = "discover" (queues must then be empty)
    std::string queue_type;       // queue_type = ...; "" => left out
    bool own_credentials = false; // secret_id/secret_key in the [[source]], not [credentials]
    std::string start_time;       // start_time = ... (an offset date-time); "" => left out
};

// Emulator options: `count` generated jobs of `tags`, reproducible from `seed`.
jobsync::emulator::GeneratorOptions generated_jobs(std::size_t count, std::uint64_t seed,
                                                   std::vector<std::string> tags);

// One source pointing at the emulator, syncing the tags it generates.
ConfigSpec spec_for(const EmulatorFixture& emulator);

// The same as a resolved SourceConfig, for tests that drive a CiClient directly.
jobsync::SourceConfig source_for(const EmulatorFixture& emulator);

// One in-process sync pass with the config's concurrency, as the CLI runs it.
jobsync::SyncSummary sync_once(const jobsync::Config& config);

// TOML text for a config with one source.
std::string config_text(const TempDatabase& db, const ConfigSpec& spec);

// TOML text for a config with one [[source]] per spec; [database],
// [credentials] and [sync] come from the first.
std::string config_text(const TempDatabase& db, const std::vector<ConfigSpec>& specs);

// Writes a several-source config to a temp file and loads it with the real loader.
jobsync::Config load_test_config(const TempDatabase& db, const std::vector<ConfigSpec>& specs,
                                 std::string* path_out = nullptr);

// Writes the config to a temp file and loads it with the real loader.
jobsync::Config load_test_config(const TempDatabase& db, const ConfigSpec& spec,
                                 std::string* path_out = nullptr);

} // namespace testing
