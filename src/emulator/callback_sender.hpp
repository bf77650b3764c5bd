// Calls back a listener when jobs finish, as CI does for a queue's
// NotifyConfig: one TaskFinish POST per job, from background threads fed by a
// bounded queue, so the admin call or dataset change that finished the job
// returns at once; and WorkflowFinish POSTs for runs on request.
#pragma once

#include "emulator/callback_body.hpp"
#include "emulator/dataset.hpp"
#include "emulator/loopback_post.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace jobsync::emulator {

struct CallbackOptions {
    std::string url; // http://127.0.0.1:PORT/path?token=...; "" => no callbacks
    CallbackFormat format = CallbackFormat::xml;
    unsigned concurrency = 1;            // sender threads, each one POST at a time
    std::size_t queue_capacity = 100000; // callbacks waiting; more are dropped (counted)
    int timeout_ms = 5000;               // per step of one POST (connect, send, answer)
};

struct CallbackStats {
    long sent = 0;    // answered 2xx
    long failed = 0;  // refused, any other status, or the job vanished before sending
    long dropped = 0; // the queue was full
};

class CallbackSender {
public:
    // Parses the URL (std::invalid_argument when it is not loopback), starts
    // the threads and observes the dataset: every job that finishes is called back.
    CallbackSender(Dataset& dataset, const CallbackOptions& options);
    ~CallbackSender(); // stops observing and sending; callbacks still queued are discarded
    CallbackSender(const CallbackSender&) = delete;
    CallbackSender& operator=(const CallbackSender&) = delete;

    // Queues one TaskFinish per id; returns how many were queued (the rest were dropped).
    std::size_t enqueue(const std::vector<std::string>& job_ids, CallbackFormat format);
    // Queues one WorkflowFinish per run: (run id, its WorkflowExecution
    // element in the callback shape, run_execution.hpp), rendered by the
    // caller now; returns how many were queued.
    std::size_t enqueue_runs(const std::vector<std::pair<std::string, std::string>>& runs,
                             CallbackFormat format);
    CallbackFormat default_format() const { return format_; }
    CallbackStats stats() const;
    void reset_stats();

private:
    struct Pending {
        std::string id; // the job's (TaskFinish) or the run's (WorkflowFinish)
        CallbackFormat format = CallbackFormat::xml;
        std::string execution_xml; // "" => a TaskFinish, rendered when sent
    };

    std::size_t push(std::vector<Pending> callbacks);

    void send_loop();
    bool send_one(const Pending& callback); // true when answered 2xx

    Dataset& dataset_;
    const LoopbackUrl url_;
    const CallbackFormat format_;
    const std::size_t capacity_;
    const int timeout_ms_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Pending> queue_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;

    std::atomic<long> sent_{0};
    std::atomic<long> failed_{0};
    std::atomic<long> dropped_{0};
};

} // namespace jobsync::emulator
