// The JobsDetail elements the worker knows, for schema-drift detection: an
// element whose path is not known is recorded (drift_store) and stays in detail.
#pragma once

#include "jobsync/xml/name_map.hpp"

#include <memory>
#include <string_view>

namespace jobsync {

// One element of the known JobsDetail schema, with its known children. Walked
// alongside the parsed tree, so checking an element is one lookup of its name
// (no path string is built unless something unknown turns up).
class KnownElement {
public:
    // The known child element called name; nullptr when the schema does not know it.
    const KnownElement* child(std::string_view name) const;

    // False for leaves and the insides of template settings: their children
    // are not checked.
    bool checks_children() const { return has_children_; }

    // Adds a known child (for building the schema).
    KnownElement& add_child(std::string_view name);

private:
    NameMap<std::unique_ptr<KnownElement>> children_;
    bool has_children_ = false;
};

// JobsDetail itself: the root of the known schema.
const KnownElement& known_jobs_detail();

} // namespace jobsync
