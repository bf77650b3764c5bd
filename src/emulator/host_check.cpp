#include "emulator/host_check.hpp"

#include <arpa/inet.h>

#include <string>

namespace jobsync::emulator {
namespace {

// "name:port" or "[v6]:port" without the port and brackets.
std::string without_port(const std::string& authority)
{
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        return close == std::string::npos ? authority : authority.substr(1, close - 1);
    }
    const auto colon = authority.rfind(':');
    return colon == std::string::npos ? authority : authority.substr(0, colon);
}

bool is_loopback_address(const std::string& host)
{
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        return (ntohl(v4.s_addr) >> 24) == 127;
    }
    in6_addr v6{};
    return http::iequals(host, "localhost") ||
           (inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6));
}

} // namespace

std::optional<Rejection> check_host(const HttpRequest& request, const ApiRules& rules)
{
    if (rules.bucket.empty()) {
        return std::nullopt;
    }
    const std::string expected = rules.bucket + ".ci." + rules.region + ".myqcloud.com";
    const auto authority = request.header("Host");
    if (!authority || authority->empty()) {
        return Rejection{400, "InvalidArgument",
                         "The Host header is required; expected " + expected + "."};
    }
    const std::string host = without_port(*authority);
    if (http::iequals(host, expected) || is_loopback_address(host)) {
        return std::nullopt;
    }
    return Rejection{403, "AccessDenied",
                     "Host " + *authority + " does not name this bucket; expected " + expected +
                         " (bucket " + rules.bucket + ", region " + rules.region + ")."};
}

std::optional<CosHost> cos_host_of(const HttpRequest& request)
{
    const auto authority = request.header("Host");
    if (!authority) {
        return std::nullopt;
    }
    const std::string host = without_port(*authority);
    const std::string suffix = ".myqcloud.com";
    const auto cos = host.find(".cos.");
    if (cos == std::string::npos || cos == 0 || host.size() <= suffix.size() ||
        host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) {
        return std::nullopt;
    }
    const std::size_t region_start = cos + 5;
    if (region_start >= host.size() - suffix.size()) {
        return std::nullopt;
    }
    return CosHost{host.substr(0, cos),
                   host.substr(region_start, host.size() - suffix.size() - region_start)};
}

} // namespace jobsync::emulator
