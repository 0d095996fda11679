#pragma once
// attribute_by: which instant of an interaction puts it into a time bucket (day, week, ...), per
// metric family. Each metric of the metric table belongs to one family; a row counts in the
// bucket of its family's instant, or of created_at when the row has no such instant.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cskpi {

/// The metrics that move together when attribute_by names an instant for them.
enum class metric_family : std::uint8_t { volume, response, resolution, satisfaction };
/// The instants of an interaction a time bucket can come from.
enum class instant_kind : std::uint8_t { created, first_response, resolved, rated };

struct attribution {
    static constexpr std::size_t families = 4;
    static constexpr std::array<std::string_view, families> family_names = {
        "volume", "response", "resolution", "satisfaction"};
    static constexpr std::array<std::string_view, 4> instant_names = {"created", "first_response",
                                                                      "resolved", "rated"};

    std::array<instant_kind, families> of{};  ///< by metric_family; all created by default

    instant_kind operator[](metric_family f) const { return of[static_cast<std::size_t>(f)]; }
    /// Every family bucketed by created_at (the default: nothing to attribute).
    bool by_created() const {
        for (instant_kind k : of)
            if (k != instant_kind::created) return false;
        return true;
    }
    bool operator==(const attribution&) const = default;

    static std::optional<instant_kind> instant_of(std::string_view name) {
        for (std::size_t i = 0; i < instant_names.size(); ++i)
            if (instant_names[i] == name) return static_cast<instant_kind>(i);
        return std::nullopt;
    }
    static std::optional<metric_family> family_of(std::string_view name) {
        for (std::size_t i = 0; i < families; ++i)
            if (family_names[i] == name) return static_cast<metric_family>(i);
        return std::nullopt;
    }
    static std::string_view name_of(metric_family f) {
        return family_names[static_cast<std::size_t>(f)];
    }
    static std::string_view name_of(instant_kind k) {
        return instant_names[static_cast<std::size_t>(k)];
    }
};

}  // namespace cskpi
