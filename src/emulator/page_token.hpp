// NextToken: opaque to clients but stateless on the server. It carries the
// offset into the ordered selection, when it was issued, and a digest of the
// filters, all sealed with a MAC so edits are detected. Offset-like tokens
// (--offset-tokens) carry no issue time and leave the creation-time window
// out of the digest, like services whose token is a position in the listing:
// the same listing at the same position always gets the same token.
#pragma once

#include "emulator/api_rules.hpp"
#include "emulator/dataset.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace jobsync::emulator {

struct PageToken {
    std::uint64_t offset = 0;
    UnixSeconds issued = 0;
};

enum class TokenCheck { ok, invalid, expired };

enum class TokenStyle {
    sealed, // issue time and every filter: expires, bound to the window
    offset, // position and listing only: reissued identically, never expires
};

// A short digest of what defines the selection (not the page size; for
// offset tokens, not the creation-time window either).
std::string filter_digest(const JobQuery& query, TokenStyle style);

// For TokenStyle::offset, token.issued is 0.
std::string encode_page_token(const PageToken& token, const std::string& digest,
                              const std::string& key);

// Checks the MAC and that the token belongs to these filters; with
// ttl_seconds > 0, also that it is no older than that.
TokenCheck decode_page_token(const std::string& text, const std::string& digest,
                             const std::string& key, long ttl_seconds, UnixSeconds now,
                             PageToken& token);

// What a page token is bound to and checked against, for every token-paged
// listing (/jobs, /workflowexecution, /inventorytriggerjob).
struct TokenRules {
    const std::string& key;
    long ttl_seconds;
    TokenStyle style;
    std::function<bool()> reject; // an injected "nextToken expired"
};

// The offset a request's nextToken resumes at (0 for ""), or the 400 it earns.
std::optional<Rejection> resume_offset(const std::string& next_token, const std::string& digest,
                                       const TokenRules& tokens, UnixSeconds now,
                                       std::uint64_t& offset);

// The token of the page starting at offset, issued now.
std::string issue_token(std::uint64_t offset, const std::string& digest, const TokenRules& tokens,
                        UnixSeconds now);

} // namespace jobsync::emulator
