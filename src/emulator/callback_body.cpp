#include "emulator/callback_body.hpp"

#include <nlohmann/json.hpp>
#include <rapidxml.hpp>

#include <stdexcept>
#include <vector>

namespace jobsync::emulator {
namespace {

using Node = rapidxml::xml_node<char>;

bool has_element_children(const Node* node)
{
    for (const Node* child = node->first_node(); child != nullptr; child = child->next_sibling()) {
        if (child->type() == rapidxml::node_element) {
            return true;
        }
    }
    return false;
}

nlohmann::ordered_json to_json(const Node* element)
{
    if (!has_element_children(element)) {
        return std::string(element->value(), element->value_size());
    }
    nlohmann::ordered_json object = nlohmann::ordered_json::object();
    for (const Node* child = element->first_node(); child != nullptr;
         child = child->next_sibling()) {
        if (child->type() != rapidxml::node_element) {
            continue;
        }
        const std::string name(child->name(), child->name_size());
        nlohmann::ordered_json value = to_json(child);
        const auto existing = object.find(name);
        if (existing == object.end()) {
            object[name] = std::move(value);
        } else { // a repeated element: its values become an array, in order
            // (to_json never returns an array, so an array here is one made by a repeat)
            if (!existing->is_array()) {
                *existing = nlohmann::ordered_json::array({std::move(*existing)});
            }
            existing->push_back(std::move(value));
        }
    }
    return object;
}

} // namespace

CallbackFormat parse_callback_format(std::string_view text)
{
    if (text == "xml") {
        return CallbackFormat::xml;
    }
    if (text == "json") {
        return CallbackFormat::json;
    }
    throw std::invalid_argument("callback format must be xml or json, got '" + std::string(text) +
                                "'");
}

std::string_view content_type_of(CallbackFormat format)
{
    return format == CallbackFormat::json ? "application/json" : "application/xml";
}

namespace {

// <Response><EventName>event</EventName>element</Response>, or its JSON.
std::string notification_body(const char* event, const char* element_name,
                              const std::string& element_xml, CallbackFormat format)
{
    if (format == CallbackFormat::xml) {
        return std::string("<Response><EventName>") + event + "</EventName>" + element_xml +
               "</Response>";
    }
    std::vector<char> buffer(element_xml.begin(), element_xml.end());
    buffer.push_back('\0');
    rapidxml::xml_document<char> document;
    try {
        document.parse<rapidxml::parse_default>(buffer.data());
    } catch (const rapidxml::parse_error& error) {
        throw std::invalid_argument(std::string(element_name) +
                                    " XML does not parse: " + error.what());
    }
    const Node* element = document.first_node(element_name);
    if (element == nullptr) {
        throw std::invalid_argument(std::string("the XML is not a <") + element_name + "> element");
    }
    nlohmann::ordered_json body;
    body["EventName"] = event;
    body[element_name] = to_json(element);
    return body.dump();
}

} // namespace

std::string task_finish_body(const std::string& jobs_detail_xml, CallbackFormat format)
{
    return notification_body("TaskFinish", "JobsDetail", jobs_detail_xml, format);
}

std::string workflow_finish_body(const std::string& execution_xml, CallbackFormat format)
{
    return notification_body("WorkflowFinish", "WorkflowExecution", execution_xml, format);
}

} // namespace jobsync::emulator
