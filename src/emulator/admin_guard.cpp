#include "emulator/admin_guard.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>

namespace jobsync::emulator {
namespace {

constexpr std::string_view kBearer = "Bearer ";

std::array<unsigned char, EVP_MAX_MD_SIZE> sha256(std::string_view text)
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(), nullptr);
    return digest;
}

bool names_this_emulator(const std::string& host, int port)
{
    const std::string suffix = ":" + std::to_string(port);
    for (const char* name : {"127.0.0.1", "localhost", "[::1]"}) {
        if (host == name + suffix) {
            return true;
        }
    }
    return false;
}

Rejection denied(const std::string& message)
{
    return {403, "AccessDenied", message};
}

} // namespace

bool constant_time_equals(std::string_view given, std::string_view expected)
{
    const auto a = sha256(given);
    const auto b = sha256(expected);
    return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<Rejection> check_admin_access(const HttpRequest& request,
                                            const std::string& admin_token)
{
    if (admin_token.empty()) {
        return denied("admin endpoints are off: start ci-emulator with --admin-token-file "
                      "or CI_EMULATOR_ADMIN_TOKEN");
    }
    if (!request.from_loopback) {
        return denied("admin endpoints answer loopback peers only");
    }
    if (request.header("Origin")) {
        return denied("admin endpoints refuse requests with an Origin header");
    }
    if (!names_this_emulator(request.header("Host").value_or(""), request.local_port)) {
        return denied("admin endpoints need Host: 127.0.0.1:" + std::to_string(request.local_port) +
                      " or localhost:" + std::to_string(request.local_port));
    }
    const std::string authorization = request.header("Authorization").value_or("");
    if (authorization.compare(0, kBearer.size(), kBearer) != 0 ||
        !constant_time_equals(std::string_view(authorization).substr(kBearer.size()),
                              admin_token)) {
        return denied("admin endpoints need Authorization: Bearer <admin token>");
    }
    return std::nullopt;
}

} // namespace jobsync::emulator
