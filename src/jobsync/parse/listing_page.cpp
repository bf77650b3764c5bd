#include "jobsync/parse/listing_page.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/core/utf8.hpp"
#include "jobsync/parse/required_fields.hpp"
#include "jobsync/parse/response_document.hpp"
#include "jobsync/xml/node_pool.hpp"
#include "jobsync/xml/raw_text.hpp"
#include "jobsync/xml/xml_chars.hpp"

#include <algorithm>
#include <memory>

namespace jobsync {

std::optional<ItemStart> start_item(const ItemShape& shape, ListingBuffers& page, JobContext& ctx,
                                    const xml::Node* item, std::size_t position)
{
    const std::optional<std::string_view> source = xml::element_source(page.body, item);
    if (!source) {
        // RapidXML accepted the document, so this means a bug here.
        throw PartitionError("cannot find the end of " + std::string(shape.item_element) + " #" +
                             std::to_string(position));
    }
    const std::optional<std::string_view> id = ctx.decoded(xml::child(item, shape.id_element));
    ctx.job_id = id.value_or("");
    std::optional<Rejection> rejection =
        id ? id_problem(shape.item_element, shape.id_element, *id, position)
           : Rejection{std::string(shape.id_element),
                       std::string(shape.item_element) + " #" + std::to_string(position) + ": " +
                           std::string(shape.id_element) + " has a bad character reference"};
    if (rejection) {
        ctx.add_warning(WarningOutcome::job_quarantined, rejection->field, rejection->reason);
        page.rejected.push_back({ctx.job_id, *source, std::move(rejection->reason), position});
        return std::nullopt;
    }
    std::optional<xml::XmlRepair> repair = xml::repair_for_xml_column(*source);
    if (!repair) {
        return ItemStart{*id, *source};
    }
    ctx.add_warning(WarningOutcome::detail_repaired, "detail",
                    ctx.who() + ": detail: " + std::to_string(repair->replaced) +
                        " characters or references the xml type refuses were replaced");
    return ItemStart{*id, page.decoded.emplace_back(std::move(repair->text))};
}

namespace {

std::optional<long long> page_number_field(xml::TextReader& reader, const xml::Node* root,
                                           std::string_view name)
{
    const OptText text = reader.child_text(root, name);
    if (!text || !is_valid_number(*text, FieldType::big_integer)) {
        return std::nullopt;
    }
    return std::stoll(std::string(*text));
}

void read_nonexistent(xml::TextReader& reader, const xml::Node* root, std::string_view name,
                      std::vector<std::string>& out)
{
    for (const xml::Node* n = xml::child(root, name); n != nullptr; n = xml::next_same(n)) {
        const std::string_view text = reader.text(n);
        if (!is_valid_utf8(text)) {
            continue;
        }
        std::size_t start = 0;
        while (start <= text.size()) { // one element per id, or one comma-joined element
            const std::size_t comma = std::min(text.find(',', start), text.size());
            if (comma > start) {
                out.emplace_back(text.substr(start, comma - start));
            }
            start = comma + 1;
        }
    }
}

} // namespace

void read_listing(const ItemShape& shape, ListingBuffers& page, xml::TextReader& reader,
                  const std::function<void(const xml::Node* item, std::size_t position)>& read)
{
    const std::unique_ptr<xml::Document> doc = xml::new_document();
    const xml::Node* root = parse_response(shape.endpoint, page.body, *doc);
    try {
        std::size_t position = 0;
        for (const xml::Node* item = xml::child(root, shape.item_element); item != nullptr;
             item = xml::next_same(item)) {
            ++position;
            if (!is_placeholder(item)) {
                read(item, position);
            }
        }
        page.next_token = std::string(reader.text(xml::child(root, "NextToken")));
        if (!is_valid_utf8(page.next_token)) {
            throw PartitionError("NextToken " + quoted(page.next_token) + " is not valid UTF-8");
        }
        page.total_count = page_number_field(reader, root, "TotalCount");
        page.page_number = page_number_field(reader, root, "PageNumber");
        page.page_size = page_number_field(reader, root, "PageSize");
        for (const char* name : {"NonExistIDs", "NonExistJobId", "NonExistJobIds"}) {
            read_nonexistent(reader, root, name, page.nonexistent_ids);
        }
    } catch (const rapidxml::parse_error& e) {
        // A bad character reference in a field read outside ctx.decoded.
        throw_malformed(shape.endpoint,
                        static_cast<std::size_t>(e.where<char>() - page.body.data()), e.what());
    }
}

} // namespace jobsync
