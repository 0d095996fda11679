#include <iostream>

#include <cskpi/cskpi.hpp>

int main() {
    cskpi::group_state s;
    cskpi::row_facts f;
    f.bits = cskpi::row_facts::answered;
    f.frt = 12 * cskpi::us_per_s;
    s.update(f, 4);
    const cskpi::report_group g{{}, cskpi::compute_metrics(s, cskpi::stats::z_for(0.95))};
    std::cout << "cskpi " << cskpi::version << " frt_mean=" << g.metric("frt_mean") << '\n';
    return g.metric("frt_mean") == 12.0 ? 0 : 1;
}
