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
// The first and last byte of each live lane's `width` bytes at base + index * scale.
static inline void allot_touch_lanes64(const void *base, const int64_t index[8], unsigned live, int64_t scale,
                                       int64_t width) {
    for (int j = 0; j < 8; j++) {
        if (!(live >> j & 1)) continue;
        const volatile uint8_t *p = (const volatile uint8_t *)base + index[j] * scale;
        (void)p[0];
        (void)p[width - 1];
    }
}

static inline void allot_touch_lanes32(const void *base, const int32_t index[16], unsigned live, int64_t scale,
                                       int64_t width) {
    for (int j = 0; j < 16; j++) {
        if (!(live >> j & 1)) continue;
        const volatile uint8_t *p = (const volatile uint8_t *)base + (int64_t)index[j] * scale;
        (void)p[0];
        (void)p[width - 1];
    }
}
// idx: an __m512i of 64-bit (CHECK_GATHER64) or 32-bit (CHECK_GATHER32) indices.
#define CHECK_GATHER64(base, idx, live, scale, width)                                     \
    do {                                                                                  \
        int64_t lanes_[8];                                                                \
        _mm512_storeu_si512(lanes_, (idx));                                               \
        allot_touch_lanes64((base), lanes_, (unsigned)(live), (scale), (width));          \
    } while (0)
#define CHECK_GATHER32(base, idx, live, scale, width)                                     \
    do {                                                                                  \
        int32_t lanes_[16];                                                               \
        _mm512_storeu_si512(lanes_, (idx));                                               \
        allot_touch_lanes32((base), lanes_, (unsigned)(live), (scale), (width));          \
    } while (0)
#else
#define CHECK_GATHER64(base, idx, live, scale, width) ((void)0)
#define CHECK_GATHER32(base, idx, live, scale, width) ((void)0)
#endif

#endif
