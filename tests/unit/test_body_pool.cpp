#include "jobsync/api/body_pool.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace jobsync;

TEST_CASE("body_pool: a buffer given back is taken again, empty, with its memory")
{
    BodyPool pool;
    CHECK(pool.take().empty());
    std::string body(300000, 'x');
    const void* memory = body.data();
    const std::size_t capacity = body.capacity();
    pool.give(std::move(body));
    CHECK(pool.size() == 1);
    const std::string taken = pool.take();
    CHECK(taken.empty());
    CHECK(static_cast<const void*>(taken.data()) == memory);
    CHECK(taken.capacity() == capacity);
    CHECK(pool.size() == 0);
}

TEST_CASE("body_pool: bounded in count and in size")
{
    BodyPool pool;
    for (std::size_t i = 0; i < BodyPool::kMaxBuffers + 2; ++i) {
        pool.give(std::string(1000, 'x'));
    }
    CHECK(pool.size() == BodyPool::kMaxBuffers);

    BodyPool sized;
    std::string huge;
    huge.reserve(BodyPool::kMaxCapacity + 1);
    sized.give(std::move(huge));
    CHECK(sized.size() == 0);
}
