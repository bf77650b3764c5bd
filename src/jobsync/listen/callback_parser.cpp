#include "jobsync/listen/callback_parser.hpp"

#include "jobsync/xml/node_pool.hpp"
#include "jobsync/xml/xml_limits.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <deque>

namespace jobsync {
namespace {

constexpr std::size_t kMaxIdLength = 128;
constexpr std::size_t kMaxBucketLength = 128;

bool is_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

// Shown in messages: short, and only characters that cannot forge a log line.
std::string shown(std::string_view value)
{
    std::string out;
    for (const char c : value.substr(0, 64)) {
        out += is_id_char(c) || c == '.' ? c : '?';
    }
    return value.size() > 64 ? out + "..." : out;
}

// An id that becomes a path segment of a signed request.
void check_id(std::string_view id, const char* name, const std::string& where)
{
    if (id.empty()) {
        throw CallbackError(where + ": " + name + " is missing or empty");
    }
    if (id.size() > kMaxIdLength || !std::all_of(id.begin(), id.end(), is_id_char)) {
        throw CallbackError(where + ": " + name + " '" + shown(id) +
                            "' is not letters, digits, '-' and '_' (at most 128)");
    }
}

void check_bucket(std::string_view bucket, const std::string& where)
{
    const auto bucket_char = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    };
    if (bucket.size() > kMaxBucketLength ||
        !std::all_of(bucket.begin(), bucket.end(), bucket_char)) {
        throw CallbackError(where + ": BucketId '" + shown(bucket) +
                            "' is not a bucket name (a-z, 0-9, '-', at most 128)");
    }
}

void add_job(CallbackHint& hint, std::string_view job_id, std::string_view bucket,
             const std::string& where)
{
    check_id(job_id, "JobId", where);
    check_bucket(bucket, where);
    if (hint.jobs.size() >= kMaxIdsPerCallback) {
        throw CallbackError("more than " + std::to_string(kMaxIdsPerCallback) +
                            " job ids in one callback");
    }
    hint.jobs.push_back({std::string(job_id), std::string(bucket)});
}

// A WorkflowFinish's task: its job is fetched when it has one (a task that
// failed before starting a job has none; the run's detail still shows it).
void add_task_job(CallbackHint& hint, std::string_view job_id, std::string_view bucket,
                  const std::string& where)
{
    if (!job_id.empty()) {
        add_job(hint, job_id, bucket, where);
    }
}

// A WorkflowFinish's RunId, when it has one: the run's detail is fetched.
void set_run(CallbackHint& hint, std::string_view run_id, std::string_view bucket)
{
    if (run_id.empty()) {
        return;
    }
    check_id(run_id, "RunId", "WorkflowExecution");
    check_bucket(bucket, "WorkflowExecution");
    hint.run = CallbackRun{std::string(run_id), std::string(bucket)};
}

void require_known_event(const std::string& event)
{
    if (event != "TaskFinish" && event != "WorkflowFinish") {
        throw CallbackError(event.empty() ? "EventName is missing"
                                          : "EventName '" + shown(event) +
                                                "' is not TaskFinish or WorkflowFinish");
    }
}

CallbackHint parse_xml(const std::string& body)
{
    const std::unique_ptr<xml::Document> doc = xml::new_document();
    try {
        xml::parse(*doc, body);
    } catch (const rapidxml::parse_error& e) {
        throw CallbackError(std::string("malformed XML: ") + e.what());
    } catch (const xml::XmlLimitError& e) {
        // Too deep or too large for any notification: the sender's fault, a 400.
        throw CallbackError(e.what());
    }
    const xml::Node* response = xml::child(doc.get(), "Response");
    if (response == nullptr) {
        throw CallbackError("the XML root element is not <Response>");
    }
    std::deque<std::string> decoded;
    xml::TextReader reader(decoded);
    CallbackHint hint;
    try {
        hint.event_name = std::string(reader.child_text(response, "EventName").value_or(""));
        require_known_event(hint.event_name);
        if (hint.event_name == "TaskFinish") {
            hint.via = CallbackVia::xml;
            int index = 0;
            for (const xml::Node* detail = xml::child(response, "JobsDetail"); detail != nullptr;
                 detail = xml::next_same(detail), ++index) {
                const auto bucket = reader.child_text(xml::child(detail, "Input"), "BucketId");
                add_job(hint, reader.child_text(detail, "JobId").value_or(""), bucket.value_or(""),
                        "JobsDetail[" + std::to_string(index) + "]");
            }
        } else {
            hint.via = CallbackVia::workflow;
            const xml::Node* execution = xml::child(response, "WorkflowExecution");
            const std::string_view bucket = reader.child_text(execution, "BucketId").value_or("");
            set_run(hint, reader.child_text(execution, "RunId").value_or(""), bucket);
            const xml::Node* tasks = xml::child(execution, "Tasks");
            int index = 0;
            for (const xml::Node* task = xml::child(tasks, "Task"); task != nullptr;
                 task = xml::next_same(task), ++index) {
                add_task_job(hint, reader.child_text(task, "JobId").value_or(""), bucket,
                             "WorkflowExecution/Tasks/Task[" + std::to_string(index) + "]");
            }
        }
    } catch (const rapidxml::parse_error& e) {
        throw CallbackError(std::string("malformed XML text: ") + e.what());
    }
    return hint;
}

// A string member, "" when absent; a member of another type is an error.
std::string json_text(const nlohmann::json& object, const char* key, const std::string& where)
{
    if (!object.is_object()) {
        return "";
    }
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        return "";
    }
    if (!it->is_string()) {
        throw CallbackError(where + ": " + key + " is not a string");
    }
    return it->get<std::string>();
}

// One object or an array of them, as the XML element repeated.
std::vector<const nlohmann::json*> one_or_many(const nlohmann::json& value, const std::string& what)
{
    std::vector<const nlohmann::json*> items;
    if (value.is_object()) {
        items.push_back(&value);
    } else if (value.is_array()) {
        for (const nlohmann::json& item : value) {
            if (!item.is_object()) {
                throw CallbackError(what + " holds an element that is not an object");
            }
            items.push_back(&item);
        }
    } else if (!value.is_null()) {
        throw CallbackError(what + " is not an object or an array of objects");
    }
    return items;
}

const nlohmann::json& member(const nlohmann::json& object, const char* key)
{
    static const nlohmann::json kNull;
    if (!object.is_object()) {
        return kNull;
    }
    const auto it = object.find(key);
    return it == object.end() ? kNull : *it;
}

CallbackHint parse_json(const std::string& body)
{
    nlohmann::json root;
    try {
        root = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
        // parse_error, and out_of_range for a number too large for a double
        throw CallbackError(std::string("malformed JSON: ") + e.what());
    }
    if (!root.is_object()) {
        throw CallbackError("the JSON body is not an object");
    }
    CallbackHint hint;
    hint.event_name = json_text(root, "EventName", "the body");
    require_known_event(hint.event_name);
    int index = 0;
    if (hint.event_name == "TaskFinish") {
        hint.via = CallbackVia::json;
        for (const nlohmann::json* detail : one_or_many(member(root, "JobsDetail"), "JobsDetail")) {
            const std::string where = "JobsDetail[" + std::to_string(index++) + "]";
            add_job(hint, json_text(*detail, "JobId", where),
                    json_text(member(*detail, "Input"), "BucketId", where + "/Input"), where);
        }
    } else {
        hint.via = CallbackVia::workflow;
        const nlohmann::json& execution = member(root, "WorkflowExecution");
        const std::string bucket = json_text(execution, "BucketId", "WorkflowExecution");
        set_run(hint, json_text(execution, "RunId", "WorkflowExecution"), bucket);
        for (const nlohmann::json* task : one_or_many(member(member(execution, "Tasks"), "Task"),
                                                      "WorkflowExecution/Tasks/Task")) {
            const std::string where =
                "WorkflowExecution/Tasks/Task[" + std::to_string(index++) + "]";
            add_task_job(hint, json_text(*task, "JobId", where), bucket, where);
        }
    }
    return hint;
}

} // namespace

std::string_view via_name(CallbackVia via)
{
    switch (via) {
    case CallbackVia::xml:
        return "xml";
    case CallbackVia::json:
        return "json";
    case CallbackVia::workflow:
        return "workflow";
    }
    return "xml";
}

CallbackHint parse_callback(const std::string& body)
{
    const std::size_t first = body.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) {
        throw CallbackError("the body is empty");
    }
    CallbackHint hint = body[first] == '<' ? parse_xml(body)
                        : body[first] == '{'
                            ? parse_json(body)
                            : throw CallbackError("the body is neither XML nor JSON");
    if (hint.jobs.empty() && !hint.run) {
        throw CallbackError(hint.event_name + (hint.event_name == "WorkflowFinish"
                                                   ? " names no RunId and no task JobId"
                                                   : " names no JobId"));
    }
    return hint;
}

} // namespace jobsync
