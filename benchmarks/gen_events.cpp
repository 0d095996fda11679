// Deterministic generator of chat event logs (spec section 11) for the event-derivation
// benchmark: grouped by interaction, ordered by time; about ten events per interaction
// (customer and agent messages, bot turns and hand-offs, internal notes, status changes,
// ratings).
//   gen_events INTERACTIONS [--seed N] > events.csv
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace {
const char* const agents[] = {"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄晓明",
                              "周杰", "吴婷", "徐强", "孙丽", "马超", "朱琳", "胡斌", "郭靖"};
const char* const teams[] = {"售前组", "售后组", "投诉组"};
const char* const customer_text[] = {"在吗",         "我的快递到哪了", "怎么退货",
                                     "这个有优惠吗", "好的",           "谢谢"};
const char* const agent_text[] = {"亲，您好，很高兴为您服务", "已为您查询", "已经处理好了",
                                  "还有其他可以帮您的吗"};

// 2026-03-01T00:00:00Z + s seconds, as "YYYY-MM-DD HH:MM:SS" (UTC; March 2026 only).
void stamp(char* out, std::int64_t s) {
    const auto u = static_cast<unsigned>(s % (31 * 86400)), day = u / 86400, r = u % 86400;
    std::snprintf(out, 32, "2026-03-%02u %02u:%02u:%02u", 1 + day, r / 3600, r / 60 % 60, r % 60);
}
}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: gen_events INTERACTIONS [--seed N] > events.csv\n");
        return 2;
    }
    const std::uint64_t n = std::strtoull(argv[1], nullptr, 10);
    std::uint64_t seed = 7;
    for (int i = 2; i + 1 < argc; ++i)
        if (!std::strcmp(argv[i], "--seed")) seed = std::strtoull(argv[i + 1], nullptr, 10);
    std::mt19937_64 g(seed);
    auto uni = [&](std::uint64_t k) { return g() % k; };
    static char buf[1 << 16];
    std::setvbuf(stdout, buf, _IOFBF, sizeof buf);
    std::puts("interaction_id,at,from,agent,kind,status,text,channel,team,customer");
    char ts[32];
    for (std::uint64_t i = 0; i < n; ++i) {
        std::int64_t t = static_cast<std::int64_t>(
            (i * 2677) % (30ull * 86400));  // day 31 left for the last replies
        const char* agent = agents[uni(16)];
        const bool bot = uni(4) == 0;
        char id[24];
        std::snprintf(id, sizeof id, "E%010" PRIu64, i);
        auto ev = [&](const char* from, const char* who, const char* kind, const char* status,
                      const char* text, bool first) {
            stamp(ts, t);
            if (first)
                std::printf("%s,%s,%s,%s,%s,%s,%s,chat,%s,U%07" PRIu64 "\n", id, ts, from, who,
                            kind, status, text, teams[uni(3)], uni(2000000));
            else
                std::printf("%s,%s,%s,%s,%s,%s,%s,,,\n", id, ts, from, who, kind, status, text);
        };
        ev("customer", "", "", "", customer_text[uni(4)], true);
        if (bot) {
            t += 2;
            ev("bot", "", "", "", "我是智能助手", false);
            t += 20 + static_cast<std::int64_t>(uni(60));
            ev("system", "", "handoff", "", "", false);
        }
        const int turns = 2 + static_cast<int>(uni(4));
        for (int k = 0; k < turns; ++k) {
            t += 5 + static_cast<std::int64_t>(uni(k == 0 ? 90 : 200));
            ev("agent", agent, "", "", agent_text[k % 4], false);
            if (uni(5) == 0) {
                t += 3;
                ev("agent", agent, "note", "", "内部备注", false);
            }
            if (k + 1 < turns) {
                t += 10 + static_cast<std::int64_t>(uni(300));
                ev("customer", "", "", "", customer_text[uni(6)], false);
            }
        }
        t += 30;
        ev("system", "", "status", "solved", "", false);
        if (uni(3) == 0) {
            t += 60;
            ev("customer", "", "rating", "", uni(5) ? "5" : "2", false);
        }
    }
    return 0;
}
