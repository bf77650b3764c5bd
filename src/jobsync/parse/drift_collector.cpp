#include "jobsync/parse/drift_collector.hpp"

#include "jobsync/parse/known_elements.hpp"

#include <string>

namespace jobsync {

namespace {

using xml::name_of;
using xml::Node;

// node's path below JobsDetail, e.g. "Operation/Transcode/NewThing".
std::string path_below(const Node* detail, const Node* node)
{
    std::string path;
    for (const Node* n = node; n != detail; n = n->parent()) {
        path.insert(0, path.empty() ? std::string(name_of(n)) : std::string(name_of(n)) + "/");
    }
    return path;
}

// Records the child elements of node that the schema (known: node's entry)
// does not know, without descending into them; known containers are walked.
void collect_unknown(const Node* detail, const Node* node, const KnownElement& known,
                     JobsPage& page, const JobRecord& job, std::size_t position)
{
    for (const Node* n = xml::first_child_element(node); n != nullptr; n = n->next_sibling()) {
        if (n->type() != rapidxml::node_element) {
            continue;
        }
        const KnownElement* child = known.child(name_of(n));
        if (child == nullptr) {
            DriftSighting& seen =
                page.unknown_elements[{std::string(job.tag), path_below(detail, n)}];
            if (seen.last_position != position) {
                seen.last_position = position;
                ++seen.jobs;
                seen.last_job_id = std::string(job.job_id);
            }
        } else if (child->checks_children()) {
            collect_unknown(detail, n, *child, page, job, position);
        }
    }
}

} // namespace

void collect_unknown_elements(const Node* detail, JobsPage& page, const JobRecord& job,
                              std::size_t position)
{
    collect_unknown(detail, detail, known_jobs_detail(), page, job, position);
}

} // namespace jobsync
