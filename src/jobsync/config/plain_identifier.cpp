#include "jobsync/config/plain_identifier.hpp"

namespace jobsync {

bool is_plain_identifier(const std::string& name)
{
    if (name.empty() || name.size() > 63) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool letter = (c >= 'a' && c <= 'z') || c == '_';
        const bool digit = c >= '0' && c <= '9';
        if (!letter && !(digit && i > 0)) {
            return false;
        }
    }
    return true;
}

} // namespace jobsync
