#include "support/callback_support.hpp"

#include "support/http_request.hpp"
#include "support/wait_until.hpp"

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

void wait_until_healthy(const std::string& base)
{
    wait_until([&] { return http_request("GET", base + "/healthz").status == 200; },
               std::chrono::seconds(60), base + "/healthz answers 200");
}

} // namespace testing
