// One page of a token-paged listing kept in memory (/workflowexecution,
// /inventorytriggerjob): the one paging rule those endpoints share, so a new
// listing brings only its filter and its item's XML.
#pragma once

#include "emulator/listing_request.hpp"
#include "emulator/page_token.hpp"
#include "emulator/xml_escape.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace jobsync::emulator {

// The items `matches` keeps, newest first unless the request is ascending,
// from the offset of the request's token, each written by `append` into a
// <Response> with RequestId and NextToken. empty_page (may be null) is what
// a page with no item holds. Returns the 400 a bad token earns.
template <typename Item, typename Matches, typename Append>
std::optional<Rejection> list_page(const ListingRequest& request, const std::vector<Item>& items,
                                   const TokenRules& tokens, const std::string& request_id,
                                   const char* empty_page, Matches matches, Append append,
                                   std::string& body)
{
    const UnixSeconds now = now_unix_seconds();
    const std::string digest = filter_digest(request.query, tokens.style);
    std::uint64_t offset = 0;
    if (auto refused = resume_offset(request.next_token, digest, tokens, now, offset)) {
        return refused;
    }
    std::vector<const Item*> selected;
    for (const Item& item : items) {
        if (matches(item, request.query)) {
            selected.push_back(&item);
        }
    }
    if (!request.query.ascending) {
        std::reverse(selected.begin(), selected.end());
    }
    body = "<Response>";
    append_element(body, "RequestId", request_id);
    const std::size_t end = std::min<std::size_t>(selected.size(), offset + request.size);
    if (offset >= end && empty_page != nullptr) {
        body += empty_page;
    }
    for (std::size_t i = offset; i < end; ++i) {
        append(body, *selected[i]);
    }
    const std::string next_token =
        end < selected.size() ? issue_token(end, digest, tokens, now) : std::string();
    append_element(body, "NextToken", next_token);
    body += "</Response>";
    return std::nullopt;
}

} // namespace jobsync::emulator
