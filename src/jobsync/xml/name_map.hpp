// A small map keyed by XML element names, for lookups made for every element
// of every job.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace jobsync {

// Open addressing with a constant-time hash: a lookup is a few instructions
// and usually one comparison. (std::unordered_map with a cheap hash compares a
// small map's keys one by one; with std::hash it runs Murmur over the whole
// name.) Keys are views: what they point at must outlive the map.
template <class T> class NameMap {
public:
    // The value for name; nullptr when absent.
    const T* find(std::string_view name) const
    {
        const std::size_t at = slot_of(name, hash(name));
        return at == kNone || !slots_[at].used ? nullptr : &slots_[at].value;
    }

    // The value for name, default-constructed when absent. Adding may move
    // the values: do not keep references across inserts.
    T& insert(std::string_view name)
    {
        if ((size_ + 1) * 2 > slots_.size()) {
            grow();
        }
        const std::size_t h = hash(name);
        Slot& slot = slots_[slot_of(name, h)];
        if (!slot.used) {
            slot = Slot{name, h, true, T{}};
            ++size_;
        }
        return slot.value;
    }

private:
    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

    struct Slot {
        std::string_view name;
        std::size_t hash = 0;
        bool used = false;
        T value{};
    };

    // The length and, for names of 8 bytes or more, their first and last 8
    // bytes: constant time whatever the length. A collision only costs a
    // comparison.
    static std::size_t hash(std::string_view name)
    {
        std::uint64_t h = name.size();
        if (name.size() >= 8) {
            std::uint64_t head = 0;
            std::uint64_t tail = 0;
            std::memcpy(&head, name.data(), 8);
            std::memcpy(&tail, name.data() + name.size() - 8, 8);
            h ^= head * 0x9E3779B97F4A7C15ULL;
            h ^= (tail ^ (tail >> 29)) * 0xBF58476D1CE4E5B9ULL;
        } else {
            for (const char c : name) {
                h = (h << 8) | static_cast<unsigned char>(c);
            }
            h *= 0x9E3779B97F4A7C15ULL;
        }
        // Slots are taken from the low bits: fold the high ones in.
        return static_cast<std::size_t>(h ^ (h >> 31));
    }

    // The slot holding name, or the free one where it would go; kNone when empty.
    std::size_t slot_of(std::string_view name, std::size_t h) const
    {
        if (slots_.empty()) {
            return kNone;
        }
        const std::size_t mask = slots_.size() - 1;
        for (std::size_t i = h & mask;; i = (i + 1) & mask) {
            const Slot& slot = slots_[i];
            if (!slot.used || (slot.hash == h && slot.name == name)) {
                return i; // never full: grow() keeps at least half the slots free
            }
        }
    }

    void grow()
    {
        std::vector<Slot> old = std::move(slots_);
        slots_ = std::vector<Slot>(old.empty() ? 16 : old.size() * 2);
        for (Slot& slot : old) {
            if (slot.used) {
                slots_[slot_of(slot.name, slot.hash)] = std::move(slot);
            }
        }
    }

    std::vector<Slot> slots_; // a power of two in size
    std::size_t size_ = 0;
};

} // namespace jobsync
