#include "jobsync/domain/partition.hpp"

namespace jobsync {

std::string Partition::label() const
{
    return bucket() + "/" + tag + "/" + (queue_id.empty() ? "*" : queue_id);
}

} // namespace jobsync
