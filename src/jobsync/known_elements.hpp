// The JobsDetail elements the worker knows, for schema-drift detection: an
// element whose path is not known is recorded (drift_store) and stays in detail.
#pragma once

#include <string_view>
#include <unordered_set>

namespace jobsync {

// The known child element names of the element at `path` ("" is JobsDetail
// itself, "Operation/MediaInfo/Stream/Video" a stream); nullptr when its
// children are not checked (leaves, and the insides of template settings).
const std::unordered_set<std::string_view>* known_children(std::string_view path);

} // namespace jobsync
