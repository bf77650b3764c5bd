#include "jobsync/xml/xml_fields.hpp"

#include "jobsync/xml/xml_entities.hpp"

#include <mutex>
#include <new>
#include <vector>

namespace jobsync::xml {

namespace {

constexpr auto npos = std::string_view::npos;

bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool ends_name(char c)
{
    return is_space(c) || c == '>' || c == '/';
}

// True when raw holds the tag name `name` at `at`, followed by a delimiter.
bool name_at(std::string_view raw, std::size_t at, std::string_view name)
{
    return raw.compare(at, name.size(), name) == 0 && at + name.size() < raw.size() &&
           ends_name(raw[at + name.size()]);
}

// Just past the '>' of the tag starting at raw[pos]. Quoted attribute values
// may hold '>' (and RapidXML lets '<' through there too), so skip them.
std::size_t tag_end(std::string_view raw, std::size_t pos)
{
    char quote = 0;
    for (std::size_t i = pos + 1; i < raw.size(); ++i) {
        const char c = raw[i];
        if (quote != 0) {
            if (c == quote) {
                quote = 0;
            }
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        }
    }
    return npos;
}

// Just past the terminator when raw[pos] opens a comment, CDATA section or
// processing instruction (their text may look like tags); 0 when it opens none.
std::size_t skip_special(std::string_view raw, std::size_t pos)
{
    struct Special {
        std::string_view open, close;
    };
    static constexpr Special kSpecials[] = {{"<!--", "-->"}, {"<![CDATA[", "]]>"}, {"<?", "?>"}};
    for (const Special& s : kSpecials) {
        if (raw.compare(pos, s.open.size(), s.open) == 0) {
            const std::size_t end = raw.find(s.close, pos + s.open.size());
            return end == npos ? npos : end + s.close.size();
        }
    }
    return 0;
}

// Just past whitespace, comments and processing instructions from raw[pos]:
// what RapidXML lets stand between an element's last child and its end tag
// without making a node of it. npos stays npos.
std::size_t skip_misc(std::string_view raw, std::size_t pos)
{
    while (pos < raw.size()) {
        if (is_space(raw[pos])) {
            ++pos;
        } else if (raw.compare(pos, 4, "<!--") == 0 || raw.compare(pos, 2, "<?") == 0) {
            pos = skip_special(raw, pos);
        } else {
            break;
        }
    }
    return pos;
}

// Just past the end tag of `name` at raw[pos] ("</name", optional whitespace,
// '>'); npos when there is none.
std::size_t end_tag_end(std::string_view raw, std::size_t pos, std::string_view name)
{
    if (pos >= raw.size() || raw.compare(pos, 2, "</") != 0 || !name_at(raw, pos + 2, name)) {
        return npos;
    }
    pos += 2 + name.size();
    while (pos < raw.size() && is_space(raw[pos])) {
        ++pos;
    }
    return pos < raw.size() && raw[pos] == '>' ? pos + 1 : npos;
}

std::size_t offset_in(std::string_view raw, const char* at)
{
    return static_cast<std::size_t>(at - raw.data());
}

// Just past the end of element node, from the tree: after its last child
// (an element, recursively; text; or CDATA) only what skip_misc skips can
// precede its end tag. npos when something else does (a DOCTYPE or another
// <!...> that RapidXML skips), for the caller to scan instead.
std::size_t element_end(std::string_view raw, const Node* node)
{
    const Node* last = node->first_node() != nullptr ? node->last_node() : nullptr;
    std::size_t pos = npos;
    if (last == nullptr) {
        pos = tag_end(raw, element_offset(node, raw.data()));
        if (pos == npos || raw[pos - 2] == '/') {
            return pos; // <Name/> has no end tag
        }
    } else if (last->type() == rapidxml::node_element) {
        pos = element_end(raw, last);
    } else if (last->type() == rapidxml::node_data) {
        pos = offset_in(raw, last->value() + last->value_size());
    } else if (last->type() == rapidxml::node_cdata) {
        pos = offset_in(raw, last->value() + last->value_size()) + 3; // "]]>"
    }
    return end_tag_end(raw, skip_misc(raw, pos), name_of(node));
}

// RapidXML frees its whole node pool after each document. glibc hands those
// blocks back to the kernel, and faulting them in again for the next page
// cost several times the parse itself, so the process keeps some for reuse.
// One cache for all threads: a thread's own was lost with the thread, and a
// prefetch thread lives for one partition's walk. RapidXML asks for one fixed
// block size, so the cache holds just that size.
class BlockCache {
public:
    BlockCache() { blocks_.reserve(kMaxBlocks); } // push_back in release() never allocates
    BlockCache(const BlockCache&) = delete;
    BlockCache& operator=(const BlockCache&) = delete;
    ~BlockCache()
    {
        for (void* block : blocks_) {
            ::operator delete(block);
        }
    }

    void* acquire(std::size_t size)
    {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (size == block_size_ && !blocks_.empty()) {
                void* block = blocks_.back();
                blocks_.pop_back();
                return block;
            }
        }
        return ::operator new(size);
    }

    void release(void* block, std::size_t size)
    {
        {
            const std::lock_guard<std::mutex> lock(mutex_);
            if (block_size_ == 0) {
                block_size_ = size;
            }
            if (size == block_size_ && blocks_.size() < kMaxBlocks) {
                blocks_.push_back(block);
                return;
            }
        }
        ::operator delete(block);
    }

private:
    // 8 MiB at most: the nodes of about two 100-job pages.
    static constexpr std::size_t kMaxBlocks = 128;
    std::mutex mutex_;
    std::size_t block_size_ = 0;
    std::vector<void*> blocks_;
};

BlockCache block_cache;

// RapidXML's free callback gets no size, so each block carries it in front.
struct alignas(std::max_align_t) BlockHeader {
    std::size_t size;
};

void* pool_alloc(std::size_t size)
{
    auto* header = static_cast<BlockHeader*>(block_cache.acquire(sizeof(BlockHeader) + size));
    header->size = sizeof(BlockHeader) + size;
    return header + 1;
}

void pool_free(void* memory)
{
    BlockHeader* header = static_cast<BlockHeader*>(memory) - 1;
    block_cache.release(header, header->size);
}

} // namespace

std::unique_ptr<Document> new_document()
{
    auto doc = std::make_unique<Document>();
    doc->set_allocator(pool_alloc, pool_free);
    return doc;
}

const Node* child(const Node* parent, std::string_view name)
{
    if (parent == nullptr) {
        return nullptr;
    }
    return parent->first_node(name.data(), name.size());
}

const Node* next_same(const Node* node)
{
    return node->next_sibling(node->name(), node->name_size());
}

std::string_view TextReader::text(const Node* node)
{
    if (node == nullptr) {
        return {};
    }
    if (node->value_size() == 0) {
        // RapidXML keeps a CDATA section as a child, not as the element value.
        // Its text is literal: no entities to decode.
        const Node* first = node->first_node();
        if (first != nullptr && first->type() == rapidxml::node_cdata) {
            return {first->value(), first->value_size()};
        }
    }
    const std::string_view value(node->value(), node->value_size());
    if (!has_entities(value)) {
        return value;
    }
    return decoded_.emplace_back(decode_entities(value));
}

OptText TextReader::child_text(const Node* parent, std::string_view name)
{
    const std::string_view value = text(child(parent, name));
    if (value.empty()) {
        return std::nullopt;
    }
    return value;
}

const Node* first_child_element(const Node* node)
{
    for (const Node* n = node->first_node(); n != nullptr; n = n->next_sibling()) {
        if (n->type() == rapidxml::node_element) {
            return n;
        }
    }
    return nullptr;
}

std::size_t element_offset(const Node* node, const char* buffer)
{
    // The name follows the '<' directly: XML allows no space there.
    return static_cast<std::size_t>(node->name() - buffer) - 1;
}

std::optional<std::string_view> element_source(std::string_view raw, const Node* node)
{
    const std::size_t start = element_offset(node, raw.data());
    const std::size_t end = element_end(raw, node);
    if (end == npos) {
        return scan_element_source(raw, start);
    }
    return raw.substr(start, end - start);
}

std::optional<std::string_view> scan_element_source(std::string_view raw, std::size_t start)
{
    if (start >= raw.size() || raw[start] != '<') {
        return std::nullopt;
    }
    std::size_t name_end = start + 1;
    while (name_end < raw.size() && !ends_name(raw[name_end])) {
        ++name_end;
    }
    const std::string_view name = raw.substr(start + 1, name_end - start - 1);
    if (name.empty()) {
        return std::nullopt;
    }
    // Count nested elements of the same name until the depth returns to 0.
    std::size_t depth = 0;
    for (std::size_t pos = start; pos != npos && pos < raw.size(); pos = raw.find('<', pos)) {
        std::size_t end = skip_special(raw, pos);
        if (end == 0 && raw.compare(pos, 2, "</") == 0) {
            end = raw.find('>', pos);
            if (end == npos) {
                return std::nullopt;
            }
            ++end;
            if (depth > 0 && name_at(raw, pos + 2, name) && --depth == 0) {
                return raw.substr(start, end - start);
            }
        } else if (end == 0) {
            end = tag_end(raw, pos);
            if (end == npos) {
                return std::nullopt;
            }
            if (name_at(raw, pos + 1, name)) {
                const bool self_closing = raw[end - 2] == '/';
                if (!self_closing) {
                    ++depth;
                } else if (depth == 0) {
                    return raw.substr(start, end - start);
                }
            }
        }
        if (end == npos) {
            return std::nullopt;
        }
        pos = end;
    }
    return std::nullopt;
}

} // namespace jobsync::xml
