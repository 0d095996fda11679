// Deterministic generator of realistic interaction exports (a Chinese e-commerce shop's
// customer service: chat, phone, e-mail, social, bot). Used for the bundled sample shop
// (examples/data/) and for the 10-million-row benchmark.
//   gen_interactions ROWS [--seed N] [--start 2026-03-01] [--days 31] [--customers N]
//                    [--agents 24] [--teams 3] [--channels 4] > out.csv
// The defaults are the shop (24 named agents in 3 teams); --agents/--teams/--channels give a
// contact centre's shape (agents A0001.., teams T01.., a fifth channel sms).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include <date/date.h>

namespace {

const char* const agents[] = {"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄晓明",
                              "周杰", "吴婷", "徐强", "孙丽", "马超", "朱琳", "胡斌", "郭靖",
                              "何欣", "高峰", "林峰", "罗敏", "梁晨", "宋佳", "郑爽", "谢娜"};
const char* const teams[] = {
    "售前组", "售后组",
    "投诉组"};  // agent i belongs to team i % 3 (pre-sales, after-sales, complaints)

struct rng_t {
    std::mt19937_64 g;
    double uni() { return std::uniform_real_distribution<double>(0, 1)(g); }
    double lognormal(double median, double sigma) {
        return median * std::exp(sigma * std::normal_distribution<double>(0, 1)(g));
    }
    int pick(const double* w, int n) {
        double u = uni(), acc = 0;
        for (int i = 0; i < n; ++i)
            if ((acc += w[i]) >= u) return i;
        return n - 1;
    }
};

void put_time(char*& p, std::int64_t local_s) {
    const auto dp = date::floor<date::days>(date::sys_seconds{std::chrono::seconds{local_s}});
    const date::year_month_day ymd{dp};
    const std::int64_t sod = local_s - dp.time_since_epoch().count() * 86400;
    p += std::sprintf(p, "%04d-%02u-%02u %02d:%02d:%02d", static_cast<int>(ymd.year()),
                      static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                      static_cast<int>(sod / 3600), static_cast<int>(sod / 60 % 60),
                      static_cast<int>(sod % 60));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: gen_interactions ROWS [--seed N] [--start YYYY-MM-DD] [--days N] "
                     "[--customers N] "
                     "[--agents N] [--teams N] [--channels 4|5]\n");
        return 2;
    }
    const long long rows = std::atoll(argv[1]);
    unsigned long long seed = 20260301;
    std::string start = "2026-03-01";
    int days = 31;
    long long customers = -1;
    long long dirty_every = 0;  // --dirty N: every Nth row carries a typical export defect
    int n_agents = 24, n_teams = 3, n_channels = 4;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--seed"))
            seed = std::strtoull(argv[i + 1], nullptr, 10);
        else if (!std::strcmp(argv[i], "--start"))
            start = argv[i + 1];
        else if (!std::strcmp(argv[i], "--days"))
            days = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--customers"))
            customers = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--dirty"))
            dirty_every = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--agents"))
            n_agents = std::max(1, std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--teams"))
            n_teams = std::max(1, std::atoi(argv[i + 1]));
        else if (!std::strcmp(argv[i], "--channels"))
            n_channels = std::atoi(argv[i + 1]) == 5 ? 5 : 4;
    }
    if (customers < 0) customers = std::max(1LL, rows / 3);
    int y, m, d;
    std::sscanf(start.c_str(), "%d-%d-%d", &y, &m, &d);
    const std::int64_t t0 =
        date::sys_days{date::year{y} / m / d}.time_since_epoch().count() * 86400;

    rng_t r{std::mt19937_64{seed}};
    const bool shop =
        n_agents == 24 && n_teams == 3;  // the named shop agents and their specialities
    const char* channels[] = {"chat", "phone", "email", "social", "sms"};
    const double channel_w4[] = {0.6, 0.2, 0.1, 0.1}, channel_w5[] = {0.5, 0.2, 0.1, 0.1, 0.1};
    const double* channel_w = n_channels == 5 ? channel_w5 : channel_w4;
    const char* categories[] = {"presale", "order", "logistics", "return", "complaint", "other"};
    const double category_w[] = {0.3, 0.2, 0.2, 0.15, 0.08, 0.07};
    const char* priorities[] = {"normal", "high", "urgent", "low"};
    const double priority_w[] = {0.8, 0.12, 0.03, 0.05};
    const double frt_median[] = {18, 12, 4 * 3600.0, 1800, 600};
    const double frt_sigma[] = {0.9, 0.8, 1.0, 1.1, 1.0};
    // Hourly arrival shape of an online shop (Beijing time): quiet at night, peaks at 10-11 and
    // 20-22.
    const double hour_w[] = {1.2, 0.6, 0.3, 0.2, 0.2, 0.3, 0.8, 1.8, 3.5, 5.5, 6.8, 6.6,
                             5.2, 5.6, 6.0, 5.8, 5.5, 5.0, 4.8, 5.6, 6.9, 7.2, 6.4, 3.2};
    double hw_sum = 0;
    for (double w : hour_w) hw_sum += w;
    double hour_p[24];
    for (int h = 0; h < 24; ++h) hour_p[h] = hour_w[h] / hw_sum;

    std::printf(
        "id,created_at,channel,agent,team,customer,category,priority,first_response_at,resolved_at,"
        "handle_s,abandoned,reopened,transferred,bot,csat,nps,ces,complaint,dispute,refund,"
        "converted,order_value\n");
    static char buf[1024];
    for (long long i = 0; i < rows; ++i) {
        char* p = buf;
        // --dirty: defects seen in real exports: a re-exported row (duplicate id), a rating typed
        // on a 10-point scale, an impossible date, a reply logged before the contact.
        const int defect = dirty_every > 0 && (i + 1) % dirty_every == 0
                               ? static_cast<int>((i + 1) / dirty_every % 4)
                               : -1;
        const int ch = r.pick(channel_w, n_channels);
        const int cat = r.pick(category_w, 6);
        const int prio = r.pick(priority_w, 4);
        const std::int64_t day = static_cast<std::int64_t>(r.uni() * days);
        const int hour = r.pick(hour_p, 24);
        const std::int64_t created =
            t0 + day * 86400 + hour * 3600 + static_cast<std::int64_t>(r.uni() * 3600);
        const bool bot = ch == 0 && r.uni() < 0.35;
        const bool bot_only = bot && r.uni() < 0.4;
        const bool abandoned = !bot_only && r.uni() < (ch == 1 ? 0.06 : 0.025);
        // Agents specialise: the complaint team takes complaints, pre-sales takes presale.
        int agent = static_cast<int>(r.uni() * n_agents);
        if (shop && cat == 4 && r.uni() < 0.7) agent = 2 + 3 * static_cast<int>(r.uni() * 8);
        if (shop && cat == 0 && r.uni() < 0.7) agent = 3 * static_cast<int>(r.uni() * 8);
        const bool has_agent = !bot_only && !abandoned;
        const bool answered = !abandoned;
        double frt = bot_only
                         ? 1 + r.uni() * 2
                         : r.lognormal(frt_median[ch] * (1 + 0.04 * (agent % 7)), frt_sigma[ch]);
        if (bot && !bot_only) frt += 20 + r.uni() * 40;
        const bool resolved = answered && r.uni() < (cat == 4 ? 0.78 : 0.9);
        const double res = frt + r.lognormal(ch == 2   ? 20 * 3600.0
                                             : ch == 3 ? 6 * 3600.0
                                                       : 900,
                                             1.2);
        const long long cust =
            static_cast<long long>(std::pow(r.uni(), 1.3) * static_cast<double>(customers));

        p += std::sprintf(p, "CS%09lld,", defect == 0 ? 1 : i + 1);
        if (defect == 2)
            p += std::sprintf(p, "2026-02-30 10:00:00");
        else
            put_time(p, created);
        char agent_name[16] = "", team_name[16] = "";
        if (has_agent && !shop) {
            std::snprintf(agent_name, sizeof agent_name, "A%04d", agent + 1);
            std::snprintf(team_name, sizeof team_name, "T%02d", agent % n_teams + 1);
        }
        p += std::sprintf(p, ",%s,%s,%s,U%08lld,%s,%s,", channels[ch],
                          !has_agent ? ""
                          : shop     ? agents[agent]
                                     : agent_name,
                          !has_agent ? ""
                          : shop     ? teams[agent % 3]
                                     : team_name,
                          cust, categories[cat], priorities[prio]);
        if (answered)
            put_time(p,
                     created + (defect == 3 ? -60 : static_cast<std::int64_t>(std::llround(frt))));
        *p++ = ',';
        if (resolved) put_time(p, created + static_cast<std::int64_t>(std::llround(res)));
        *p++ = ',';
        if (has_agent)
            p += std::sprintf(
                p, "%d", static_cast<int>(ch == 1 ? 120 + r.uni() * 480 : 180 + r.uni() * 900));
        p += std::sprintf(p, ",%d,%d,%d,%d,", abandoned ? 1 : 0, resolved && r.uni() < 0.05 ? 1 : 0,
                          has_agent && r.uni() < 0.06 ? 1 : 0, bot ? 1 : 0);
        if (defect == 1) {
            p += std::sprintf(p, "8");
        } else if (answered && r.uni() < 0.4) {
            const double u = r.uni() - (cat == 4 ? 0.25 : 0) + 0.01 * (agent % 5);
            p += std::sprintf(p, "%d", u < 0.05 ? 1 : u < 0.1 ? 2 : u < 0.22 ? 3 : u < 0.5 ? 4 : 5);
        }
        *p++ = ',';
        if (answered && r.uni() < 0.15) {  // promoters ~45%, passives ~30%, detractors ~25%
            const double u = r.uni();
            p += std::sprintf(p, "%d",
                              u < 0.45   ? 9 + (r.uni() < 0.5)
                              : u < 0.75 ? 7 + (r.uni() < 0.5)
                                         : static_cast<int>(r.uni() * 7));
        }
        *p++ = ',';
        if (answered && r.uni() < 0.1)
            p += std::sprintf(p, "%d", 1 + static_cast<int>(r.uni() * r.uni() * 7));
        const bool complaint = cat == 4 || r.uni() < 0.01;
        const bool converted = cat == 0 && has_agent && r.uni() < 0.28;
        p += std::sprintf(p, ",%d,%d,%d,%d,", complaint ? 1 : 0, r.uni() < 0.01 ? 1 : 0,
                          (cat == 3 && r.uni() < 0.4) ? 1 : 0, converted ? 1 : 0);
        if (converted) p += std::sprintf(p, "%.2f", std::round(r.lognormal(180, 0.8) * 100) / 100);
        *p++ = '\n';
        std::fwrite(buf, 1, static_cast<std::size_t>(p - buf), stdout);
    }
    return 0;
}
