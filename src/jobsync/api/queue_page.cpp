#include "jobsync/api/queue_page.hpp"

#include "jobsync/core/errors.hpp"
#include "jobsync/xml/xml_fields.hpp"

#include <charconv>
#include <deque>

namespace jobsync {
namespace {

long number_of(xml::TextReader& reader, const xml::Node* root, std::string_view name)
{
    const std::string_view text = reader.text(xml::child(root, name));
    long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        throw PartitionError(std::string(name) + " '" + std::string(text) + "' is not a number");
    }
    return value;
}

} // namespace

QueuePage parse_queue_page(const std::string& body)
{
    const auto doc = xml::new_document();
    std::deque<std::string> decoded;
    xml::TextReader reader(decoded);
    QueuePage page;
    try {
        xml::parse(*doc, body);
        const xml::Node* root = xml::first_child_element(doc.get());
        if (root == nullptr || xml::name_of(root) != "Response") {
            throw PartitionError("response root is not <Response>");
        }
        page.total_count = number_of(reader, root, "TotalCount");
        page.page_number = number_of(reader, root, "PageNumber");
        page.page_size = number_of(reader, root, "PageSize");
        for (const xml::Node* q = xml::child(root, "QueueList"); q; q = xml::next_same(q)) {
            const std::string_view id = reader.text(xml::child(q, "QueueId"));
            if (!id.empty()) {
                page.queue_ids.emplace_back(id);
            }
        }
    } catch (const rapidxml::parse_error& e) {
        throw RetryableError(std::string("malformed XML in /queue response: ") + e.what());
    }
    return page;
}

} // namespace jobsync
