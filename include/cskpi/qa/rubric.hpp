#pragma once
// A QA rubric (spec section 10): items with a numeric scale, a weight and a section; critical,
// fail-section and bonus items; the threshold below which critical and fail-section items fire.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "../config/config.hpp"
#include "../error.hpp"

namespace cskpi::qa {

struct rubric_item {
    std::string id;
    std::string section;
    double lo = 0, hi = 1;  ///< scale; a score must lie in [lo, hi]
    double weight = 1;
    bool critical = false;  ///< below `critical_below` -> review score 0 (Zendesk QA "critical")
    bool fail_section =
        false;           ///< below `critical_below` -> its section scores 0 (Playvox/MaestroQA)
    bool bonus = false;  ///< adds on top of the score, never counts in the denominator

    /// (score - lo) / (hi - lo): the item's share of its scale.
    double percent(double score) const { return (score - lo) / (hi - lo); }
};

struct rubric {
    std::vector<rubric_item> items;
    double critical_below = 0.5;
    double deviation_threshold =
        10;  ///< calibration: |mean deviation| beyond this flags a reviewer (score points)

    std::optional<std::size_t> find(std::string_view id) const {
        for (std::size_t i = 0; i < items.size(); ++i)
            if (items[i].id == id) return i;
        return std::nullopt;
    }

    /// Parses the rubric object (it may also sit under the key `rubric` of a configuration).
    /// Throws config_error naming the key path, e.g. "rubric.items[2].scale".
    static rubric from_json(const json& j) {
        const json& r = j.is_object() && j.contains("rubric") ? j["rubric"] : j;
        const std::string root = "rubric";
        detail::expect_object(r, root);
        rubric out;
        if (!r.contains("items")) throw config_error(root + ".items", "required");
        for (const auto& [k, v] : r.items()) {
            const std::string kp = root + "." + k;
            if (k == "items") {
                if (!v.is_array() || v.empty())
                    throw config_error(kp, "expected a non-empty array");
                for (std::size_t i = 0; i < v.size(); ++i)
                    out.items.push_back(parse_item(v[i], kp + "[" + std::to_string(i) + "]", out));
            } else if (k == "critical_below") {
                out.critical_below = detail::get_number(v, kp);
                if (out.critical_below > 1)
                    throw config_error(
                        kp, "expected a share of the scale in [0, 1], actual " + v.dump());
            } else if (k == "deviation_threshold") {
                out.deviation_threshold = detail::get_number(v, kp);
            } else if (k != "name" && k != "description" &&
                       k != "auto_checks") {  // auto_checks: auto_checks.hpp
                detail::unknown_key(kp);
            }
        }
        bool scored = false;
        for (const auto& it : out.items) scored |= !it.bonus;
        if (!scored)
            throw config_error(root + ".items", "needs at least one item that is not a bonus");
        return out;
    }

    json to_json() const {
        json items_j = json::array();
        for (const auto& it : items) {
            json o = {{"id", it.id},
                      {"section", it.section},
                      {"scale", {it.lo, it.hi}},
                      {"weight", it.weight}};
            if (it.critical) o["critical"] = true;
            if (it.fail_section) o["fail_section"] = true;
            if (it.bonus) o["bonus"] = true;
            items_j.push_back(o);
        }
        return {{"items", items_j},
                {"critical_below", critical_below},
                {"deviation_threshold", deviation_threshold}};
    }

private:
    static rubric_item parse_item(const json& v, const std::string& path, const rubric& so_far) {
        detail::expect_object(v, path);
        rubric_item it;
        if (!v.contains("id")) throw config_error(path + ".id", "required");
        if (!v.contains("scale")) throw config_error(path + ".scale", "required");
        for (const auto& [k, x] : v.items()) {
            const std::string kp = path + "." + k;
            if (k == "id") {
                it.id = detail::get_string(x, kp);
                if (it.id.empty()) throw config_error(kp, "must not be empty");
                if (so_far.find(it.id)) throw config_error(kp, "item '" + it.id + "' given twice");
            } else if (k == "section") {
                it.section = detail::get_string(x, kp);
            } else if (k == "scale") {
                if (!x.is_array() || x.size() != 2 || !x[0].is_number() || !x[1].is_number())
                    throw config_error(kp, "expected [min, max], actual " + x.dump());
                it.lo = x[0].get<double>();
                it.hi = x[1].get<double>();
                if (!(it.lo < it.hi))
                    throw config_error(kp, "expected min < max, actual " + x.dump());
            } else if (k == "weight") {
                it.weight = detail::get_number(x, kp);
                if (it.weight <= 0)
                    throw config_error(kp, "expected a weight > 0, actual " + x.dump());
            } else if (k == "critical") {
                it.critical = detail::get_bool(x, kp);
            } else if (k == "fail_section") {
                it.fail_section = detail::get_bool(x, kp);
            } else if (k == "bonus") {
                it.bonus = detail::get_bool(x, kp);
            } else if (k != "name" && k != "description") {
                detail::unknown_key(kp);
            }
        }
        if (it.bonus && (it.critical || it.fail_section))
            throw config_error(path, "a bonus item cannot be critical or fail_section");
        return it;
    }
};

}  // namespace cskpi::qa
