#include "jobsync/xml/node_pool.hpp"

#include <mutex>
#include <new>
#include <vector>

namespace jobsync::xml {

namespace {

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

} // namespace jobsync::xml
