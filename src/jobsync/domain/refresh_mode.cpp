#include "jobsync/domain/refresh_mode.hpp"

namespace jobsync {

const char* to_string(RefreshMode mode)
{
    switch (mode) {
    case RefreshMode::none:
        return "none";
    case RefreshMode::walk:
        return "walk";
    case RefreshMode::by_id:
        return "by_id";
    }
    return "none";
}

} // namespace jobsync
