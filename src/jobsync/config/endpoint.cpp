#include "jobsync/config/endpoint.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>

#include <algorithm>
#include <string>

namespace jobsync {

namespace {

bool is_authority_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == ':' || c == '[' || c == ']';
}

// The host of "host[:port]" or "[v6]:port", without brackets.
std::string host_of(std::string_view authority)
{
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        return close == std::string_view::npos ? "" : std::string(authority.substr(1, close - 1));
    }
    return std::string(authority.substr(0, authority.find(':')));
}

} // namespace

bool is_loopback_authority(std::string_view authority)
{
    const std::string host = host_of(authority);
    if (strcasecmp(host.c_str(), "localhost") == 0) {
        return true; // curl resolves it to loopback itself, without asking DNS
    }
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::optional<BaseUrl> read_base_url(const Section& section, std::string_view key,
                                     const std::string& whose)
{
    std::optional<std::string> text = read_string(section, key);
    const bool allow_insecure_http = read_boolean(section, "allow_insecure_http").value_or(false);
    if (!text) {
        return std::nullopt;
    }
    std::string endpoint = *text;
    while (!endpoint.empty() && endpoint.back() == '/') {
        endpoint.pop_back();
    }
    std::size_t scheme_end = 0;
    if (endpoint.rfind("http://", 0) == 0) {
        scheme_end = 7;
    } else if (endpoint.rfind("https://", 0) == 0) {
        scheme_end = 8;
    }
    const std::string host = endpoint.substr(scheme_end);
    const toml::source_region& where = section.table.get(key)->source();
    // The value is not echoed: user info in a URL may carry a password.
    if (scheme_end == 0 || host.empty() ||
        !std::all_of(host.begin(), host.end(), is_authority_char)) {
        section.diag.fail(where, label(section, key) +
                                     " must be http:// or https:// followed by host[:port] only, "
                                     "like \"http://127.0.0.1:18080\"");
    }
    // Checked above to be host[:port] only, so the host can be named.
    if (scheme_end == 7 && !allow_insecure_http && !is_loopback_authority(host)) {
        section.diag.fail(where, label(section, key) + whose + ": plain http:// to '" + host +
                                     "', which is not a loopback address, would send signed "
                                     "requests in clear; use https://, or set "
                                     "allow_insecure_http = true in " +
                                     (section.name.empty() ? "the file" : "this " + section.name));
    }
    return BaseUrl{endpoint, host};
}

void read_endpoint(const Section& section, SourceConfig& source)
{
    const std::optional<BaseUrl> base =
        read_base_url(section, "endpoint", " of source '" + source.bucket + "'");
    if (!base) {
        source.host = source.bucket + ".ci." + source.region + ".myqcloud.com";
        source.endpoint = "https://" + source.host;
        return;
    }
    source.endpoint = base->url;
    source.host = base->authority;
}

} // namespace jobsync
