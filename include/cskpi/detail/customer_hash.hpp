#pragma once
// The customer key of the FCR ledger: a 64-bit pseudonym of the customer id. Without a salt it
// is the same on every machine (FNV-1a, then MurmurHash3's fmix64), so partial states merge
// without shipping ids. With `privacy.salt` it is libsodium's keyed SipHash-2-4 under a key
// derived from the salt (BLAKE2b), so a serialized state cannot be matched against a list of
// known ids by whoever lacks the salt.
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sodium.h>

namespace cskpi::detail {

class customer_hasher {
public:
    customer_hasher() = default;
    explicit customer_hasher(std::string_view salt) {
        if (salt.empty()) return;
        if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
        crypto_generichash(key_.data(), key_.size(),
                           reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                           nullptr, 0);
        keyed_ = true;
    }

    bool keyed() const noexcept { return keyed_; }

    std::uint64_t operator()(std::string_view id) const noexcept {
        if (!keyed_) return plain(id);
        unsigned char out[crypto_shorthash_BYTES];
        crypto_shorthash(out, reinterpret_cast<const unsigned char*>(id.data()), id.size(),
                         key_.data());
        std::uint64_t h;
        std::memcpy(&h, out, sizeof h);
        return h;
    }

    /// Names the key without revealing it: states whose key ids differ must not merge. "" unkeyed.
    std::string key_id() const {
        if (!keyed_) return {};
        char buf[17];
        std::snprintf(buf, sizeof buf, "%016llx",
                      static_cast<unsigned long long>((*this)("cskpi key id")));
        return buf;
    }

    /// Portable unkeyed key. Two distinct ids share a key with probability about n^2 / 2^65
    /// (3e-7 for three million customers).
    static std::uint64_t plain(std::string_view id) noexcept {
        std::uint64_t h = 0xcbf29ce484222325ULL;
        for (unsigned char ch : id) {
            h ^= ch;
            h *= 0x100000001b3ULL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 33;
        return h;
    }

private:
    std::array<unsigned char, crypto_shorthash_KEYBYTES> key_{};
    bool keyed_ = false;
};

}  // namespace cskpi::detail
