#pragma once
// A vector that stores its values in a narrow form while every value fits one, and switches to
// the wide form for good at the first that does not (duration samples in 32-bit seconds, FCR
// ledger records in 16 bytes). Values read back are the same either way. `Codec` provides
// static fits(Wide), narrow(Wide) -> Narrow and wide(Narrow) -> Wide.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <vector>

namespace cskpi::detail {

template <class Narrow, class Wide, class Codec>
class widening_vector {
public:
    widening_vector() = default;
    widening_vector(const widening_vector& o)
        : narrow_v_(o.narrow_v_),
          wide_(o.wide_ ? std::make_unique<std::vector<Wide>>(*o.wide_) : nullptr) {}
    widening_vector& operator=(const widening_vector& o) {
        if (this != &o) *this = widening_vector(o);
        return *this;
    }
    widening_vector(widening_vector&&) noexcept = default;
    widening_vector& operator=(widening_vector&&) noexcept = default;
    ~widening_vector() = default;

    /// Calls f(std::vector<Narrow>&) or f(std::vector<Wide>&), whichever holds the values.
    template <class F>
    decltype(auto) visit(F&& f) {
        return wide_ ? f(*wide_) : f(narrow_v_);
    }
    template <class F>
    decltype(auto) visit(F&& f) const {
        return wide_ ? f(*wide_) : f(narrow_v_);
    }

    void push_back(const Wide& x) {
        if (!wide_ && Codec::fits(x))
            narrow_v_.push_back(Codec::narrow(x));
        else {
            widen(1);
            wide_->push_back(x);
        }
    }
    /// Appends every value of `o`.
    void append(const widening_vector& o) {
        o.visit([&](const auto& v) { append(v.data(), v.size()); });
    }
    /// Makes room for exactly `n` more values (no doubling), in the wide form if `wide`.
    void reserve_more(std::size_t n, bool wide) {
        if (wide) widen(n);
        wide_ ? wide_->reserve(wide_->size() + n) : narrow_v_.reserve(narrow_v_.size() + n);
    }
    /// Appends `n` values given in the narrow form.
    void append(const Narrow* p, std::size_t n) {
        if (!wide_)
            narrow_v_.insert(narrow_v_.end(), p, p + n);
        else
            for (std::size_t i = 0; i < n; ++i) wide_->push_back(Codec::wide(p[i]));
    }
    /// Appends `n` values given in the wide form: narrow while they fit, as push_back does.
    void append(const Wide* p, std::size_t n) {
        if (!wide_) {
            std::size_t i = 0;
            for (; i < n && Codec::fits(p[i]); ++i) narrow_v_.push_back(Codec::narrow(p[i]));
            p += i;
            n -= i;
            if (n == 0) return;
        }
        widen(n);
        wide_->insert(wide_->end(), p, p + n);
    }
    void reserve(std::size_t n) { wide_ ? wide_->reserve(n) : narrow_v_.reserve(n); }
    std::size_t size() const noexcept { return wide_ ? wide_->size() : narrow_v_.size(); }
    std::size_t capacity() const noexcept {
        return wide_ ? wide_->capacity() : narrow_v_.capacity();
    }
    bool empty() const noexcept { return size() == 0; }
    bool wide() const noexcept { return wide_ != nullptr; }
    /// Empties the store and returns its memory.
    void clear_and_free() {
        std::vector<Narrow>().swap(narrow_v_);
        wide_.reset();
    }
    /// Every value in the wide form (a copy, in storage order).
    std::vector<Wide> values() const {
        std::vector<Wide> out;
        out.reserve(size());
        visit([&](const auto& v) {
            for (const auto& x : v) out.push_back(to_wide(x));
        });
        return out;
    }

protected:
    static Wide to_wide(const Narrow& x) { return Codec::wide(x); }
    static const Wide& to_wide(const Wide& x) { return x; }
    // Switches to the wide form with room for `more` values (and at least the narrow capacity,
    // so a store reserved for its whole input does not grow again).
    void widen(std::size_t more) {
        if (wide_) return;
        auto w = std::make_unique<std::vector<Wide>>();
        w->reserve(std::max(narrow_v_.capacity(), narrow_v_.size() + more));
        for (const auto& x : narrow_v_) w->push_back(Codec::wide(x));
        std::vector<Narrow>().swap(narrow_v_);
        wide_ = std::move(w);
    }

    std::vector<Narrow> narrow_v_;
    std::unique_ptr<std::vector<Wide>> wide_;  ///< set once widened (most stores never are)
};

}  // namespace cskpi::detail
