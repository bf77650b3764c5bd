// Fuzz target: load_config on any file contents. It reads a path, so each
// input is written to one temporary file first.
#include "jobsync/config/config.hpp"
#include "jobsync/core/errors.hpp"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace {

const std::string& config_path()
{
    static const std::string path = [] {
        std::string name = "/tmp/jobsync-fuzz-config-XXXXXX";
        const int fd = ::mkstemp(name.data());
        if (fd < 0) {
            std::abort();
        }
        ::close(fd);
        return name;
    }();
    return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    {
        std::ofstream out(config_path(), std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        jobsync::load_config(config_path(), false);
    } catch (const jobsync::ConfigError&) {
    }
    return 0;
}
