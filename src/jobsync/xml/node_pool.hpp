// RapidXML documents whose node pool blocks are recycled within the process.
#pragma once

#include "jobsync/xml/xml_tree.hpp"

#include <memory>

namespace jobsync::xml {

// A heap-allocated document (it embeds a 64 KiB pool: keep it off thread
// stacks) whose node pool blocks are recycled within the process.
std::unique_ptr<Document> new_document();

} // namespace jobsync::xml
