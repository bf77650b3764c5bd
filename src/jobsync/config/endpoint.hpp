// A source's endpoint: the base URL requests go to and the Host header they
// are signed for.
#pragma once

#include "jobsync/config/config.hpp"
#include "jobsync/config/toml_reader.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace jobsync {

struct BaseUrl {
    std::string url;       // scheme://authority, no trailing '/'
    std::string authority; // host[:port]
};

// A base URL key: http:// or https:// followed by host[:port] only; plain
// http:// only to a loopback host unless the section sets
// allow_insecure_http = true. nullopt when the key is absent. `whose` follows
// the key's name in messages (" of source 'b'").
std::optional<BaseUrl> read_base_url(const Section& section, std::string_view key,
                                     const std::string& whose);

// Sets source.endpoint and source.host from [[source]] endpoint, or to
// https://<bucket>.ci.<region>.myqcloud.com; bucket and region must be set.
// Refuses a path, query or user info (requests are signed for the bare path)
// and plain http:// to anything but a loopback host unless the source sets
// allow_insecure_http = true (signed headers would cross the network in clear).
void read_endpoint(const Section& section, SourceConfig& source);

// 127.0.0.0/8, [::1] or localhost, with or without a port.
bool is_loopback_authority(std::string_view authority);

} // namespace jobsync
