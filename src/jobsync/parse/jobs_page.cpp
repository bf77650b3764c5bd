#include "jobsync/parse/jobs_page.hpp"

#include "jobsync/core/api_time.hpp"
#include "jobsync/core/utf8.hpp"
#include "jobsync/parse/drift_collector.hpp"
#include "jobsync/parse/field_values.hpp"
#include "jobsync/parse/required_fields.hpp"
#include "jobsync/parse/response_document.hpp"
#include "jobsync/xml/name_map.hpp"
#include "jobsync/xml/node_pool.hpp"
#include "jobsync/xml/raw_text.hpp"
#include "jobsync/xml/xml_chars.hpp"
#include "jobsync/xml/xml_tree.hpp"

#include <memory>

namespace jobsync {

namespace {

using xml::child;
using xml::Document;
using xml::name_of;
using xml::new_document;
using xml::next_same;
using xml::Node;

// A FieldSpec table's positions by element name: a stream has 33 fields, and
// a linear search per child element cost more than reading it.
template <std::size_t N> class SpecIndex {
public:
    explicit SpecIndex(const std::array<FieldSpec, N>& specs) : specs_(specs)
    {
        for (std::size_t i = 0; i < N; ++i) {
            positions_.insert(specs[i].element) = i;
        }
    }

    const std::array<FieldSpec, N>& specs() const { return specs_; }

    // The position of element's spec; N when there is none.
    std::size_t find(std::string_view element) const
    {
        const std::size_t* found = positions_.find(element);
        return found == nullptr ? N : *found;
    }

private:
    const std::array<FieldSpec, N>& specs_;
    NameMap<std::size_t> positions_;
};

const SpecIndex<kMediaFormatFields.size()>& media_format_index()
{
    static const SpecIndex index(kMediaFormatFields);
    return index;
}

const SpecIndex<kMediaStreamFields.size()>& media_stream_index()
{
    static const SpecIndex index(kMediaStreamFields);
    return index;
}

// Maps parent's children onto a FieldSpec table; the first non-empty one wins.
template <std::size_t N>
FieldValues<N> read_fields(JobContext& ctx, const Node* parent, const SpecIndex<N>& index,
                           std::string_view path)
{
    const std::array<FieldSpec, N>& specs = index.specs();
    FieldValues<N> values{};
    for (const Node* n = parent->first_node(); n != nullptr; n = n->next_sibling()) {
        const std::size_t i = index.find(name_of(n));
        if (i == N || values[i] || n->type() != rapidxml::node_element) {
            continue;
        }
        const std::string_view value = ctx.text(n);
        if (!value.empty()) {
            values[i] = ctx.checked(value, specs[i].type, path, specs[i].element);
        }
    }
    return values;
}

void read_input(JobContext& ctx, const Node* input, JobRecord& job)
{
    if (input == nullptr) {
        return;
    }
    job.input_bucket = ctx.child_text(input, "BucketId");
    job.input_region = ctx.child_text(input, "Region");
    job.input_object = ctx.child_text(input, "Object");
    job.input_url = ctx.child_text(input, "Url");
    for (const Node* h = child(input, "CosHeaders"); h != nullptr; h = next_same(h)) {
        const std::string_view key = ctx.text(child(h, "Key"));
        if (!key.empty()) {
            job.cos_headers.push_back({key, ctx.text(child(h, "Value"))});
        }
    }
}

void read_workflow(JobContext& ctx, const Node* workflow, JobRecord& job)
{
    if (workflow == nullptr) {
        return;
    }
    job.workflow_id = ctx.child_text(workflow, "WorkflowId");
    job.workflow_name = ctx.child_text(workflow, "WorkflowName");
    if (!job.workflow_name) {
        job.workflow_name = ctx.child_text(workflow, "Name");
    }
    job.workflow_run_id = ctx.child_text(workflow, "RunId");
}

std::string_view output_kind(std::string_view element)
{
    struct Kind {
        std::string_view element, kind;
    };
    static constexpr Kind kKinds[] = {{"Object", "main"},
                                      {"SpriteObject", "sprite"},
                                      {"AuObject", "audio"},
                                      {"BassObject", "background"},
                                      {"DrumObject", "drum"}};
    for (const Kind& k : kKinds) {
        if (k.element == element) {
            return k.kind;
        }
    }
    return {};
}

void read_output(JobContext& ctx, const Node* output, JobRecord& job)
{
    const OptText bucket = ctx.child_text(output, "Bucket");
    const OptText region = ctx.child_text(output, "Region");
    for (const Node* n = xml::first_child_element(output); n != nullptr; n = n->next_sibling()) {
        if (name_of(n) == "StreamExtract") {
            const OptText object = ctx.child_text(n, "Object");
            if (object) {
                const OptText index = ctx.checked(ctx.child_text(n, "Index"), FieldType::integer,
                                                  "Operation/Output/StreamExtract/", "Index");
                job.outputs.push_back({"stream_extract", bucket, region, object, index});
            }
            continue;
        }
        const std::string_view kind = output_kind(name_of(n));
        const std::string_view object = ctx.text(n);
        if (!kind.empty() && !object.empty() && n->type() == rapidxml::node_element) {
            job.outputs.push_back({kind, bucket, region, object, std::nullopt});
        }
    }
}

struct StreamKind {
    std::string_view element, kind, path; // path prefixes warnings
};

const StreamKind* stream_kind(std::string_view element)
{
    static constexpr StreamKind kKinds[] = {
        {"Video", "video", "Operation/MediaInfo/Stream/Video/"},
        {"Audio", "audio", "Operation/MediaInfo/Stream/Audio/"},
        {"Subtitle", "subtitle", "Operation/MediaInfo/Stream/Subtitle/"}};
    for (const StreamKind& k : kKinds) {
        if (k.element == element) {
            return &k;
        }
    }
    return nullptr;
}

void read_media_info(JobContext& ctx, const Node* media, JobRecord& job)
{
    if (media == nullptr) {
        return;
    }
    if (const Node* format = child(media, "Format")) {
        job.media_format =
            read_fields(ctx, format, media_format_index(), "Operation/MediaInfo/Format/");
    }
    // <Subtitle/> and <Video/> say "no such stream": no row.
    const auto is_stream = [](const Node* n) {
        return stream_kind(name_of(n)) != nullptr && xml::has_child_elements(n);
    };
    std::size_t count = 0; // a MediaStream is ~800 bytes: allocate once
    for (const Node* stream = child(media, "Stream"); stream; stream = next_same(stream)) {
        for (const Node* n = xml::first_child_element(stream); n; n = n->next_sibling()) {
            count += is_stream(n) ? 1 : 0;
        }
    }
    job.streams.reserve(count);
    for (const Node* stream = child(media, "Stream"); stream; stream = next_same(stream)) {
        for (const Node* n = xml::first_child_element(stream); n; n = n->next_sibling()) {
            if (is_stream(n)) {
                const StreamKind* kind = stream_kind(name_of(n));
                MediaStream& row = job.streams.emplace_back();
                row.kind = kind->kind;
                row.values = read_fields(ctx, n, media_stream_index(), kind->path);
            }
        }
    }
}

// The Md5 of the Md5Info naming object_name. A lone Md5Info without a name
// belongs to a lone ObjectName.
OptText find_md5(JobContext& ctx, const Node* file, std::string_view object_name)
{
    const Node* first = child(file, "Md5Info");
    for (const Node* info = first; info != nullptr; info = next_same(info)) {
        if (ctx.decoded(child(info, "ObjectName")) == object_name) {
            return ctx.child_text(info, "Md5");
        }
    }
    if (first != nullptr && !child(first, "ObjectName") && next_same(first) == nullptr &&
        count_children(file, "ObjectName") == 1) {
        return ctx.child_text(first, "Md5");
    }
    return std::nullopt;
}

void read_output_file(JobContext& ctx, const Node* file, std::string_view kind, JobRecord& job)
{
    const OptText bucket = ctx.child_text(file, "Bucket");
    const OptText region = ctx.child_text(file, "Region");
    const OptText prefix = ctx.child_text(file, "ObjectPrefix");
    for (const Node* n = child(file, "ObjectName"); n != nullptr; n = next_same(n)) {
        const OptText name = ctx.indexed(ctx.text(n), "ObjectName");
        if (name && !name->empty()) {
            job.output_files.push_back(
                {kind, bucket, region, prefix, name, find_md5(ctx, file, *name)});
        }
    }
}

void read_media_result(JobContext& ctx, const Node* result, JobRecord& job)
{
    for (const Node* file = child(result, "OutputFile"); file; file = next_same(file)) {
        read_output_file(ctx, file, "main", job);
        for (const Node* sprite = child(file, "SpriteOutputFile"); sprite;
             sprite = next_same(sprite)) {
            read_output_file(ctx, sprite, "sprite", job);
        }
    }
}

void read_operation(JobContext& ctx, const Node* op, JobRecord& job)
{
    if (op == nullptr) {
        return;
    }
    job.template_id = ctx.child_text(op, "TemplateId");
    job.template_name = ctx.child_text(op, "TemplateName");
    job.user_data = ctx.child_text(op, "UserData");
    job.job_level = ctx.integer(ctx.child_text(op, "JobLevel"), "Operation/JobLevel");
    for (const Node* w = child(op, "WatermarkTemplateId"); w != nullptr; w = next_same(w)) {
        const std::string_view id = ctx.text(w);
        if (!id.empty()) {
            job.watermark_template_ids.push_back(id);
        }
    }
    for (const Node* output = child(op, "Output"); output; output = next_same(output)) {
        read_output(ctx, output, job);
    }
    read_media_info(ctx, child(op, "MediaInfo"), job);
    read_media_result(ctx, child(op, "MediaResult"), job);
}

std::string_view detail_source(const JobsPage& page, const Node* detail, std::size_t position)
{
    const std::optional<std::string_view> source = xml::element_source(page.body, detail);
    if (!source) {
        // RapidXML accepted the document, so this means a bug here.
        throw PartitionError("cannot find the end of JobsDetail #" + std::to_string(position));
    }
    return *source;
}

// detail's source, repaired when the xml column would refuse it.
void set_detail(JobContext& ctx, JobsPage& page, std::string_view source, JobRecord& job)
{
    std::optional<xml::XmlRepair> repair = xml::repair_for_xml_column(source);
    if (!repair) {
        job.detail_xml = source;
        return;
    }
    ctx.add_warning(WarningOutcome::detail_repaired, "detail",
                    ctx.who() + ": detail: " + std::to_string(repair->replaced) +
                        " characters or references the xml type refuses were replaced");
    job.detail_xml = page.decoded.emplace_back(std::move(repair->text));
    job.detail_repaired = true;
}

// Reads the position-th JobsDetail into page.jobs, or into page.rejected
// when its required fields cannot be stored.
void read_job(JobsPage& page, xml::TextReader& reader, const Node* detail, std::size_t position)
{
    const std::string_view source = detail_source(page, detail, position);
    JobRecord job;
    JobContext ctx{reader, page.warnings, {}, position};
    const std::optional<std::string_view> job_id = ctx.decoded(child(detail, "JobId"));
    job.job_id = job_id.value_or("");
    ctx.job_id = job.job_id;
    std::optional<Rejection> rejection =
        job_id ? job_id_problem(job.job_id, position)
               : Rejection{"JobId", "JobsDetail #" + std::to_string(position) +
                                        ": JobId has a bad character reference"};
    if (!rejection) {
        rejection = read_required(ctx, detail, job);
    }
    if (rejection) {
        ctx.add_warning(WarningOutcome::job_quarantined, rejection->field, rejection->reason);
        page.rejected.push_back({job.job_id, source, std::move(rejection->reason), position});
        return;
    }
    job.sub_tag = ctx.child_text(detail, "SubTag");
    job.state = ctx.child_text(detail, "State");
    job.code = ctx.child_text(detail, "Code");
    job.message = ctx.child_text(detail, "Message");
    job.queue_id = ctx.indexed(ctx.child_text(detail, "QueueId"), "QueueId");
    job.queue_type = ctx.child_text(detail, "QueueType");
    job.progress = ctx.integer(ctx.child_text(detail, "Progress"), "Progress");
    job.start_time = ctx.time(ctx.child_text(detail, "StartTime"), "StartTime");
    job.end_time = ctx.time(ctx.child_text(detail, "EndTime"), "EndTime");
    set_detail(ctx, page, source, job);
    read_input(ctx, child(detail, "Input"), job);
    read_workflow(ctx, child(detail, "Workflow"), job);
    read_operation(ctx, child(detail, "Operation"), job);
    collect_unknown_elements(detail, page, job, position);
    page.jobs.push_back(std::move(job));
}

} // namespace

std::string JobsPage::release_body()
{
    jobs.clear();
    rejected.clear();
    decoded.clear();
    return std::move(body);
}

JobsPage parse_jobs_page(std::string body)
{
    JobsPage page;
    page.body = std::move(body);
    xml::TextReader reader(page.decoded);
    const std::unique_ptr<Document> doc = new_document();
    try {
        const Node* root = parse_response("/jobs", page.body, *doc);
        page.jobs.reserve(count_children(root, "JobsDetail"));
        std::size_t position = 0;
        for (const Node* detail = child(root, "JobsDetail"); detail; detail = next_same(detail)) {
            ++position;
            if (!is_placeholder(detail)) {
                read_job(page, reader, detail, position);
            }
        }
        page.next_token = std::string(reader.text(child(root, "NextToken")));
        if (!is_valid_utf8(page.next_token)) {
            // It is stored in the checkpoint, a text column.
            throw PartitionError("NextToken " + quoted(page.next_token) + " is not valid UTF-8");
        }
    } catch (const rapidxml::parse_error& e) {
        // From the parse, or from a bad character reference in a field read.
        throw_malformed("/jobs", static_cast<std::size_t>(e.where<char>() - page.body.data()),
                        e.what());
    }
    return page;
}

} // namespace jobsync
