// See sieve/weight_pages.h. POSIX mmap; the huge-page advice is Linux-only.
#include "sieve/weight_pages.h"

#include <cstdint>

#if defined(_WIN32)
#include <malloc.h>

#include <cstring>
#else
#include <sys/mman.h>
#endif

namespace sieve {
namespace {

constexpr size_t kSmallPage = size_t{4} << 10;
constexpr size_t kHugePage = size_t{2} << 20;

size_t round_up(size_t v, size_t to) { return (v + to - 1) / to * to; }

}  // namespace

#if defined(_WIN32)

bool map_weight_pages(size_t bytes, WeightPages* out) {
  if (bytes == 0) return false;
  const size_t mapped = round_up(bytes, kSmallPage);
  void* p = _aligned_malloc(mapped, kHugePage);
  if (!p) return false;
  std::memset(p, 0, mapped);
  *out = WeightPages{p, bytes, mapped, 0};
  return true;
}

void unmap_weight_pages(const WeightPages& pages) { _aligned_free(pages.data); }

#else

bool map_weight_pages(size_t bytes, WeightPages* out) {
  if (bytes == 0 || bytes > SIZE_MAX - 2 * kHugePage) return false;
  const size_t mapped = round_up(bytes, kSmallPage);
  // Over-map by one huge page, then give back the slack on both sides of the aligned start.
  void* raw = mmap(nullptr, mapped + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return false;
  const uintptr_t base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = round_up(base, kHugePage);
  if (start > base) munmap(raw, start - base);
  const uintptr_t end = base + mapped + kHugePage;
  if (end > start + mapped) munmap(reinterpret_cast<void*>(start + mapped), end - (start + mapped));
  size_t advised = mapped / kHugePage * kHugePage;
#if defined(MADV_HUGEPAGE)
  // Before the first touch, so that the page faults themselves take huge pages (no later copy).
  if (advised > 0 && madvise(reinterpret_cast<void*>(start), advised, MADV_HUGEPAGE) != 0) advised = 0;
#else
  advised = 0;
#endif
  *out = WeightPages{reinterpret_cast<void*>(start), bytes, mapped, advised};
  return true;
}

void unmap_weight_pages(const WeightPages& pages) {
  if (pages.data) munmap(pages.data, pages.mapped);
}

#endif

}  // namespace sieve
