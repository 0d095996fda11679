#pragma once
// Bytes of an export -> the UTF-8, comma-separated text the readers take. Encodings go through
// glibc's iconv (GBK and GB18030 are what Excel writes on a Chinese Windows machine; UTF-16 with
// a byte-order mark is what "Unicode text" saves); other delimiters are rewritten record by
// record, quoting what needs it, so line numbers stay those of the file.
#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include <iconv.h>

#include "../detail/utf8.hpp"
#include "../error.hpp"
#include "import_options.hpp"

namespace cskpi::detail {

/// The encoding a byte-order mark announces ("utf-16le", "utf-16be", "utf-8"), or "".
inline std::string bom_encoding(std::string_view head) {
    if (head.size() >= 3 && head.substr(0, 3) == "\xEF\xBB\xBF") return "utf-8";
    if (head.size() >= 2 && head.substr(0, 2) == "\xFF\xFE") return "utf-16le";
    if (head.size() >= 2 && head.substr(0, 2) == "\xFE\xFF") return "utf-16be";
    return "";
}

/// Whether `s` is well-formed UTF-8 (a cut multi-byte sequence at the very end counts as
/// well-formed).
inline bool valid_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t n = utf8_lead_length(static_cast<unsigned char>(s[i]));
        if (n == 0) return false;
        const std::size_t k = utf8_continuations(s, i, n);
        if (k != n - 1) return i + 1 + k >= s.size();  // cut at the very end: well-formed so far
        i += n;
    }
    return true;
}

/// Converts `bytes` from `encoding` to UTF-8 with iconv. A byte-order mark is dropped. Throws
/// input_error naming the line of the first byte that is not valid in that encoding.
inline std::string to_utf8(std::string_view bytes, std::string encoding, const std::string& path) {
    const std::string bom = bom_encoding(bytes);
    if (!bom.empty()) {
        bytes.remove_prefix(bom == "utf-8" ? 3 : 2);
        encoding = bom;  // a byte-order mark says what the file is
    }
    std::string lower(encoding);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower == "auto")
        lower = valid_utf8(bytes) ? "utf-8" : "gb18030";  // GB18030 reads every GBK file
    if (lower == "utf-8" || lower == "utf8") return std::string(bytes);
    if (lower == "utf-16") lower = "utf-16le";  // no mark: Windows writes little-endian
    iconv_t cd = ::iconv_open("UTF-8", lower.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        throw config_error("encoding",
                           "unknown encoding '" + encoding +
                               "' (utf-8, gbk, gb18030, utf-16, big5, shift_jis, latin1, ...)");
    std::string out;
    out.resize(bytes.size() * 2 + 16);
    char* in = const_cast<char*>(bytes.data());
    std::size_t in_left = bytes.size();
    char* dst = out.data();
    std::size_t out_left = out.size();
    while (in_left > 0) {
        if (::iconv(cd, &in, &in_left, &dst, &out_left) != static_cast<std::size_t>(-1)) break;
        if (errno == E2BIG) {
            const std::size_t used = static_cast<std::size_t>(dst - out.data());
            out.resize(out.size() * 2);
            dst = out.data() + used;
            out_left = out.size() - used;
            continue;
        }
        const std::size_t at = static_cast<std::size_t>(in - bytes.data());
        ::iconv_close(cd);
        const auto line =
            1 + static_cast<std::uint64_t>(std::count(
                    bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
        throw input_error(path, line, "", "",
                          "byte " + std::to_string(at) + " is not valid " + encoding +
                              (errno == EINVAL ? " (the file ends inside a character)" : "") +
                              ": check the \"encoding\" key");
    }
    ::iconv_close(cd);
    out.resize(static_cast<std::size_t>(dst - out.data()));
    return out;
}

/// The delimiter a CSV header line uses: the most frequent of , ; tab | outside quotes (',' on a
/// tie or none).
inline char sniff_delimiter(std::string_view header) {
    const std::array<char, 4> cands = {',', ';', '\t', '|'};
    std::array<std::size_t, 4> n{};
    bool quoted = false;
    for (char c : header) {
        if (c == '\n') break;
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        for (std::size_t i = 0; i < cands.size(); ++i) n[i] += c == cands[i];
    }
    std::size_t best = 0;
    for (std::size_t i = 1; i < cands.size(); ++i)
        if (n[i] > n[best]) best = i;
    return cands[best];
}

/// Rewrites CSV separated by `delim` as comma-separated CSV: fields holding a comma, a quote or
/// a line break are quoted (quotes doubled); line breaks are kept, so records keep their lines.
/// A malformed record (unterminated quote) is copied through for the reader to reject.
inline std::string redelimit(std::string_view in, char delim) {
    std::string out;
    out.reserve(in.size() + in.size() / 16);
    std::string field;
    bool quoted_field = false;
    auto flush = [&] {
        const bool needs = field.find_first_of(",\"\n\r") != std::string::npos;
        if (needs || quoted_field) {
            out += '"';
            for (char c : field) {
                if (c == '"') out += '"';
                out += c;
            }
            out += '"';
        } else {
            out += field;
        }
        field.clear();
        quoted_field = false;
    };
    std::size_t i = 0;
    const std::size_t n = in.size();
    bool at_field_start = true;
    while (i < n) {
        const char c = in[i];
        if (at_field_start && c == '"') {  // quoted field: up to the closing quote
            quoted_field = true;
            std::size_t j = i + 1;
            while (j < n) {
                if (in[j] == '"') {
                    if (j + 1 < n && in[j + 1] == '"') {
                        field += '"';
                        j += 2;
                        continue;
                    }
                    break;
                }
                field += in[j++];
            }
            if (j >= n) {  // unterminated: copy the raw rest through
                out.append(in.substr(i));
                return out;
            }
            i = j + 1;
            at_field_start = false;
            continue;
        }
        if (c == delim) {
            flush();
            out += ',';
            ++i;
            at_field_start = true;
            continue;
        }
        if (c == '\n') {
            flush();
            out += '\n';
            ++i;
            at_field_start = true;
            continue;
        }
        if (c == '\r' && i + 1 < n && in[i + 1] == '\n') {
            flush();
            out += "\r\n";
            i += 2;
            at_field_start = true;
            continue;
        }
        field += c;
        ++i;
        at_field_start = false;
    }
    if (!field.empty() || quoted_field) flush();
    return out;
}

/// The first `n` lines of `text` skipped (a title or reporting period above the header).
inline std::size_t skip_lines(std::string_view text, std::size_t n) {
    std::size_t p = 0;
    for (std::size_t k = 0; k < n && p < text.size(); ++k) {
        const auto e = text.find('\n', p);
        p = e == std::string_view::npos ? text.size() : e + 1;
    }
    return p;
}

/// An export's bytes as UTF-8, comma-separated text (unchanged when nothing needs converting).
inline std::string convert_bytes(std::string bytes, const import_options& o,
                                 const std::string& path, bool csv) {
    const std::string bom = bom_encoding(bytes);
    if (!o.is_utf8() || (!bom.empty() && bom != "utf-8"))
        bytes = to_utf8(bytes, o.encoding, path);
    else if (bom == "utf-8")
        bytes.erase(0, 3);
    if (bytes.find('\n') == std::string::npos && bytes.find('\r') != std::string::npos)
        std::replace(bytes.begin(), bytes.end(), '\r', '\n');  // CR-only line ends
    if (!csv) return bytes;
    char d = o.delimiter;
    if (o.sniff_delimiter)
        d = sniff_delimiter(std::string_view(bytes).substr(skip_lines(bytes, o.skip_lines)));
    return d == ',' ? bytes : redelimit(bytes, d);
}

/// What to say when a header does not read as the configuration expects: a header that is
/// not UTF-8, or one split by another delimiter, points at the key that fixes it.
inline std::string header_hint(std::string_view header, const import_options& o) {
    if (o.is_utf8() && !valid_utf8(header))
        return "; the header is not valid UTF-8: if the file was saved by Excel on a Chinese "
               "Windows machine, set "
               "\"encoding\": \"gbk\"";
    if (!o.converts_bytes() && header.find(',') == std::string_view::npos) {
        const char d = sniff_delimiter(header);
        if (d != ',')
            return std::string("; the header looks ") +
                   (d == '\t'                  ? "tab"
                    : std::string(1, d) == ";" ? "semicolon"
                                               : "pipe") +
                   "-separated: set \"delimiter\": \"" +
                   (d == '\t' ? std::string("\\t") : std::string(1, d)) + "\" (or \"auto\")";
    }
    return "";
}

}  // namespace cskpi::detail
