#include "jobsync/config/config_file.hpp"

#include "jobsync/config/database_url.hpp"
#include "jobsync/core/errors.hpp"
#include "jobsync/core/logger.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

namespace jobsync {

namespace {

bool non_empty_string(toml::node_view<const toml::node> node)
{
    const std::optional<std::string> value = node.value<std::string>();
    return value && !value->empty();
}

bool table_holds_secret(toml::node_view<const toml::node> table)
{
    return non_empty_string(table["secret_key"]) || non_empty_string(table["security_token"]);
}

} // namespace

std::string read_config_file(const std::string& path)
{
    const auto fail = [&path](int error) {
        return ConfigError("cannot read config file '" + path + "': " + std::strerror(error));
    };
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                         &std::fclose);
    if (!file) {
        throw fail(errno);
    }
    std::string text;
    char buffer[8192];
    std::size_t count = 0;
    while ((count = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        text.append(buffer, count);
    }
    if (std::ferror(file.get())) {
        throw fail(errno); // e.g. EISDIR: fopen succeeds on a directory
    }
    return text;
}

bool file_holds_secret(const toml::table& root, const DatabaseConfig& database)
{
    const toml::node_view<const toml::node> view{root};
    if (table_holds_secret(view["credentials"]) || database_url_holds_password(database.url)) {
        return true;
    }
    if (const toml::array* sources = root["source"].as_array()) {
        for (const toml::node& source : *sources) {
            if (table_holds_secret(toml::node_view<const toml::node>{source})) {
                return true;
            }
        }
    }
    return false;
}

void warn_about_permissions(const std::string& path, bool holds_secret)
{
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) {
        return;
    }
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
    if (holds_secret && (info.st_mode & 077) != 0) {
        log_warn("config file holding a secret is readable by group or others; chmod 600 it",
                 {{"path", path}, {"mode", mode}});
    }
    if ((info.st_mode & 022) != 0) {
        log_warn("config file is writable by group or others, who could repoint an endpoint "
                 "and collect signed requests; chmod go-w it",
                 {{"path", path}, {"mode", mode}});
    }
}

} // namespace jobsync
