// ci-emulator's command line: one table of options (flag, whether it takes a
// value, what it sets), read by one loop, like the worker's command_line.
#pragma once

#include "emulator/emulator_server.hpp"
#include "emulator/job_generator.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace jobsync::emulator {

// A bad command line: the message names the option and what it needs.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct EmulatorSettings {
    ServerOptions server;
    GeneratorOptions generator;
    std::string load_dir;  // --load: a directory of job XML to serve
    std::string port_file; // --port-file: where the bound port is written once serving
    bool help = false;     // --help or -h: print emulator_usage() and exit 0
};

const char* emulator_usage();

// The arguments after the program name. Secret id, key, security token and
// admin token start from the environment ($TENCENTCLOUD_SECRET_ID,
// $TENCENTCLOUD_SECRET_KEY, $TENCENTCLOUD_SECURITY_TOKEN,
// $CI_EMULATOR_ADMIN_TOKEN); the options override them. Throws UsageError.
EmulatorSettings parse_emulator_arguments(const std::vector<std::string>& args);

} // namespace jobsync::emulator
