#pragma once
// Columns in memory (a pandas DataFrame or a dict of numpy arrays seen from C++), borrowed
// without copying. The interactions table reads them typed (frame.hpp); long-form tables
// (reviews, message events) read each cell as the text a file would hold (table_reader.hpp),
// so both kinds of input meet one set of rules.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../time.hpp"

namespace cskpi {

/// One borrowed column. Text is dictionary-encoded (codes < 0 = missing), as a pandas
/// Categorical gives it, or one view per row (strings: an object column's str buffers); numbers use
/// NaN for missing; datetimes are int64 nanoseconds with INT64_MIN (NaT) for missing, either UTC or
/// local wall time in the configured zone.
struct frame_column {
    enum class kind {
        absent,
        text,
        strings,
        float64,
        int64,
        boolean,
        datetime_utc,
        datetime_local
    };
    kind type = kind::absent;
    const void* data = nullptr;                ///< codes for text, else the values
    std::vector<std::string_view> categories;  ///< text: the dictionary; strings: one per row
    bool trimmed = false;  ///< categories hold no leading or trailing blanks (trimmed once)
    /// text: bytes of each signed code (1, 2, 4 or 8), as pandas keeps a Categorical's codes in
    /// the narrowest type that holds them (widening them to 64 bits was a copy per column).
    std::uint8_t code_bytes = 8;

    /// The code of row r of a text column; negative is missing.
    std::int64_t code(std::size_t r) const noexcept {
        switch (code_bytes) {
            case 1:
                return static_cast<const std::int8_t*>(data)[r];
            case 2:
                return static_cast<const std::int16_t*>(data)[r];
            case 4:
                return static_cast<const std::int32_t*>(data)[r];
            default:
                return static_cast<const std::int64_t*>(data)[r];
        }
    }
};

/// Named columns of `rows` rows; the memory behind them must outlive every read.
struct column_table {
    std::size_t rows = 0;
    std::vector<std::string> names;
    std::vector<frame_column> columns;  ///< columns[i] is named names[i]
};

namespace detail {

/// The text of row `r` of `col` as a file would hold it, written to `out`; false when the cell
/// is missing (NaN, NaT, a missing code, None). Numbers are shortest round-trip decimals (3.0 is
/// "3"), booleans "true"/"false", datetimes ISO 8601 (UTC ones end in Z; local ones have no zone
/// and are read in the configured time zone).
inline bool frame_cell_text(const frame_column& col, std::size_t r, std::string& out) {
    using k = frame_column::kind;
    char buf[64];
    auto i64 = [&] { return static_cast<const std::int64_t*>(col.data)[r]; };
    switch (col.type) {
        case k::text: {
            const std::int64_t code = col.code(r);
            if (code < 0) return false;
            out.assign(col.categories[static_cast<std::size_t>(code)]);
            return true;
        }
        case k::strings:
            if (col.categories[r].data() == nullptr) return false;
            out.assign(col.categories[r]);
            return true;
        case k::float64: {
            const double v = static_cast<const double*>(col.data)[r];
            if (std::isnan(v)) return false;
            out.assign(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
            return true;
        }
        case k::int64:
            out.assign(buf, std::to_chars(buf, buf + sizeof buf, i64()).ptr);
            return true;
        case k::boolean:
            out.assign(static_cast<const std::uint8_t*>(col.data)[r] ? "true" : "false");
            return true;
        case k::datetime_utc:
        case k::datetime_local: {
            if (i64() == INT64_MIN) return false;
            out = format_utc(time_zone::floor_div(i64(), 1000));
            if (col.type == k::datetime_local) out.pop_back();  // wall time: no Z
            return true;
        }
        default:
            return false;
    }
}

}  // namespace detail
}  // namespace cskpi
