#pragma once
// String dictionary: each distinct string gets a dense uint32 code, in order of first sight.
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cskpi::detail {

inline constexpr std::uint32_t no_code = UINT32_MAX;

class dictionary {
public:
    /// Code of `s`, adding it if new; an empty string is "missing" and gets no_code.
    std::uint32_t code(std::string_view s) {
        if (s.empty()) return no_code;
        if (s == last_) return last_code_;
        auto it = index_.find(s);
        std::uint32_t c;
        if (it != index_.end()) {
            c = it->second;
        } else {
            c = static_cast<std::uint32_t>(values_.size());
            values_.emplace_back(s);
            index_.emplace(values_.back(), c);
        }
        last_ = values_[c];
        last_code_ = c;
        return c;
    }
    /// Code of `s` if present, else no_code (never adds).
    std::uint32_t find(std::string_view s) const {
        auto it = index_.find(s);
        return it == index_.end() ? no_code : it->second;
    }
    const std::string& value(std::uint32_t c) const { return values_.at(c); }
    std::size_t size() const noexcept { return values_.size(); }
    const std::deque<std::string>& values() const noexcept { return values_; }

    dictionary() = default;
    dictionary(const dictionary& o) { for (const auto& v : o.values_) code(v); }
    dictionary& operator=(const dictionary& o) {
        if (this != &o) { dictionary t(o); *this = std::move(t); }
        return *this;
    }
    dictionary(dictionary&& o) noexcept = default;
    dictionary& operator=(dictionary&& o) noexcept = default;

private:
    std::deque<std::string> values_;  // stable addresses: index_ keys view into them
    std::unordered_map<std::string_view, std::uint32_t> index_;
    std::string_view last_;
    std::uint32_t last_code_ = no_code;
};

}  // namespace cskpi::detail
