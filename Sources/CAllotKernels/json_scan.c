// The JSON parser's inner string loop: the prompt of a route request is most of its bytes.
#include "allot_json_scan.h"
#if defined(__x86_64__)
#include <emmintrin.h>
#include <immintrin.h>
#endif

static inline int plain(uint8_t b) { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\'; }

#if defined(__x86_64__)
// 64 bytes a step where the CPU has AVX-512 BW (a GSM8K prompt: 6 steps instead of 24).
__attribute__((target("avx512f,avx512bw"))) static int64_t plain_run_wide(const uint8_t *p, int64_t n) {
    int64_t i = 0;
    const __m512i quote = _mm512_set1_epi8('"'), backslash = _mm512_set1_epi8('\\'), space = _mm512_set1_epi8(0x20);
    for (; n - i >= 64; i += 64) {
        const __m512i v = _mm512_loadu_si512((const void *)(p + i));
        // As signed bytes, the controls and the non-ASCII bytes are both < 0x20.
        const uint64_t special = _mm512_cmpeq_epi8_mask(v, quote) | _mm512_cmpeq_epi8_mask(v, backslash)
            | _mm512_cmplt_epi8_mask(v, space);
        if (special) return i + __builtin_ctzll(special);
    }
    if (i < n) {  // the tail by a masked load: nothing past p + n is read
        const __mmask64 live = (__mmask64)((1ull << (n - i)) - 1);
        const __m512i v = _mm512_maskz_loadu_epi8(live, p + i);
        const uint64_t special = (_mm512_cmpeq_epi8_mask(v, quote) | _mm512_cmpeq_epi8_mask(v, backslash)
                                  | _mm512_cmplt_epi8_mask(v, space)) | ~live;
        return i + __builtin_ctzll(special);
    }
    return i;
}
#endif

int64_t allot_json_plain_run(const uint8_t *p, int64_t n) {
    int64_t i = 0;
#if defined(__x86_64__)
    // -1: not yet asked. Relaxed atomics: every thread computes the same answer.
    static int wide = -1;
    int w = __atomic_load_n(&wide, __ATOMIC_RELAXED);
    if (w < 0) {
        __builtin_cpu_init();
        w = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
        __atomic_store_n(&wide, w, __ATOMIC_RELAXED);
    }
    if (w) return plain_run_wide(p, n);
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    for (; n - i >= 16; i += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
        // As signed bytes, both the controls (0x00-0x1F) and the non-ASCII bytes (0x80-0xFF, negative) are < 0x20.
        const __m128i quote_or_backslash = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
        const int special = _mm_movemask_epi8(_mm_or_si128(quote_or_backslash, _mm_cmplt_epi8(v, space)));
        if (special) return i + __builtin_ctz((unsigned)special);
    }
#endif
    while (i < n && plain(p[i])) i++;
    return i;
}
