#pragma once
// The mergeable partial state of one group: plain sufficient statistics (counts, exact integer
// sums) plus the duration samples that exact quantiles need. A regular value type:
// default-constructible, copyable, ==, update/merge, JSON round trip with a versioned envelope.
#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "../detail/byte_columns.hpp"
#include "../detail/samples.hpp"
#include "../input/records.hpp"
#include "counter_families.hpp"
#include "../version.hpp"

namespace cskpi {

/// Partial state of a group's metrics: every counter family (counter_families.hpp) and the
/// duration samples. `merge` is associative and commutative; merging an empty state changes
/// nothing.
struct group_state : volume_counts,
                     bot_counts,
                     csat_counts,
                     nps_counts,
                     ces_counts,
                     complaint_counts,
                     presale_counts,
                     one_touch_counts,
                     service_level_counts,
                     censoring_counts {
    detail::duration_samples frt, handle, resolution;  ///< samples for exact quantiles (any order)

    /// Adds one interaction. `satisfied_min` is the config's CSAT top-box threshold.
    void update(const row_facts& f, int satisfied_min) {
        count(f, satisfied_min);
        if (f.frt != missing_us) frt.push_back(f.frt);
        if (f.handle != missing_us) handle.push_back(f.handle);
        if (f.resolution != missing_us) resolution.push_back(f.resolution);
    }
    /// update() without the duration samples, for a caller that stores them itself
    /// (report_state's sample log).
    void count(const row_facts& f, int satisfied_min) {
        count_families(static_cast<counter_families*>(nullptr), f, satisfied_min);
    }

    /// Adds `o` into this state.
    group_state& merge(const group_state& o) {
#define CSKPI_X(n) detail::add_count(n, o.n);
        CSKPI_GROUP_COUNTS(CSKPI_X)
#undef CSKPI_X
        frt.append(o.frt);
        handle.append(o.handle);
        resolution.append(o.resolution);
        return *this;
    }
    group_state& operator+=(const group_state& o) {
        return merge(o);
    }
    friend group_state operator+(group_state a, const group_state& b) {
        return a.merge(b);
    }

    /// Equal counts and equal samples as multisets (merge order does not matter).
    bool operator==(const group_state& o) const {
#define CSKPI_X(n) \
    if (n != o.n) return false;
        CSKPI_GROUP_COUNTS(CSKPI_X)
#undef CSKPI_X
        return same_multiset(frt, o.frt) && same_multiset(handle, o.handle) &&
               same_multiset(resolution, o.resolution);
    }

    /// Calls f(name, value) for every sufficient statistic, in a fixed order (JSON "counts").
    template <class F>
    void visit_counts(F&& f) {
#define CSKPI_X(n) f(#n, n);
        CSKPI_GROUP_COUNTS(CSKPI_X)
#undef CSKPI_X
    }
    template <class F>
    void visit_counts(F&& f) const {
#define CSKPI_X(n) f(#n, n);
        CSKPI_GROUP_COUNTS(CSKPI_X)
#undef CSKPI_X
    }

private:
    template <class... Family>
    void count_families(std::tuple<Family...>*, const row_facts& f, int satisfied_min) {
        (static_cast<Family&>(*this).count(f, satisfied_min), ...);
    }
    static bool same_multiset(const detail::duration_samples& x,
                              const detail::duration_samples& y) {
        if (x.size() != y.size()) return false;
        if (x.sketched() || y.sketched()) {  // compared as sketches of the same relative error
            const double a = (x.sketched() ? x : y).sketch().relative_error();
            detail::duration_samples sx = x, sy = y;
            sx.to_sketch(a);
            sy.to_sketch(a);
            return sx.empty() || sx.sketch() == sy.sketch();
        }
        std::vector<micros> a = x.values(), b = y.values();
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        return a == b;
    }
};

namespace detail {
__extension__ inline std::string decimal(__int128 v) {
    if (v == 0) return "0";
    std::string out;
    for (; v > 0; v /= 10)
        out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(v % 10)));
    return out;
}
/// A sketched sample: {"relative_error", "sum_us" (decimal text: it may pass 2^63), "max_us",
/// "keys", "counts"}. (The binary form carries sketches as columns: group_columns.hpp.)
template <class J>
J sketch_json(const duration_sketch& s) {
    std::vector<std::uint32_t> keys;
    std::vector<std::uint64_t> counts;
    s.for_each_bin([&](std::uint32_t k, std::uint64_t n) {
        keys.push_back(k);
        counts.push_back(n);
    });
    return J{{"relative_error", s.relative_error()},
             {"sum_us", decimal(s.sum())},
             {"max_us", s.max()},
             {"keys", keys},
             {"counts", counts}};
}
}  // namespace detail

/// JSON envelope {"type": "cskpi.group_state", "version": 1, "counts": {...},
/// "frt_us": [...], "handle_us": [...], "resolution_us": [...]}; samples are written sorted, or as
/// a sketch object (detail::sketch_json) in sketch mode. (The binary form of a report_state
/// carries its groups as columns: group_columns.hpp.)
template <class J>
J group_state_json(const group_state& s) {
    J counts = J::object();
    s.visit_counts([&](const char* name, const auto& v) { counts[name] = v; });
    auto samples = [&](const detail::duration_samples& d) -> J {
        if (d.sketched()) return detail::sketch_json<J>(d.sketch());
        std::vector<micros> v = d.values();
        std::sort(v.begin(), v.end());
        return J(v);
    };
    return J{{"type", "cskpi.group_state"},
             {"version", state_version},
             {"counts", counts},
             {"frt_us", samples(s.frt)},
             {"handle_us", samples(s.handle)},
             {"resolution_us", samples(s.resolution)}};
}
inline void to_json(nlohmann::json& j, const group_state& s) {
    j = group_state_json<nlohmann::json>(s);
}

namespace detail {
/// Checks the {"type","version"} preamble before anything else is read.
template <class J>
void check_envelope(const J& j, const char* type) {
    if (!j.is_object())
        throw std::invalid_argument(std::string(type) + ": expected a JSON object, actual " +
                                    j.type_name());
    if (!j.contains("type") || j["type"] != type)
        throw std::invalid_argument(std::string("expected type \"") + type + "\", actual " +
                                    (j.contains("type") ? j["type"].dump() : "none"));
    if (!j.contains("version") || !j["version"].is_number_integer() ||
        j["version"] != state_version)
        throw std::invalid_argument(std::string(type) + ": expected version " +
                                    std::to_string(state_version) + ", actual " +
                                    (j.contains("version") ? j["version"].dump() : "none"));
}
/// A sketch written by sketch_json; `what` names it in errors.
template <class J>
duration_sketch sketch_from_json(const J& j, const std::string& what) {
    auto bad = [&](const std::string& why) { return std::invalid_argument(what + ": " + why); };
    for (const char* k : {"relative_error", "sum_us", "max_us", "keys", "counts"})
        if (!j.contains(k)) throw bad(std::string("expected key \"") + k + "\"");
    if (!j["relative_error"].is_number()) throw bad("expected a number relative_error");
    if (!j["max_us"].is_number_integer()) throw bad("expected an integer max_us");
    if (!j["sum_us"].is_string()) throw bad("expected sum_us as decimal text");
    const std::string digits = j["sum_us"].template get<std::string>();
    __extension__ __int128 sum = 0;
    if (digits.empty() || digits.size() > 37 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
        throw bad("expected sum_us as at most 37 decimal digits, actual \"" + digits.substr(0, 40) +
                  "\"");
    for (char c : digits) sum = sum * 10 + (c - '0');
    auto column = [&]<class T>(const char* k, T) {
        if (!j[k].is_array()) throw bad(std::string("expected an array ") + k);
        std::vector<T> v;
        for (const auto& x : j[k]) {
            if (!x.is_number_unsigned() ||
                x.template get<std::uint64_t>() > std::numeric_limits<T>::max())
                throw bad(std::string(k) + ": expected integers >= 0, actual " + x.dump());
            v.push_back(x.template get<T>());
        }
        return v;
    };
    try {
        return duration_sketch::from_parts(
            j["relative_error"].template get<double>(), column("keys", std::uint32_t{}),
            column("counts", std::uint64_t{}), sum, j["max_us"].template get<micros>());
    } catch (const std::invalid_argument& e) {
        throw bad(e.what());
    }
}

/// A sample array, or the byte string of 64-bit microseconds that binary states written before
/// the groups went into columns carry.
template <class J>
std::vector<micros> samples_from_json(const J& j, const char* key) {
    if (j.contains(key) && j[key].is_binary()) {
        std::vector<micros> v =
            values_of_bytes<micros>(j[key], std::string("cskpi.group_state: ") + key);
        for (micros x : v)
            if (x < 0)
                throw std::invalid_argument(std::string("cskpi.group_state: ") + key +
                                            ": expected integers >= 0, actual " +
                                            std::to_string(x));
        return v;
    }
    if (!j.contains(key) || !j[key].is_array())
        throw std::invalid_argument(std::string("cskpi.group_state: expected array \"") + key +
                                    "\"");
    std::vector<micros> v;
    v.reserve(j[key].size());
    for (const auto& x : j[key]) {
        if (!x.is_number_integer() || x.template get<micros>() < 0)
            throw std::invalid_argument(std::string("cskpi.group_state: ") + key +
                                        ": expected integers >= 0, actual " + x.dump());
        v.push_back(x.template get<micros>());
    }
    return v;
}
}  // namespace detail

namespace detail {
/// Throws std::invalid_argument when a state read back has counts that contradict each other.
inline void check_counts(const group_state& out) {
    if (out.frt.size() != out.answered || out.answered > out.interactions ||
        out.resolved > out.interactions || out.handle.size() > out.interactions ||
        out.resolution.size() > out.resolved || out.csat_answered > out.csat_responses ||
        out.csat_answered > out.answered || out.one_touch_num > out.one_touch_den ||
        out.one_touch_den > out.resolved || out.bot_verified > out.bot_contained ||
        out.frt_censored > out.interactions || out.resolution_censored > out.interactions ||
        out.survey_sent > out.survey_known || out.survey_known > out.interactions ||
        out.survey_rated > out.survey_sent || out.survey_rated > out.csat_responses)
        throw std::invalid_argument(
            "cskpi.group_state: counts contradict each other (e.g. frt samples " +
            std::to_string(out.frt.size()) + " != answered " + std::to_string(out.answered) + ")");
}
}  // namespace detail
/// Reads a state written by group_state_json (either form). Throws std::invalid_argument on a
/// wrong type, version, missing or mistyped field, or counts that contradict each other.
template <class J>
group_state group_state_from_json(const J& j) {
    detail::check_envelope(j, "cskpi.group_state");
    if (!j.contains("counts") || !j["counts"].is_object())
        throw std::invalid_argument("cskpi.group_state: expected object \"counts\"");
    const auto& c = j["counts"];
    group_state out;
    out.visit_counts([&](const char* name, auto& v) {
        using T = std::remove_reference_t<decltype(v)>;
        // Counts added since the format's first release: absent in older states = nothing counted.
        static const std::array<std::string_view, 11> later = {
            "one_touch_num",      "one_touch_den", "bot_verified",        "sl_within",
            "sl_short_abandoned", "frt_censored",  "resolution_censored", "km_dropped",
            "survey_known",       "survey_sent",   "survey_rated"};
        if (!c.contains(name) && std::find(later.begin(), later.end(), name) != later.end()) return;
        if (!c.contains(name) || !c[name].is_number_integer())
            throw std::invalid_argument(std::string("cskpi.group_state: expected integer counts.") +
                                        name);
        if (std::is_unsigned_v<T> && c[name].template get<std::int64_t>() < 0)
            throw std::invalid_argument(std::string("cskpi.group_state: counts.") + name +
                                        " is negative");
        v = c[name].template get<T>();
    });
    auto samples = [&](const char* key) {
        if (j.contains(key) && j[key].is_object())
            return detail::duration_samples(
                detail::sketch_from_json(j[key], std::string("cskpi.group_state: ") + key));
        return detail::duration_samples(detail::samples_from_json(j, key));
    };
    out.frt = samples("frt_us");
    out.handle = samples("handle_us");
    out.resolution = samples("resolution_us");
    detail::check_counts(out);
    return out;
}
inline void from_json(const nlohmann::json& j, group_state& s) {
    s = group_state_from_json(j);
}

}  // namespace cskpi
