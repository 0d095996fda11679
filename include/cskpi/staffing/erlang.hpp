#pragma once
// Queueing models for staffing (spec section 16): Erlang C (M/M/N) and Erlang A (M/M/N+M,
// exponential patience), and the smallest number of agents that meets a service-level target.
// Both are evaluated without factorials: Erlang C through the Erlang B recursion, Erlang A
// through its birth-death distribution in log space, so 1,000 agents and 900 erlangs are
// ordinary inputs.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/math/distributions/poisson.hpp>

namespace cskpi::staffing {

/// What a queue gives its callers. Probabilities are shares of offered contacts; `asa_s` is the
/// mean wait of answered contacts (immediate answers count as 0). An unstable Erlang C queue
/// (traffic >= agents) has p_wait 1, service level 0, infinite ASA and occupancy 1.
struct queue_figures {
    double p_wait = 0;         ///< P(an arrival finds every agent busy)
    double service_level = 1;  ///< P(answered within `within_s`)
    double asa_s = 0;          ///< average speed of answer, seconds
    double occupancy = 0;      ///< busy share of the agents' time
    double p_abandon = 0;      ///< Erlang A only: P(the caller hangs up before an answer)
};

namespace detail {
inline void require(bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
}
inline void check_load(double traffic, double aht_s, double within_s) {
    require(std::isfinite(traffic) && traffic >= 0,
            "traffic must be a finite number of erlangs >= 0, got " + std::to_string(traffic));
    require(std::isfinite(aht_s) && aht_s > 0,
            "aht_s (average handle time) must be > 0 seconds, got " + std::to_string(aht_s));
    require(std::isfinite(within_s) && within_s >= 0,
            "within_s (answer-time target) must be >= 0 seconds, got " + std::to_string(within_s));
}
}  // namespace detail

/// Erlang B: the blocking probability of `agents` servers offered `traffic` erlangs, by the
/// recursion B(0) = 1, B(k) = A B(k-1) / (k + A B(k-1)).
inline double erlang_b(double traffic, unsigned agents) {
    detail::require(std::isfinite(traffic) && traffic >= 0,
                    "traffic must be a finite number of erlangs >= 0");
    double b = 1.0;
    for (unsigned k = 1; k <= agents; ++k) b = traffic * b / (k + traffic * b);
    return b;
}

/// Erlang C for `agents` agents offered `traffic` erlangs with mean handle time `aht_s`:
/// C = N B / (N - A (1 - B)), SL(t) = 1 - C e^{-(N - A) t / AHT}, ASA = C AHT / (N - A).
inline queue_figures erlang_c(double traffic, unsigned agents, double aht_s, double within_s) {
    detail::check_load(traffic, aht_s, within_s);
    queue_figures f;
    if (traffic == 0) return f;
    const double n = agents, a = traffic;
    if (a >= n) return {1.0, 0.0, std::numeric_limits<double>::infinity(), 1.0, 0.0};
    const double b = erlang_b(a, agents);
    f.p_wait = n * b / (n - a * (1 - b));
    f.service_level = 1 - f.p_wait * std::exp(-(n - a) * within_s / aht_s);
    f.asa_s = f.p_wait * aht_s / (n - a);
    f.occupancy = a / n;
    return f;
}

namespace detail {
/// The stationary distribution of the M/M/N+M queue's number in system, pi[k] for k = 0..,
/// normalized, truncated where the tail is below 1e-17 of the mode. Computed in log space:
/// pi_k ~ A^k / k! up to N, then pi_{N+j} = pi_{N+j-1} lambda / (N mu + j theta).
inline std::vector<double> erlang_a_distribution(double lambda, double mu, double theta,
                                                 unsigned n) {
    std::vector<double> lp{0.0};
    double top = 0.0;
    for (unsigned k = 1; k <= n; ++k) {
        lp.push_back(lp.back() + std::log(lambda / (k * mu)));
        top = std::max(top, lp.back());
    }
    for (unsigned j = 1;; ++j) {
        const double rate = n * mu + j * theta;
        lp.push_back(lp.back() + std::log(lambda / rate));
        top = std::max(top, lp.back());
        if (lambda < rate && lp.back() < top - 40.0) break;  // decreasing and e^-40 below the mode
        require(j < 50'000'000u,
                "Erlang A: the queue does not settle (patience too long for this overload)");
    }
    double sum = 0;
    for (double& x : lp) sum += (x = std::exp(x - top));
    for (double& x : lp) x /= sum;
    return lp;
}
}  // namespace detail

/// Erlang A (Palm's M/M/N+M queue; Garnett, Mandelbaum and Reiman, 2002): as Erlang C, with
/// callers who hang up after an exponential patience of mean `patience_s`. Any traffic is
/// stable. A caller who finds j waiting moves up at rate N mu + i theta (i = callers still ahead)
/// and hangs up at rate theta; so P(answered | j) = prod q_i with q_i = r_i / (r_i + theta), its
/// mean wait when answered sums 1 / (r_i + theta), and SL(t) = P(answered within t) is found by
/// uniformizing that pure-death chain. `service_level` counts answers within t among all
/// offered calls (abandoned calls count as not answered in time).
inline queue_figures erlang_a(double traffic, unsigned agents, double aht_s, double within_s,
                              double patience_s) {
    detail::check_load(traffic, aht_s, within_s);
    detail::require(patience_s > 0, "patience_s (mean patience) must be > 0 seconds, got " +
                                        std::to_string(patience_s));
    if (std::isinf(patience_s)) return erlang_c(traffic, agents, aht_s, within_s);
    queue_figures f;
    if (traffic == 0) return f;
    if (agents == 0) return {1.0, 0.0, std::numeric_limits<double>::infinity(), 0.0, 1.0};
    const double mu = 1 / aht_s, lambda = traffic * mu, theta = 1 / patience_s;
    const unsigned n = agents;
    const std::vector<double> pi = detail::erlang_a_distribution(lambda, mu, theta, n);
    const std::size_t queue_states = pi.size() - n;  // j = 0 .. J: an arrival finds j waiting
    double p_wait = 0, answered = 0, wait_answered = 0, immediate = 0;
    for (std::size_t k = 0; k < n; ++k) immediate += pi[k];
    double q_prod = 1, inv_sum = 0;  // prod q_i and sum 1 / (r_i + theta) for i = 0..j
    for (std::size_t j = 0; j < queue_states; ++j) {
        const double r = n * mu + static_cast<double>(j) * theta;
        q_prod *= r / (r + theta);
        inv_sum += 1 / (r + theta);
        const double w = pi[n + j];
        p_wait += w;
        answered += w * q_prod;
        wait_answered += w * q_prod * inv_sum;
    }
    f.p_wait = p_wait;
    f.p_abandon = p_wait - answered;
    f.asa_s = wait_answered / (immediate + answered);
    f.occupancy = traffic * (1 - f.p_abandon) / n;

    // P(answered within t) among callers who wait: uniformize the chain of "callers ahead".
    const double t = within_s;
    const double big =
        n * mu + static_cast<double>(queue_states) * theta;  // >= every exit rate r_i + theta
    std::vector<double> x(pi.begin() + n, pi.end()), next(queue_states);
    double served = 0, within = 0;
    if (t > 0) {
        const boost::math::poisson_distribution<double> steps(big * t);
        const double tail = 1e-15;
        double mass = 0;
        for (std::size_t k = 0;; ++k) {
            const double pk = boost::math::pdf(steps, static_cast<double>(k));
            within += pk * served;  // served within k steps, and k steps happen by t
            mass += pk;
            if (1 - mass<tail&& static_cast<double>(k)> big * t) break;
            for (std::size_t i = 0; i < queue_states; ++i) {
                const double r = n * mu + static_cast<double>(i) * theta;
                next[i] = x[i] * (1 - (r + theta) / big) +
                          (i + 1 < queue_states ? x[i + 1] * (n * mu + (i + 1) * theta) / big : 0);
            }
            served += x[0] * (n * mu) / big;
            x.swap(next);
        }
    }
    f.service_level = immediate + within;
    return f;
}

/// The smallest staff for a target, and what that staff gives.
struct requirement {
    unsigned agents = 0;     ///< raw: agents on the phones
    unsigned scheduled = 0;  ///< ceil(agents / (1 - shrinkage))
    queue_figures figures;   ///< at `agents`
};

/// The smallest N (> traffic for Erlang C) with SL(within_s) >= `service_level` and occupancy
/// <= `max_occupancy`; scheduled = ceil(N / (1 - shrinkage)). Erlang A when `patience_s` is
/// given. No traffic needs no agents.
inline requirement required_agents(double traffic, double aht_s, double service_level,
                                   double within_s, double max_occupancy = 1.0,
                                   double shrinkage = 0.0,
                                   std::optional<double> patience_s = std::nullopt) {
    detail::check_load(traffic, aht_s, within_s);
    detail::require(service_level > 0 && service_level < 1,
                    "service_level must be a share strictly between 0 and 1 (0.8 for 80 %), got " +
                        std::to_string(service_level));
    detail::require(max_occupancy > 0 && max_occupancy <= 1,
                    "max_occupancy must be in (0, 1], got " + std::to_string(max_occupancy));
    detail::require(shrinkage >= 0 && shrinkage < 1,
                    "shrinkage must be in [0, 1), got " + std::to_string(shrinkage));
    requirement r;
    if (traffic == 0) return r;
    auto eval = [&](unsigned n) {
        return patience_s ? erlang_a(traffic, n, aht_s, within_s, *patience_s)
                          : erlang_c(traffic, n, aht_s, within_s);
    };
    auto meets = [&](const queue_figures& f) {
        return f.service_level >= service_level && f.occupancy <= max_occupancy;
    };
    // Both conditions are monotone in N: grow to a staff that meets them, then bisect.
    detail::require(traffic < 4e9, "traffic too large: " + std::to_string(traffic) + " erlangs");
    unsigned lo = patience_s ? 0 : static_cast<unsigned>(std::floor(traffic));  // lo never meets
    unsigned hi = lo + 1;
    while (!meets(eval(hi))) lo = hi, hi += std::max(1u, hi / 8);  // grow by 1/8 until met
    while (hi - lo > 1) {
        const unsigned mid = lo + (hi - lo) / 2;
        (meets(eval(mid)) ? hi : lo) = mid;
    }
    r.agents = hi;
    r.figures = eval(hi);
    r.scheduled = static_cast<unsigned>(std::ceil(hi / (1 - shrinkage) - 1e-9));
    return r;
}

}  // namespace cskpi::staffing
