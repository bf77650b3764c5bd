#include "jobsync/config/credentials.hpp"

#include "jobsync/core/errors.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <utility>

namespace jobsync {

namespace {

constexpr std::string_view kCredentialsHint =
    "set [credentials] secret_id/secret_key or TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY";
constexpr std::string_view kNoControlCharacters = " must not contain control characters";

// Credentials as written in one table, before defaults and the environment.
struct PartialCredentials {
    std::optional<std::string> secret_id;
    std::optional<std::string> secret_key;
    std::optional<std::string> security_token;
};

std::optional<std::string> read_secret(const Section& section, std::string_view key)
{
    std::optional<std::string> value = read_string(section, key);
    if (value && holds_control_character(*value)) {
        section.diag.fail(section.table.get(key)->source(),
                          label(section, key) + std::string(kNoControlCharacters));
    }
    return value;
}

PartialCredentials read_credentials(const Section& section)
{
    return {read_secret(section, "secret_id"), read_secret(section, "secret_key"),
            read_secret(section, "security_token")};
}

void override_from_environment(Credentials& credentials)
{
    const std::pair<const char*, std::string*> variables[] = {
        {"TENCENTCLOUD_SECRET_ID", &credentials.secret_id},
        {"TENCENTCLOUD_SECRET_KEY", &credentials.secret_key},
        {"TENCENTCLOUD_SECURITY_TOKEN", &credentials.security_token},
    };
    for (const auto& [name, field] : variables) {
        const char* value = std::getenv(name);
        if (value == nullptr || *value == '\0') {
            continue;
        }
        if (holds_control_character(value)) {
            throw ConfigError("environment variable " + std::string(name) +
                              std::string(kNoControlCharacters));
        }
        *field = value;
    }
}

// systemd's LoadCredential= puts each secret in its own file in
// $CREDENTIALS_DIRECTORY; those win over the config file and the environment.
void override_from_credentials_directory(Credentials& credentials)
{
    const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
    if (directory == nullptr || *directory == '\0') {
        return;
    }
    const std::pair<const char*, std::string*> files[] = {
        {"secret_id", &credentials.secret_id},
        {"secret_key", &credentials.secret_key},
        {"security_token", &credentials.security_token},
    };
    for (const auto& [name, field] : files) {
        const std::string path = std::string(directory) + "/" + name;
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            continue; // a credential not given this way keeps its other source
        }
        std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        // Files written with echo end in one newline; anything else is the value.
        if (!value.empty() && value.back() == '\n') {
            value.pop_back();
        }
        if (holds_control_character(value)) {
            throw ConfigError("credential file " + path + std::string(kNoControlCharacters));
        }
        if (!value.empty()) {
            *field = value;
        }
    }
}

} // namespace

bool holds_control_character(std::string_view value)
{
    return std::any_of(value.begin(), value.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

Credentials load_global_credentials(const Section& root)
{
    Credentials credentials;
    if (const toml::table* table = read_table(root, "credentials")) {
        const Section section{*table, "[credentials]", root.diag};
        reject_unknown_keys(section, {"secret_id", "secret_key", "security_token"});
        const PartialCredentials partial = read_credentials(section);
        credentials.secret_id = partial.secret_id.value_or("");
        credentials.secret_key = partial.secret_key.value_or("");
        credentials.security_token = partial.security_token.value_or("");
    }
    override_from_environment(credentials);
    override_from_credentials_directory(credentials);
    return credentials;
}

// Per-source keys win; a source without its own pair uses [credentials].
Credentials resolve_source_credentials(const Section& section, const Credentials& global,
                                       const std::string& bucket, bool require_credentials)
{
    const PartialCredentials own = read_credentials(section);
    if (own.secret_id.has_value() != own.secret_key.has_value()) {
        const auto* given = own.secret_id ? "secret_id" : "secret_key";
        section.diag.fail(section.table.get(given)->source(),
                          "[[source]] secret_id and secret_key must be given together");
    }
    if (own.security_token && !own.secret_id) {
        section.diag.fail(section.table.get("security_token")->source(),
                          "[[source]] security_token needs secret_id and secret_key in the "
                          "same [[source]]");
    }
    const Credentials resolved = own.secret_id ? Credentials{*own.secret_id, *own.secret_key,
                                                             own.security_token.value_or("")}
                                               : global;
    if (require_credentials && (resolved.secret_id.empty() || resolved.secret_key.empty())) {
        section.diag.fail(section.table.source(), "no credentials for source '" + bucket +
                                                      "': " + std::string(kCredentialsHint));
    }
    return resolved;
}

} // namespace jobsync
