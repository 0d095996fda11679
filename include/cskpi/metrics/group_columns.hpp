#pragma once
// Many group states column by column, for the binary form of a partial state: one byte string
// per count and per sample array instead of one JSON object per group, so writing and reading a
// state of 200,000 small groups copies arrays instead of building 200,000 objects.
//   {"counts": {name: n counts, 32-bit when every count of that name fits, else 64-bit},
//    "frt_us" | "handle_us" | "resolution_us": {
//      "lengths": n x 32- or 64-bit (exact values per group), "wide": n x 8-bit (1: microseconds),
//      "seconds": the narrow groups' values in whole seconds, 32-bit, group after group,
//      "micros": the wide groups' values in microseconds, 64-bit, group after group,
//      "bins": n x 32-bit (0: not sketched), "keys": 32-bit, "counts": 32- or 64-bit,
//      "sum_us": 128-bit and "max_us": 64-bit per sketched group}}
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../detail/byte_columns.hpp"
#include "accumulators.hpp"
#include "metric_table.hpp"

namespace cskpi {

namespace detail {
inline constexpr std::array<const char*, 3> sample_names = {"frt_us", "handle_us", "resolution_us"};

/// Unsigned values as 32-bit bytes when they all fit, else 64-bit.
template <class J, class T>
J narrowest_bytes(const std::vector<T>& v) {
    if (std::is_unsigned_v<T> &&
        std::all_of(v.begin(), v.end(), [](T x) { return x <= static_cast<T>(UINT32_MAX); }))
        return bytes_of<J>(std::vector<std::uint32_t>(v.begin(), v.end()));
    return bytes_of<J>(v);
}
/// `n` values of T from bytes_of or narrowest_bytes (the byte length tells the width).
template <class T, class J>
std::vector<T> values_of_width(const J& j, std::size_t n, const std::string& what) {
    if (!j.is_binary()) throw std::invalid_argument(what + ": expected a byte string");
    const std::size_t bytes = binary_bytes(j).size();
    if (std::is_unsigned_v<T> && sizeof(T) > 4 && bytes == 4 * n) {
        const auto narrow = values_of_bytes<std::uint32_t>(j, what);
        return std::vector<T>(narrow.begin(), narrow.end());
    }
    if (bytes != sizeof(T) * n)
        throw std::invalid_argument(what + ": expected " + std::to_string(n) + " values, actual " +
                                    std::to_string(bytes) + " bytes");
    return values_of_bytes<T>(j, what);
}
}  // namespace detail

/// `states` group states as columns: `counts_of(i)` gives state i's counters (a group_state, whose
/// samples are not read), `samples_of(i, k)` its samples of kind k (duration_samples_of's order).
template <class J, class Counts, class Samples>
J group_states_binary(std::size_t states, Counts&& counts_of, Samples&& samples_of) {
    J out = J::object();
    // One column per count, in visit_counts' order; unsigned and signed counts apart.
    std::vector<std::vector<std::uint64_t>> ucols;
    std::vector<std::vector<std::int64_t>> scols;
    group_state{}.visit_counts([&](const char*, const auto& v) {
        if constexpr (std::is_unsigned_v<std::decay_t<decltype(v)>>)
            ucols.emplace_back().reserve(states);
        else
            scols.emplace_back().reserve(states);
    });
    for (std::size_t i = 0; i < states; ++i) {
        std::size_t u = 0, s = 0;
        counts_of(i).visit_counts([&](const char*, const auto& v) {
            if constexpr (std::is_unsigned_v<std::decay_t<decltype(v)>>)
                ucols[u++].push_back(v);
            else
                scols[s++].push_back(v);
        });
    }
    J counts = J::object();
    std::size_t u = 0, s = 0;
    group_state{}.visit_counts([&](const char* name, const auto& v) {
        if constexpr (std::is_unsigned_v<std::decay_t<decltype(v)>>)
            counts[name] = detail::narrowest_bytes<J>(ucols[u++]);
        else
            counts[name] = detail::bytes_of<J>(scols[s++]);
    });
    out["counts"] = std::move(counts);
    for (std::size_t k = 0; k < duration_samples_of.size(); ++k) {
        std::vector<std::uint64_t> lengths;
        std::vector<std::uint32_t> bins, keys, seconds;
        std::vector<std::uint8_t> wide;
        std::vector<std::uint64_t> bin_counts;
        std::vector<micros> micro, max;
        __extension__ std::vector<__int128> sum;
        for (std::size_t i = 0; i < states; ++i) {
            const detail::duration_samples& d = samples_of(i, k);
            if (d.sketched()) {
                lengths.push_back(0);
                wide.push_back(0);
                std::uint32_t b = 0;
                d.sketch().for_each_bin([&](std::uint32_t key, std::uint64_t n) {
                    keys.push_back(key);
                    bin_counts.push_back(n);
                    ++b;
                });
                bins.push_back(b);
                sum.push_back(d.sketch().sum());
                max.push_back(d.sketch().max());
                continue;
            }
            lengths.push_back(d.size());
            wide.push_back(d.wide() ? 1 : 0);
            bins.push_back(0);
            d.visit([&](const auto& v, micros) {
                if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::vector<std::uint32_t>>)
                    seconds.insert(seconds.end(), v.begin(), v.end());
                else
                    micro.insert(micro.end(), v.begin(), v.end());
            });
        }
        out[detail::sample_names[k]] = {{"lengths", detail::narrowest_bytes<J>(lengths)},
                                        {"wide", detail::bytes_of<J>(wide)},
                                        {"seconds", detail::bytes_of<J>(seconds)},
                                        {"micros", detail::bytes_of<J>(micro)},
                                        {"bins", detail::bytes_of<J>(bins)},
                                        {"keys", detail::bytes_of<J>(keys)},
                                        {"counts", detail::narrowest_bytes<J>(bin_counts)},
                                        {"sum_us", detail::bytes_of<J>(sum)},
                                        {"max_us", detail::bytes_of<J>(max)}};
    }
    return out;
}

/// `n` states read back from group_states_binary; sketches must have relative error `alpha`
/// (0: none may be sketched). Throws std::invalid_argument on columns of the wrong length and on
/// states whose counts contradict each other.
template <class J>
std::vector<group_state> group_states_from_binary(const J& j, std::size_t n, double alpha) {
    const std::string what = "cskpi.report_state: groups";
    auto field = [&](const J& o, const char* k, const std::string& where) -> const J& {
        if (!o.is_object() || !o.contains(k))
            throw std::invalid_argument(where + ": expected \"" + k + "\"");
        return o[k];
    };
    // Every column is checked against n before any state is allocated.
    std::vector<group_state> out;
    const J& counts = field(j, "counts", what);
    std::vector<std::vector<std::uint64_t>> unsigned_cols;
    std::vector<std::vector<std::int64_t>> signed_cols;
    group_state{}.visit_counts([&](const char* name, const auto& first) {
        using T = std::decay_t<decltype(first)>;
        const J& c = field(counts, name, what + ".counts");
        if constexpr (std::is_unsigned_v<T>)
            unsigned_cols.push_back(detail::values_of_width<T>(c, n, what + ".counts." + name));
        else
            signed_cols.push_back(detail::values_of_width<T>(c, n, what + ".counts." + name));
    });
    out.resize(n);
    for (std::size_t g = 0; g < n; ++g) {
        std::size_t u = 0, s = 0;
        out[g].visit_counts([&](const char*, auto& v) {
            if constexpr (std::is_unsigned_v<std::decay_t<decltype(v)>>)
                v = unsigned_cols[u++][g];
            else
                v = signed_cols[s++][g];
        });
    }
    for (std::size_t k = 0; k < duration_samples_of.size(); ++k) {
        const std::string where = what + "." + detail::sample_names[k];
        const J& o = field(j, detail::sample_names[k], what);
        auto col = [&]<class T>(const char* name, T) {
            return detail::values_of_bytes<T>(field(o, name, where), where + "." + name);
        };
        const auto lengths = detail::values_of_width<std::uint64_t>(field(o, "lengths", where), n,
                                                                    where + ".lengths");
        const auto wide =
            detail::values_of_width<std::uint8_t>(field(o, "wide", where), n, where + ".wide");
        const auto bins =
            detail::values_of_width<std::uint32_t>(field(o, "bins", where), n, where + ".bins");
        const auto seconds = col("seconds", std::uint32_t{});
        const auto micro = col("micros", micros{});
        const auto keys = col("keys", std::uint32_t{});
        const auto max = col("max_us", micros{});
        __extension__ const auto sum = col("sum_us", __int128{});
        const auto bin_counts = detail::values_of_width<std::uint64_t>(
            field(o, "counts", where), keys.size(), where + ".counts");
        std::size_t at_s = 0, at_m = 0, at_k = 0, at_g = 0;
        for (std::size_t g = 0; g < n; ++g) {
            detail::duration_samples& d = out[g].*duration_samples_of[k];
            if (bins[g] > 0) {
                if (alpha == 0 || lengths[g] != 0)
                    throw std::invalid_argument(where +
                                                ": a sketch where the configuration has "
                                                "exact quantiles, or beside values");
                if (at_g >= max.size() || at_g >= sum.size() || keys.size() - at_k < bins[g])
                    throw std::invalid_argument(where + ": fewer bins than the groups count");
                d = detail::duration_samples(detail::duration_sketch::from_parts(
                    alpha, {keys.begin() + at_k, keys.begin() + at_k + bins[g]},
                    {bin_counts.begin() + at_k, bin_counts.begin() + at_k + bins[g]}, sum[at_g],
                    max[at_g]));
                at_k += bins[g];
                ++at_g;
                continue;
            }
            if (wide[g] > 1) throw std::invalid_argument(where + ".wide: expected 0 or 1");
            if (wide[g]) {
                if (micro.size() - at_m < lengths[g])
                    throw std::invalid_argument(where + ".micros: fewer values than the lengths");
                for (std::size_t i = at_m; i < at_m + lengths[g]; ++i)
                    if (micro[i] < 0)
                        throw std::invalid_argument(where + ".micros: a negative duration");
                d.append(micro.data() + at_m, lengths[g]);
                at_m += lengths[g];
            } else {
                if (seconds.size() - at_s < lengths[g])
                    throw std::invalid_argument(where + ".seconds: fewer values than the lengths");
                d.append(seconds.data() + at_s, lengths[g]);
                at_s += lengths[g];
            }
        }
        if (at_s != seconds.size() || at_m != micro.size() || at_k != keys.size() ||
            at_g != max.size() || at_g != sum.size())
            throw std::invalid_argument(where + ": more values than the groups count");
    }
    for (const auto& g : out) detail::check_counts(g);
    return out;
}

}  // namespace cskpi
