#include "support/emulator_client.hpp"

#include "jobsync/core/api_time.hpp"
#include "jobsync/core/url_encode.hpp"

#include <catch2/catch.hpp>

namespace testing {

using jobsync::QueryParams;

ParsedXml::ParsedXml(const std::string& text) : buffer(text.begin(), text.end())
{
    buffer.push_back('\0');
    document.parse<0>(buffer.data());
}

std::string child_text(const rapidxml::xml_node<char>* node, const char* name)
{
    const auto* child = node ? node->first_node(name) : nullptr;
    return child ? std::string(child->value(), child->value_size()) : std::string();
}

bool is_well_formed(const std::string& text)
{
    try {
        ParsedXml parsed(text);
        return parsed.document.first_node() != nullptr;
    } catch (const rapidxml::parse_error&) {
        return false;
    }
}

std::string host_of(int port)
{
    return "127.0.0.1:" + std::to_string(port);
}

std::string encode_query(const QueryParams& params)
{
    std::string query;
    for (const auto& [name, value] : params) {
        query += (query.empty() ? "" : "&") + jobsync::url_encode(name) + "=" +
                 jobsync::url_encode(value);
    }
    return query;
}

std::string signed_request(int port, const std::string& path, const QueryParams& params,
                           const SignOptions& sign, const std::string& extra_headers)
{
    jobsync::SigningRequest request{"GET", path, params, {{"Host", host_of(port)}}};
    const jobsync::UnixSeconds now = jobsync::now_unix_seconds();
    const std::string key_time = sign.key_time.empty()
                                     ? std::to_string(now - 60) + ";" + std::to_string(now + 3600)
                                     : sign.key_time;
    const std::string authorization =
        jobsync::sign_request(request, sign.secret_id, sign.secret_key, key_time);
    const std::string query = encode_query(params);
    return "GET " + path + (query.empty() ? "" : "?" + query) +
           " HTTP/1.1\r\nHost: " + host_of(port) + "\r\nAuthorization: " + authorization + "\r\n" +
           extra_headers + "Connection: close\r\n\r\n";
}

Reply signed_get(int port, const std::string& path, const QueryParams& params,
                 const SignOptions& sign)
{
    return round_trip(port, signed_request(port, path, params, sign));
}

Reply admin(int port, const std::string& method, const std::string& target,
            const std::string& extra_headers)
{
    return round_trip(port, method + " " + target + " HTTP/1.1\r\nHost: " + host_of(port) +
                                "\r\nAuthorization: Bearer " + kAdminToken + "\r\n" +
                                extra_headers + "Content-Length: 0\r\nConnection: close\r\n\r\n");
}

JobsReply parse_jobs(const std::string& body)
{
    ParsedXml parsed(body);
    const auto* root = parsed.document.first_node("Response");
    REQUIRE(root != nullptr);
    REQUIRE(root->first_node("NextToken") != nullptr);
    JobsReply reply;
    reply.next_token = child_text(root, "NextToken");
    for (auto* n = root->first_node("JobsDetail"); n; n = n->next_sibling("JobsDetail")) {
        ++reply.details;
        if (n->first_node("JobId")) {
            reply.ids.push_back(child_text(n, "JobId"));
        }
    }
    return reply;
}

std::string error_code(const Reply& reply)
{
    ParsedXml parsed(reply.body);
    return child_text(parsed.document.first_node("Error"), "Code");
}

std::string error_message(const Reply& reply)
{
    ParsedXml parsed(reply.body);
    return child_text(parsed.document.first_node("Error"), "Message");
}

jobsync::emulator::GeneratorOptions small_options(std::size_t count)
{
    jobsync::emulator::GeneratorOptions options;
    options.count = count;
    options.seed = 20240101;
    return options;
}

std::vector<std::string> ids_of(const std::vector<jobsync::emulator::StoredJob>& jobs)
{
    std::vector<std::string> ids;
    for (const jobsync::emulator::StoredJob& job : jobs) {
        ids.push_back(job.job_id);
    }
    return ids;
}

ServerFixture::ServerFixture(std::size_t count, jobsync::emulator::FaultOptions faults,
                             jobsync::emulator::ServerOptions options)
{
    generator = small_options(count);
    for (jobsync::emulator::JobSpec& job : generate_jobs(generator)) {
        dataset.add(std::move(job));
    }
    options.faults = faults;
    options.generator = generator;
    options.admin_token = kAdminToken;
    server = std::make_unique<jobsync::emulator::EmulatorServer>(dataset, options);
    server->start();
    port = server->port();
}

std::vector<std::string> list_all(int port, QueryParams params, std::size_t* pages)
{
    std::vector<std::string> ids;
    std::string token;
    std::size_t count = 0;
    do {
        QueryParams page = params;
        if (!token.empty()) {
            page.emplace_back("nextToken", token);
        }
        const Reply reply = signed_get(port, "/jobs", page);
        REQUIRE(reply.status == 200);
        const JobsReply jobs = parse_jobs(reply.body);
        ids.insert(ids.end(), jobs.ids.begin(), jobs.ids.end());
        token = jobs.next_token;
        REQUIRE(++count < 1000);
    } while (!token.empty());
    if (pages) {
        *pages = count;
    }
    return ids;
}

} // namespace testing
