// Talking to an in-process emulator the way the service is talked to: signed
// /jobs and /queue requests, admin calls with the token, and the XML answers.
#pragma once

#include "emulator/dataset.hpp"
#include "emulator/emulator_server.hpp"
#include "jobsync/core/cos_signer.hpp"
#include "support/raw_http.hpp"

#include <rapidxml.hpp>

#include <memory>
#include <string>
#include <vector>

namespace testing {

inline const std::string kAdminToken = "admin-token-for-tests-7d1e";

// Parses a copy of text; throws rapidxml::parse_error when it is not well-formed.
struct ParsedXml {
    explicit ParsedXml(const std::string& text);
    std::vector<char> buffer;
    rapidxml::xml_document<char> document;
};

std::string child_text(const rapidxml::xml_node<char>* node, const char* name);
bool is_well_formed(const std::string& text);

struct SignOptions {
    std::string secret_id = "AKIDemulator";
    std::string secret_key = "emulator-secret-key";
    std::string key_time; // "" => now-60 .. now+3600
};

std::string host_of(int port); // "127.0.0.1:<port>"
std::string encode_query(const jobsync::QueryParams& params);
// A complete signed GET (with Connection: close); extra_headers end in "\r\n".
std::string signed_request(int port, const std::string& path, const jobsync::QueryParams& params,
                           const SignOptions& sign = {}, const std::string& extra_headers = "");
Reply signed_get(int port, const std::string& path, const jobsync::QueryParams& params,
                 const SignOptions& sign = {});
// An admin call with the test token; extra_headers end in "\r\n".
Reply admin(int port, const std::string& method, const std::string& target,
            const std::string& extra_headers = "");

struct JobsReply {
    std::vector<std::string> ids;
    std::string next_token;
    std::size_t details = 0; // JobsDetail elements, empty ones included
};
JobsReply parse_jobs(const std::string& body);
std::string error_code(const Reply& reply);
std::string error_message(const Reply& reply);

jobsync::emulator::GeneratorOptions small_options(std::size_t count = 300);
std::vector<std::string> ids_of(const std::vector<jobsync::emulator::StoredJob>& jobs);

// An emulator with `count` generated jobs and the test admin token.
struct ServerFixture {
    explicit ServerFixture(std::size_t count = 240, jobsync::emulator::FaultOptions faults = {},
                           jobsync::emulator::ServerOptions options = {});

    jobsync::emulator::GeneratorOptions generator;
    jobsync::emulator::Dataset dataset;
    std::unique_ptr<jobsync::emulator::EmulatorServer> server;
    int port = 0;
};

// Every id the server lists for these filters, page by page.
std::vector<std::string> list_all(int port, jobsync::QueryParams params,
                                  std::size_t* pages = nullptr);

} // namespace testing
