// ci-emulator: the CI /jobs and /queue API over loopback, for the demo,
// process-level tests and benchmarks. Thin: the options are parsed by
// emulator/emulator_command_line; this serves until SIGTERM or SIGINT.
#include "emulator/dataset.hpp"
#include "emulator/dataset_loader.hpp"
#include "emulator/emulator_command_line.hpp"
#include "emulator/emulator_server.hpp"
#include "jobsync/core/process_hardening.hpp"

#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <pthread.h>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using jobsync::emulator::Dataset;
using jobsync::emulator::EmulatorServer;
using jobsync::emulator::EmulatorSettings;

// Written beside the target and renamed, so a reader never sees half a file.
void write_port_file(const std::string& path, int port)
{
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << "\n";
        if (!out.flush()) {
            throw std::runtime_error("cannot write " + temporary);
        }
    }
    if (std::rename(temporary.c_str(), path.c_str()) != 0) {
        std::remove(temporary.c_str());
        throw std::runtime_error("cannot rename " + temporary + " to " + path);
    }
}

int run(const EmulatorSettings& settings)
{
    // Blocked in every thread (the server's inherit this mask); main waits for them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    Dataset dataset;
    if (!settings.load_dir.empty()) {
        jobsync::emulator::load_directory(dataset, settings.load_dir);
    }
    const std::size_t total = dataset.size() + settings.generator.count;
    if (total > settings.server.max_jobs) {
        throw std::runtime_error(std::to_string(total) + " jobs are more than --max-jobs " +
                                 std::to_string(settings.server.max_jobs));
    }
    for (auto& job : jobsync::emulator::generate_jobs(settings.generator)) {
        dataset.add(std::move(job));
    }
    EmulatorServer server(dataset, settings.server);
    server.start();
    std::printf("ci-emulator listening on %s with %zu jobs\n", server.endpoint().c_str(),
                dataset.size());
    std::fflush(stdout);
    // After the ready line, so a script that waits for the file also sees the line.
    if (!settings.port_file.empty()) {
        write_port_file(settings.port_file, server.port());
    }

    int received = 0;
    sigwait(&signals, &received);
    server.stop();
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    using jobsync::emulator::emulator_usage;
    jobsync::disable_core_dumps();
    EmulatorSettings settings;
    try {
        settings = jobsync::emulator::parse_emulator_arguments(
            std::vector<std::string>(argv + 1, argv + argc));
    } catch (const jobsync::emulator::UsageError& error) {
        std::fprintf(stderr, "ci-emulator: %s\n%s", error.what(), emulator_usage());
        return 2;
    }
    if (settings.help) {
        std::fputs(emulator_usage(), stdout);
        return 0;
    }
    try {
        return run(settings);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ci-emulator: %s\n", error.what());
        return 1;
    }
}
