#include "emulator/dataset_loader.hpp"

#include "emulator/xml_source.hpp"

#include <rapidxml.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace jobsync::emulator {
namespace {

using Node = rapidxml::xml_node<char>;

std::string read_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(path.string() + ": cannot open");
    }
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
}

std::string child_text(const Node* parent, const char* name)
{
    const Node* node = parent ? parent->first_node(name) : nullptr;
    return node ? std::string(node->value(), node->value_size()) : std::string();
}

StoredJob stored_from_node(const Node* detail, const std::string& raw, const char* buffer,
                           const std::string& file)
{
    StoredJob job;
    job.job_id = child_text(detail, "JobId");
    job.tag = child_text(detail, "Tag");
    const std::string creation = child_text(detail, "CreationTime");
    const auto creation_time = parse_api_time(creation);
    if (job.job_id.empty() || job.tag.empty() || !creation_time) {
        throw std::runtime_error(file + ": a JobsDetail lacks JobId, Tag or a valid CreationTime" +
                                 (job.job_id.empty() ? std::string() : " (" + job.job_id + ")"));
    }
    job.creation_time = *creation_time;
    job.state = child_text(detail, "State");
    job.queue_id = child_text(detail, "QueueId");
    job.queue_type = child_text(detail, "QueueType");
    job.input_object = child_text(detail->first_node("Input"), "Object");
    job.workflow_id = child_text(detail->first_node("Workflow"), "WorkflowId");
    // In-place parsing leaves element names where they were, one byte after '<'.
    const std::size_t offset = static_cast<std::size_t>(detail->name() - buffer) - 1;
    const auto source = element_source(raw, offset);
    if (!source) {
        throw std::runtime_error(file + ": cannot locate the source of job " + job.job_id);
    }
    job.xml = std::string(*source);
    return job;
}

std::vector<StoredJob> load_file(const std::filesystem::path& path)
{
    const std::string file = path.string();
    const std::string raw = read_file(path);
    std::vector<char> buffer(raw.begin(), raw.end());
    buffer.push_back('\0');
    rapidxml::xml_document<char> document;
    try {
        document.parse<rapidxml::parse_default>(buffer.data());
    } catch (const rapidxml::parse_error& error) {
        throw std::runtime_error(file + ": bad XML: " + error.what());
    }
    const Node* root = document.first_node();
    if (!root) {
        throw std::runtime_error(file + ": no root element");
    }
    const std::string root_name(root->name(), root->name_size());
    std::vector<const Node*> details;
    if (root_name == "JobsDetail") {
        details.push_back(root);
    } else if (root_name == "Response") {
        for (const Node* n = root->first_node("JobsDetail"); n; n = n->next_sibling("JobsDetail")) {
            details.push_back(n);
        }
    } else {
        throw std::runtime_error(file + ": root is <" + root_name +
                                 ">, not <Response> or <JobsDetail>");
    }
    std::vector<StoredJob> jobs;
    for (const Node* detail : details) {
        if (!detail->first_node()) {
            continue; // the empty <JobsDetail/> of an empty result
        }
        jobs.push_back(stored_from_node(detail, raw, buffer.data(), file));
    }
    return jobs;
}

} // namespace

void load_directory(Dataset& dataset, const std::string& dir)
{
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
        if (entry.is_regular_file() && entry.path().extension() == ".xml") {
            files.push_back(entry.path());
        }
    }
    if (error) {
        throw std::runtime_error(dir + ": cannot list directory: " + error.message());
    }
    std::sort(files.begin(), files.end());
    // Parse every file before adding any, so a bad file leaves the dataset as it was.
    std::vector<StoredJob> loaded;
    for (const auto& path : files) {
        for (StoredJob& job : load_file(path)) {
            loaded.push_back(std::move(job));
        }
    }
    for (StoredJob& job : loaded) {
        dataset.add_raw(std::move(job));
    }
}

} // namespace jobsync::emulator
