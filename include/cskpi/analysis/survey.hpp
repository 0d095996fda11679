#pragma once
// Survey sample size (spec section 15): the ratings a satisfaction survey needs for a margin of
// error at a confidence, with the finite-population correction.
#include <cmath>
#include <cstdint>
#include <stdexcept>

#include "../metrics/stats.hpp"

namespace cskpi::analysis {

struct survey_size_result {
    double n0 = 0;        ///< z^2 p (1 - p) / e^2: the size for an unlimited population
    std::uint64_t n = 0;  ///< ceil(n0 / (1 + (n0 - 1) / N))
};

/// Throws std::invalid_argument for a population below 1, a margin outside (0, 1), a
/// confidence outside (0, 1) or p outside [0, 1].
inline survey_size_result survey_size(double population, double margin, double confidence = 0.95,
                                      double p = 0.5) {
    if (!(population >= 1))
        throw std::invalid_argument("--population: expected at least 1 interaction");
    if (!(margin > 0 && margin < 1))
        throw std::invalid_argument("--margin: expected a share in (0, 1), e.g. 0.05");
    if (!(confidence > 0 && confidence < 1))
        throw std::invalid_argument("--confidence: expected a share in (0, 1)");
    if (!(p >= 0 && p <= 1)) throw std::invalid_argument("--p: expected a share in [0, 1]");
    const double z = stats::z_for(confidence);
    survey_size_result r;
    r.n0 = z * z * p * (1 - p) / (margin * margin);
    // The small epsilon keeps 384.0000000001 (rounding of z^2) from becoming 385.
    r.n = static_cast<std::uint64_t>(std::ceil(r.n0 / (1 + (r.n0 - 1) / population) - 1e-9));
    return r;
}

}  // namespace cskpi::analysis
