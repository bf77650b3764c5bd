#include "emulator/page_token.hpp"

#include "jobsync/core/cos_signer.hpp"

#include <cstdio>

namespace jobsync::emulator {
namespace {

constexpr std::size_t kFieldHex = 8; // offset and issue time, 32 bits each
constexpr std::size_t kDigestHex = 8;
constexpr std::size_t kMacHex = 12;
constexpr std::size_t kTokenSize = 2 * kFieldHex + kDigestHex + kMacHex;

std::string hex32(std::uint64_t value)
{
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%08llx",
                  static_cast<unsigned long long>(value & 0xffffffffULL));
    return buffer;
}

bool parse_hex(const std::string& text, std::uint64_t& value)
{
    value = 0;
    for (const char c : text) {
        int digit;
        if (c >= '0' && c <= '9') {
            digit = c - '0';
        } else if (c >= 'a' && c <= 'f') {
            digit = c - 'a' + 10;
        } else {
            return false;
        }
        value = value * 16 + static_cast<std::uint64_t>(digit);
    }
    return true;
}

std::string mac_of(const std::string& payload, const std::string& key)
{
    return hmac_sha1_hex("next-token:" + key, payload).substr(0, kMacHex);
}

} // namespace

std::string filter_digest(const JobQuery& query, TokenStyle style)
{
    std::string canonical;
    for (const std::string* field : {&query.tag, &query.queue_id, &query.queue_type,
                                     &query.workflow_id, &query.input_object}) {
        canonical += *field;
        canonical += '\x1f';
    }
    for (const std::string& state : query.states) {
        canonical += state + ',';
    }
    if (style == TokenStyle::sealed) {
        canonical += '\x1f';
        canonical += query.start ? std::to_string(*query.start) : "-";
        canonical += '\x1f';
        canonical += query.end ? std::to_string(*query.end) : "-";
    }
    canonical += query.ascending ? "\x1f"
                                   "asc"
                                 : "\x1f"
                                   "desc";
    return sha1_hex(canonical).substr(0, kDigestHex);
}

std::string encode_page_token(const PageToken& token, const std::string& digest,
                              const std::string& key)
{
    const std::string payload =
        hex32(token.offset) + hex32(static_cast<std::uint64_t>(token.issued)) + digest;
    return payload + mac_of(payload, key);
}

TokenCheck decode_page_token(const std::string& text, const std::string& digest,
                             const std::string& key, long ttl_seconds, UnixSeconds now,
                             PageToken& token)
{
    if (text.size() != kTokenSize) {
        return TokenCheck::invalid;
    }
    const std::string payload = text.substr(0, kTokenSize - kMacHex);
    std::uint64_t offset = 0;
    std::uint64_t issued = 0;
    if (mac_of(payload, key) != text.substr(payload.size()) ||
        !parse_hex(payload.substr(0, kFieldHex), offset) ||
        !parse_hex(payload.substr(kFieldHex, kFieldHex), issued) ||
        payload.substr(2 * kFieldHex) != digest) {
        return TokenCheck::invalid;
    }
    token.offset = offset;
    token.issued = static_cast<UnixSeconds>(issued);
    if (ttl_seconds > 0 && now - token.issued > ttl_seconds) {
        return TokenCheck::expired;
    }
    return TokenCheck::ok;
}

std::optional<Rejection> resume_offset(const std::string& next_token, const std::string& digest,
                                       const TokenRules& tokens, UnixSeconds now,
                                       std::uint64_t& offset)
{
    offset = 0;
    if (next_token.empty()) {
        return std::nullopt;
    }
    const bool offset_tokens = tokens.style == TokenStyle::offset; // no issue time to expire
    PageToken token;
    switch (decode_page_token(next_token, digest, tokens.key,
                              offset_tokens ? 0 : tokens.ttl_seconds, now, token)) {
    case TokenCheck::invalid:
        return Rejection{400, "InvalidArgument", "invalid nextToken"};
    case TokenCheck::expired:
        return Rejection{400, "InvalidArgument", "nextToken expired"};
    case TokenCheck::ok:
        break;
    }
    if (tokens.reject()) {
        return Rejection{400, "InvalidArgument", "nextToken expired"};
    }
    offset = token.offset;
    return std::nullopt;
}

std::string issue_token(std::uint64_t offset, const std::string& digest, const TokenRules& tokens,
                        UnixSeconds now)
{
    const bool offset_tokens = tokens.style == TokenStyle::offset;
    return encode_page_token({offset, offset_tokens ? 0 : now}, digest, tokens.key);
}

} // namespace jobsync::emulator
