#include "jobsync/api/jobs_by_id.hpp"

#include "jobsync/api/error_body.hpp"
#include "jobsync/xml/node_pool.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <algorithm>
#include <cctype>
#include <deque>

namespace jobsync {
namespace {

void add_ids(std::string_view text, std::vector<std::string>& out)
{
    while (!text.empty()) {
        const std::size_t comma = std::min(text.find(','), text.size());
        std::string_view id = text.substr(0, comma);
        text.remove_prefix(std::min(comma + 1, text.size()));
        while (!id.empty() && std::isspace(static_cast<unsigned char>(id.front())) != 0) {
            id.remove_prefix(1);
        }
        while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back())) != 0) {
            id.remove_suffix(1);
        }
        if (!id.empty()) {
            out.emplace_back(id);
        }
    }
}

} // namespace

bool is_plain_job_id(const std::string& id)
{
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
    });
}

JobsByIdPage parse_jobs_by_id(std::string body)
{
    JobsByIdPage result{parse_jobs_page(std::move(body)), {}};
    // A second, cheap pass over the same bytes: the page parser knows only the
    // list's elements, and by-id calls are rare next to list pages.
    const auto doc = xml::new_document();
    xml::parse(*doc, result.page.body); // well-formed: parse_jobs_page checked it
    std::deque<std::string> decoded;
    xml::TextReader reader(decoded);
    const xml::Node* root = xml::first_child_element(doc.get());
    try {
        for (const xml::Node* ids = xml::child(root, "NonExistJobIds"); ids;
             ids = xml::next_same(ids)) {
            add_ids(reader.text(ids), result.non_existent_ids);
        }
    } catch (const rapidxml::parse_error& e) {
        throw PartitionError(std::string("NonExistJobIds: ") + e.what());
    }
    return result;
}

std::string join_job_ids(const std::vector<std::string>& job_ids)
{
    std::string joined;
    for (const std::string& id : job_ids) {
        if (!is_plain_job_id(id)) {
            throw PartitionError("GET /jobs/<ids>: job id '" + body_excerpt(id) +
                                 "' is not a plain id (letters, digits, '-', '_')");
        }
        joined += (joined.empty() ? "" : ",") + id;
    }
    return joined;
}

} // namespace jobsync
