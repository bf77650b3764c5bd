// One parsed page of a CI listing other than /jobs (workflows, workflow
// runs, batch jobs): the records of one kind, and what every listing page
// carries beside them. Like JobsPage, it owns the body its records' views
// point into.
#pragma once

#include "jobsync/parse/field_values.hpp"
#include "jobsync/parse/job_record.hpp"
#include "jobsync/parse/page_warning.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace jobsync {

struct ListingBuffers {
    std::string body;                  // the response body as received, parsed as is
    std::deque<std::string> decoded;   // field values whose entities were decoded; repaired details
    std::vector<RejectedJob> rejected; // items without a storable id (job_id holds that id)
    std::vector<PageWarning> warnings; // values the columns cannot take, and what became of them
    std::string next_token;            // token-paged listings: "" when absent or empty
    // Page-numbered listings (GET /workflow): nullopt when absent.
    std::optional<long long> total_count, page_number, page_size;
    std::vector<std::string> nonexistent_ids; // NonExistIDs / NonExistJobId(s), as sent
};

template <typename Record> struct ListingPage : ListingBuffers {
    std::vector<Record> records;
};

// Reading the items of one listing page: the item element's name, the
// element holding its id, and the endpoint for error messages.
struct ItemShape {
    std::string_view endpoint;     // "/workflowexecution"
    std::string_view item_element; // "WorkflowExecutionList"
    std::string_view id_element;   // "RunId"
};

// An item whose id can be stored: the id and the element's source (repaired
// with a warning when the xml column would refuse it).
struct ItemStart {
    std::string_view id;
    std::string_view detail_xml;
};

// Reads the position-th item's id and source into page; nullopt when it has
// no storable id: then it is in page.rejected, with a warning. ctx.job_id is
// set to the id for the field reads that follow.
std::optional<ItemStart> start_item(const ItemShape& shape, ListingBuffers& page, JobContext& ctx,
                                    const xml::Node* item, std::size_t position);

// Parses page.body as a <Response> and calls read(item, position) for each
// non-placeholder item element; reads NextToken (checked UTF-8: it is stored
// in a checkpoint) and NonExist ids. Throws as parse_response does, and
// RetryableError for a bad character reference outside a field.
void read_listing(const ItemShape& shape, ListingBuffers& page, xml::TextReader& reader,
                  const std::function<void(const xml::Node* item, std::size_t position)>& read);

} // namespace jobsync
