#pragma once
// Shared by the libFuzzer targets: the input goes to a file (the readers take paths), and a
// broken invariant aborts so libFuzzer keeps the input as a crash.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

namespace fuzz {

inline void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant broken: %s\n", what);
        std::abort();
    }
}

/// Writes the input to a per-process file with the given extension and returns its path.
inline std::string to_file(const std::uint8_t* data, std::size_t size, const char* ext) {
    const std::string path = "/tmp/cskpi-fuzz-" + std::to_string(::getpid()) + ext;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

}  // namespace fuzz
