// A small PRNG whose output is identical on every platform and standard
// library (std:: distributions are not), so seeds reproduce datasets exactly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jobsync::emulator {

// The splitmix64 finalizer: a bijection on 64-bit values.
inline std::uint64_t mix64(std::uint64_t x)
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// FNV-1a over bytes, then mixed: a stable seed from text (e.g. a job id).
inline std::uint64_t hash64(std::string_view text)
{
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        h = (h ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    }
    return mix64(h);
}

class Prng {
public:
    explicit Prng(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next()
    {
        state_ += 0x9e3779b97f4a7c15ULL;
        return mix64(state_);
    }
    // Uniform in [0, n); n == 0 yields 0. The modulo bias is irrelevant here.
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    // Uniform in [lo, hi].
    long range(long lo, long hi)
    {
        return lo + static_cast<long>(below(static_cast<std::uint64_t>(hi - lo) + 1));
    }
    // Uniform in [0, 1), from the top 53 bits.
    double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    bool chance(double p) { return unit() < p; }
    template <typename Container> const auto& pick(const Container& items)
    {
        return items[static_cast<std::size_t>(below(items.size()))];
    }

private:
    std::uint64_t state_;
};

// Lowercase hex of a 64-bit value, 16 digits.
inline std::string hex64(std::uint64_t value)
{
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = kHex[value & 0xF];
        value >>= 4;
    }
    return out;
}

} // namespace jobsync::emulator
