#pragma once
// Exceptions: standard types only, one meaning each (DataSketches style).
//   input_error  (std::invalid_argument) bad input data: names file, line, column
//   config_error (std::invalid_argument) bad configuration: names the key path
//   std::logic_error                     broken invariant (a bug, or mismatched merge)
#include <cstdint>
#include <stdexcept>
#include <string>

namespace cskpi {

/// Bad input data. `what()` reads "FILE:LINE: column COL: value 'V': REASON".
class input_error : public std::invalid_argument {
public:
    input_error(std::string file, std::uint64_t line, std::string column, std::string value,
                std::string reason)
        : std::invalid_argument(format(file, line, column, value, reason)),
          file_(std::move(file)),
          line_(line),
          column_(std::move(column)),
          value_(std::move(value)),
          reason_(std::move(reason)) {}
    const std::string& file() const noexcept { return file_; }
    std::uint64_t line() const noexcept { return line_; }
    const std::string& column() const noexcept { return column_; }
    const std::string& value() const noexcept { return value_; }
    const std::string& reason() const noexcept { return reason_; }

private:
    static std::string format(const std::string& file, std::uint64_t line, const std::string& col,
                              const std::string& value, const std::string& reason) {
        std::string s = (file.empty() ? std::string("<input>") : file);
        if (line) s += ":" + std::to_string(line);
        s += ": ";
        if (!col.empty()) s += "column '" + col + "': ";
        if (!value.empty()) s += "value '" + value + "': ";
        return s + reason;
    }
    std::string file_;
    std::uint64_t line_;
    std::string column_, value_, reason_;
};

/// Bad configuration. `what()` reads "config: KEY.PATH: REASON".
class config_error : public std::invalid_argument {
public:
    config_error(const std::string& path, const std::string& reason)
        : std::invalid_argument("config: " + (path.empty() ? std::string("(root)") : path) + ": " +
                                reason),
          path_(path) {}
    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
};

}  // namespace cskpi
