#pragma once
// A fixed-size, zero-initialised array of trivially copyable T straight from the operating
// system: untouched pages cost no memory, and large arrays ask for transparent huge pages, so
// random access into hundreds of megabytes (the duplicate-id table) is not a TLB miss per row.
#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <sys/mman.h>
#define CSKPI_HAVE_MMAP 1
#endif

namespace cskpi::detail {

template <class T>
class zeroed_pages {
    static_assert(std::is_trivially_copyable_v<T>);

public:
    zeroed_pages() = default;
    explicit zeroed_pages(std::size_t n) : n_(n) {
        if (n == 0) return;
        bytes_ = n * sizeof(T);
#ifdef CSKPI_HAVE_MMAP
        void* m =
            ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
        if (bytes_ >= (std::size_t{4} << 20)) ::madvise(m, bytes_, MADV_HUGEPAGE);
#endif
        p_ = static_cast<T*>(m);
#else
        p_ = static_cast<T*>(::operator new(bytes_));
        std::memset(p_, 0, bytes_);
#endif
    }
    zeroed_pages(zeroed_pages&& o) noexcept
        : p_(std::exchange(o.p_, nullptr)),
          n_(std::exchange(o.n_, 0)),
          bytes_(std::exchange(o.bytes_, 0)) {}
    zeroed_pages& operator=(zeroed_pages&& o) noexcept {
        if (this != &o) {
            release();
            p_ = std::exchange(o.p_, nullptr);
            n_ = std::exchange(o.n_, 0);
            bytes_ = std::exchange(o.bytes_, 0);
        }
        return *this;
    }
    zeroed_pages(const zeroed_pages&) = delete;
    zeroed_pages& operator=(const zeroed_pages&) = delete;
    ~zeroed_pages() {
        release();
    }

    std::size_t size() const noexcept {
        return n_;
    }
    bool empty() const noexcept {
        return n_ == 0;
    }
    T& operator[](std::size_t i) noexcept {
        return p_[i];
    }
    const T& operator[](std::size_t i) const noexcept {
        return p_[i];
    }

private:
    void release() noexcept {
        if (!p_) return;
#ifdef CSKPI_HAVE_MMAP
        ::munmap(p_, bytes_);
#else
        ::operator delete(p_);
#endif
        p_ = nullptr;
    }
    T* p_ = nullptr;
    std::size_t n_ = 0, bytes_ = 0;
};

}  // namespace cskpi::detail
