// Who may use the /_emulator/ endpoints: a loopback client that names the
// emulator as 127.0.0.1 or localhost (no DNS rebinding), sends no Origin (no
// browser page), and presents the admin token.
#pragma once

#include "emulator/signature_check.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace jobsync::emulator {

// nullopt when the request may use admin endpoints; else the 403 to send.
// An empty token turns the admin endpoints off.
std::optional<Rejection> check_admin_access(const HttpRequest& request,
                                            const std::string& admin_token);

// Equality whose time does not depend on where the texts differ, nor on the
// length of the expected one (both are hashed first).
bool constant_time_equals(std::string_view given, std::string_view expected);

} // namespace jobsync::emulator
