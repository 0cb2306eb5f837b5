// AddressSanitizer instruments masked vector loads but not AVX-512 gathers, so in sanitizer builds (the fuzz
// targets, Scripts/sanitize) every lane a gather is about to read is first read with plain, checked loads: a lane
// out of bounds is then an ASan report instead of a silent read. Compiled out otherwise.
#ifndef ALLOT_GATHER_CHECK_H
#define ALLOT_GATHER_CHECK_H

#include <stdint.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ALLOT_CHECK_GATHERS 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ALLOT_CHECK_GATHERS 1
#endif

#if defined(ALLOT_CHECK_GATHERS)
// The first and last of the `width` bytes at base + offset.
static inline void allot_touch(const void *base, int64_t offset, int64_t width) {
    const volatile uint8_t *p = (const volatile uint8_t *)base + offset;
    (void)p[0];
    (void)p[width - 1];
}
// idx: an __m512i of `lanes` indices of type `type`; lane j is read when bit j of `live` is set.
#define CHECK_GATHER(type, lanes, base, idx, live, scale, width)                                  \
    do {                                                                                          \
        type index_[lanes];                                                                       \
        _mm512_storeu_si512(index_, (idx));                                                       \
        for (int j_ = 0; j_ < (lanes); j_++)                                                      \
            if ((unsigned)(live) >> j_ & 1) allot_touch((base), (int64_t)index_[j_] * (scale), (width)); \
    } while (0)
#define CHECK_GATHER64(base, idx, live, scale, width) CHECK_GATHER(int64_t, 8, base, idx, live, scale, width)
#define CHECK_GATHER32(base, idx, live, scale, width) CHECK_GATHER(int32_t, 16, base, idx, live, scale, width)
#else
#define CHECK_GATHER64(base, idx, live, scale, width) ((void)0)
#define CHECK_GATHER32(base, idx, live, scale, width) ((void)0)
#endif

#endif
