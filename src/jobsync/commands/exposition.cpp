#include "jobsync/commands/exposition.hpp"

#include "jobsync/core/errors.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace jobsync {
namespace {

std::string escape_label_value(const std::string& value)
{
    std::string out;
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string format_value(double value)
{
    char buffer[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
    } else {
        std::snprintf(buffer, sizeof buffer, "%.10g", value);
    }
    return buffer;
}

// The family a line belongs to: the name after `# HELP`/`# TYPE`, or the
// sample's metric name.
std::string family_of(const std::string& line)
{
    if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        const auto end = line.find(' ', 7);
        return line.substr(7, end == std::string::npos ? std::string::npos : end - 7);
    }
    return line.substr(0, line.find_first_of("{ "));
}

[[noreturn]] void fail(const std::string& path, const std::string& what, int error)
{
    throw RunError("cannot write metrics file " + path + ": " + what + ": " + std::strerror(error));
}

} // namespace

PreviousMetrics read_previous_metrics(const std::string& path)
{
    PreviousMetrics previous;
    std::ifstream file(path);
    std::string line;
    while (std::getline(file, line)) {
        if (line.empty()) {
            continue;
        }
        previous.lines.push_back(line);
        const auto space = line.rfind(' ');
        if (line[0] == '#' || space == std::string::npos) {
            continue;
        }
        char* end = nullptr;
        const std::string value = line.substr(space + 1);
        const double parsed = std::strtod(value.c_str(), &end);
        if (end != value.c_str() && *end == '\0' && std::isfinite(parsed)) {
            previous.samples[line.substr(0, space)] = parsed;
        }
    }
    return previous;
}

std::string metric_label(const char* name, const std::string& value)
{
    return std::string(name) + "=\"" + escape_label_value(value) + "\"";
}

void Exposition::family(const std::string& name, const char* type, const char* help)
{
    text_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void Exposition::counter(const std::string& key, double amount)
{
    const auto before = previous_.samples.find(key);
    line(key, amount + (before == previous_.samples.end() ? 0 : before->second));
}

std::optional<double> Exposition::previous(const std::string& key) const
{
    const auto found = previous_.samples.find(key);
    return found == previous_.samples.end() ? std::nullopt : std::optional<double>(found->second);
}

void Exposition::keep_previous(const std::function<bool(const std::string& family)>& wanted)
{
    for (const std::string& line : previous_.lines) {
        if (wanted(family_of(line))) {
            text_ += line + "\n";
        }
    }
}

void Exposition::line(const std::string& key, double value)
{
    text_ += key + " " + format_value(value) + "\n";
}

void write_metrics_text(const std::string& path, const std::string& text)
{
    // Same directory, so rename() is atomic; the name does not end in .prom,
    // so the textfile collector never reads a half-written file.
    std::string temp = path + ".XXXXXX";
    const int fd = ::mkstemp(temp.data());
    if (fd < 0) {
        fail(path, "create " + temp, errno);
    }
    const char* data = text.data();
    std::size_t left = text.size();
    int error = 0;
    while (left > 0 && error == 0) {
        const ssize_t written = ::write(fd, data, left);
        if (written < 0 && errno != EINTR) {
            error = errno;
        } else if (written > 0) {
            data += written;
            left -= static_cast<std::size_t>(written);
        }
    }
    // Metrics are not secret, and node_exporter runs as another user (UMask=0077).
    if (error == 0 && (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0)) {
        error = errno;
    }
    if (::close(fd) != 0 && error == 0) {
        error = errno;
    }
    if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) {
        error = errno;
    }
    if (error != 0) {
        ::unlink(temp.c_str());
        fail(path, "write " + temp, error);
    }
}

} // namespace jobsync
