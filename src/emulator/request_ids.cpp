#include "emulator/request_ids.hpp"

#include "emulator/prng.hpp"
#include "jobsync/core/api_time.hpp"

#include <chrono>
#include <cstdio>

namespace jobsync::emulator {

std::string base64_encode(const std::string& bytes)
{
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned value = static_cast<unsigned char>(bytes[i]) << 16 |
                               static_cast<unsigned char>(bytes[i + 1]) << 8 |
                               static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[value >> 18 & 63];
        out += kAlphabet[value >> 12 & 63];
        out += kAlphabet[value >> 6 & 63];
        out += kAlphabet[value & 63];
    }
    if (i < bytes.size()) {
        const bool two = i + 1 < bytes.size();
        const unsigned value = static_cast<unsigned char>(bytes[i]) << 16 |
                               (two ? static_cast<unsigned char>(bytes[i + 1]) << 8 : 0U);
        out += kAlphabet[value >> 18 & 63];
        out += kAlphabet[value >> 12 & 63];
        out += two ? kAlphabet[value >> 6 & 63] : '=';
        out += '=';
    }
    return out;
}

RequestIds::RequestIds()
{
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    instance_ = mix64(static_cast<std::uint64_t>(ticks) ^ reinterpret_cast<std::uintptr_t>(this));
}

std::string RequestIds::next_request_id()
{
    const std::uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
    char text[64];
    std::snprintf(text, sizeof text, "%08llx_%08llx_%04llx_%llx",
                  static_cast<unsigned long long>(now_unix_seconds()),
                  static_cast<unsigned long long>(instance_ & 0xffffffffULL),
                  static_cast<unsigned long long>(mix64(n) & 0xffff),
                  static_cast<unsigned long long>(n));
    return base64_encode(text);
}

std::string RequestIds::trace_id_for(const std::string& request_id) const
{
    const std::uint64_t seed = hash64(request_id) ^ instance_;
    std::string hex;
    for (std::uint64_t i = 0; i < 4; ++i) {
        hex += hex64(mix64(seed + i));
    }
    return base64_encode(hex);
}

} // namespace jobsync::emulator
