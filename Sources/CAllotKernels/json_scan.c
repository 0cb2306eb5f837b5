// The JSON parser's inner string loop: the prompt of a route request is most of its bytes.
#include "allot_json_scan.h"
#if defined(__x86_64__)
#include <emmintrin.h>
#endif

static inline int plain(uint8_t b) { return b >= 0x20 && b < 0x80 && b != '"' && b != '\\'; }

int64_t allot_json_plain_run(const uint8_t *p, int64_t n) {
    int64_t i = 0;
#if defined(__x86_64__)
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
