#include "emulator/callback_sender.hpp"

#include <cstdio>

namespace jobsync::emulator {

CallbackSender::CallbackSender(Dataset& dataset, const CallbackOptions& options)
    : dataset_(dataset), url_(parse_loopback_url(options.url)), format_(options.format),
      capacity_(options.queue_capacity), timeout_ms_(options.timeout_ms)
{
    for (unsigned i = 0; i < std::max(options.concurrency, 1U); ++i) {
        threads_.emplace_back([this] { send_loop(); });
    }
    dataset_.set_finish_observer(
        [this](const std::vector<std::string>& job_ids) { enqueue(job_ids, format_); });
}

CallbackSender::~CallbackSender()
{
    dataset_.set_finish_observer({}); // waits for an observer call in flight
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) {
        thread.join();
    }
}

std::size_t CallbackSender::enqueue(const std::vector<std::string>& job_ids, CallbackFormat format)
{
    std::vector<Pending> callbacks;
    for (const std::string& id : job_ids) {
        callbacks.push_back({id, format, ""});
    }
    return push(std::move(callbacks));
}

std::size_t
CallbackSender::enqueue_runs(const std::vector<std::pair<std::string, std::string>>& runs,
                             CallbackFormat format)
{
    std::vector<Pending> callbacks;
    for (const auto& [run_id, execution_xml] : runs) {
        callbacks.push_back({run_id, format, execution_xml});
    }
    return push(std::move(callbacks));
}

std::size_t CallbackSender::push(std::vector<Pending> callbacks)
{
    std::size_t queued = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (Pending& callback : callbacks) {
            if (queue_.size() >= capacity_) {
                break;
            }
            queue_.push_back(std::move(callback));
            ++queued;
        }
    }
    dropped_.fetch_add(static_cast<long>(callbacks.size() - queued));
    wake_.notify_all();
    return queued;
}

void CallbackSender::send_loop()
{
    while (true) {
        Pending callback;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) {
                return;
            }
            callback = std::move(queue_.front());
            queue_.pop_front();
        }
        (send_one(callback) ? sent_ : failed_).fetch_add(1);
    }
}

bool CallbackSender::send_one(const Pending& callback)
{
    try {
        std::string body;
        if (!callback.execution_xml.empty()) {
            body = workflow_finish_body(callback.execution_xml, callback.format);
        } else {
            // Rendered now, from the dataset: the job's state when it is called back.
            const auto detail = dataset_.detail_xml(callback.id);
            if (!detail) {
                std::fprintf(stderr, "ci-emulator: callback for %s not sent: the job is gone\n",
                             callback.id.c_str());
                return false;
            }
            body = task_finish_body(*detail, callback.format);
        }
        const int status = post_to_loopback(url_, std::string(content_type_of(callback.format)),
                                            body, timeout_ms_);
        if (status >= 200 && status < 300) {
            return true;
        }
        std::fprintf(stderr, "ci-emulator: callback for %s answered %d\n", callback.id.c_str(),
                     status);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ci-emulator: callback for %s failed: %s\n", callback.id.c_str(),
                     error.what());
    }
    return false;
}

CallbackStats CallbackSender::stats() const
{
    return {sent_.load(), failed_.load(), dropped_.load()};
}

void CallbackSender::reset_stats()
{
    sent_ = 0;
    failed_ = 0;
    dropped_ = 0;
}

} // namespace jobsync::emulator
