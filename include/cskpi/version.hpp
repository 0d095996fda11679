#pragma once
/// cskpi version, reported in every JSON document under "cskpi.version".
namespace cskpi {
inline constexpr const char* version = "0.1.0";
inline constexpr int state_version = 1;  ///< version of the serialized partial-state envelope
}  // namespace cskpi
