#include "support/callback_support.hpp"

#include <chrono>
#include <thread>

namespace testing {

std::string task_finish_xml(const std::string& job_id, const std::string& bucket,
                            const std::string& state)
{
    return "<Response><EventName>TaskFinish</EventName><JobsDetail><Code>Success</Code><JobId>" +
           job_id + "</JobId><State>" + state + "</State><Input><BucketId>" + bucket +
           "</BucketId></Input></JobsDetail></Response>";
}

bool eventually(const TempDatabase& db, const std::string& sql, const std::string& expected,
                double seconds)
{
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(long(seconds * 1000));
    while (std::chrono::steady_clock::now() < deadline) {
        if (db.scalar(sql) == expected) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return db.scalar(sql) == expected;
}

} // namespace testing
