#include "allot_kernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#include <tmmintrin.h>
#endif

int allot_kernels_vector_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3");
#else
    return 0;
#endif
}

// Sums are kept in uint32_t: wrapping addition commutes, so any tree order gives the scalar evaluator's Int32
// (`&+`) result bit for bit, and C's signed overflow is avoided.

void allot_trees_sum_portable(const uint8_t *codes, int feature_count, int registers,
                              const allot_vector_group *groups, int group_count, const uint8_t *splits,
                              const int16_t *leaves, int32_t *sums) {
    uint8_t c[256] = {0};
    memcpy(c, codes, (size_t)(feature_count < 256 ? feature_count : 256));
    const size_t level_bytes = (size_t)(registers + 1) * 16;
    for (int g = 0; g < group_count; g++) {
        const allot_vector_group gr = groups[g];
        const uint8_t *s = splits + gr.split_offset;
        const int16_t *lv = leaves + gr.leaf_offset;
        const unsigned leaf_count = 1u << gr.depth;
        uint32_t sum = 0;
        for (uint32_t b = 0; b < gr.blocks; b++) {
            for (int j = 0; j < 16; j++) {
                unsigned index = 0;
                for (uint32_t l = 0; l < gr.depth; l++) {
                    const uint8_t *lev = s + l * level_bytes;
                    uint8_t code = 0;  // a padding lane reads 0 from every register, as PSHUFB does
                    for (int r = 0; r < registers; r++) {
                        uint8_t ix = lev[r * 16 + j];
                        if (!(ix & 0x80)) code = c[r * 16 + (ix & 15)];
                    }
                    uint8_t thr = (uint8_t)(lev[registers * 16 + j] ^ 0x80);
                    index |= (unsigned)(code > thr) << l;
                }
                sum += (uint32_t)(int32_t)lv[(unsigned)j * leaf_count + index];
            }
            s += gr.depth * level_bytes;
            lv += 16 * leaf_count;
        }
        sums[gr.slot] = (int32_t)((uint32_t)sums[gr.slot] + sum);
    }
}

#if defined(__x86_64__)
// One block: per level, fetch the 16 trees' split codes with one PSHUFB per register, compare with the biased
// thresholds and OR the level's bit into each lane's leaf index; then load each lane's leaf.
__attribute__((target("ssse3"), always_inline)) static inline uint32_t
block_sum(const __m128i *c, const int registers, const uint32_t depth, const uint8_t *s, const int16_t *lv) {
    __m128i index = _mm_setzero_si128();
    __m128i bit = _mm_set1_epi8(1);
    for (uint32_t l = 0; l < depth; l++) {
        const __m128i *lev = (const __m128i *)s;
        __m128i v = _mm_shuffle_epi8(c[0], _mm_loadu_si128(lev));
        if (registers > 1) v = _mm_or_si128(v, _mm_shuffle_epi8(c[1], _mm_loadu_si128(lev + 1)));
        if (registers > 2) v = _mm_or_si128(v, _mm_shuffle_epi8(c[2], _mm_loadu_si128(lev + 2)));
        if (registers > 3) v = _mm_or_si128(v, _mm_shuffle_epi8(c[3], _mm_loadu_si128(lev + 3)));
        for (int r = 4; r < registers; r++) v = _mm_or_si128(v, _mm_shuffle_epi8(c[r], _mm_loadu_si128(lev + r)));
        // Codes and thresholds are both biased by 0x80, so the signed compare is the unsigned code > threshold.
        __m128i gt = _mm_cmpgt_epi8(v, _mm_loadu_si128(lev + registers));
        index = _mm_or_si128(index, _mm_and_si128(gt, bit));
        bit = _mm_add_epi8(bit, bit);
        s += (registers + 1) * 16;
    }
    uint8_t lane[16] __attribute__((aligned(16)));
    _mm_store_si128((__m128i *)lane, index);
    const unsigned shift = depth;
    uint32_t sum = 0;
    for (unsigned j = 0; j < 16; j++) sum += (uint32_t)(int32_t)lv[(j << shift) + lane[j]];
    return sum;
}

__attribute__((target("ssse3"), always_inline)) static inline void
sum_groups(const __m128i *c, const int registers, const allot_vector_group *groups, int group_count,
           const uint8_t *splits, const int16_t *leaves, int32_t *sums) {
    for (int g = 0; g < group_count; g++) {
        const allot_vector_group gr = groups[g];
        const uint8_t *s = splits + gr.split_offset;
        const int16_t *lv = leaves + gr.leaf_offset;
        const size_t block_bytes = (size_t)gr.depth * (size_t)(registers + 1) * 16;
        const size_t block_leaves = (size_t)16 << gr.depth;
        uint32_t sum = 0;
        if (gr.depth == 6) {  // the common case, with the level loop unrolled
            for (uint32_t b = 0; b < gr.blocks; b++, s += block_bytes, lv += block_leaves)
                sum += block_sum(c, registers, 6, s, lv);
        } else {
            for (uint32_t b = 0; b < gr.blocks; b++, s += block_bytes, lv += block_leaves)
                sum += block_sum(c, registers, gr.depth, s, lv);
        }
        sums[gr.slot] = (int32_t)((uint32_t)sums[gr.slot] + sum);
    }
}

__attribute__((target("ssse3"))) void allot_trees_sum_vector(const uint8_t *codes, int feature_count,
                                                            int registers, const allot_vector_group *groups,
                                                            int group_count, const uint8_t *splits,
                                                            const int16_t *leaves, int32_t *sums) {
    uint8_t buf[256] __attribute__((aligned(16))) = {0};
    memcpy(buf, codes, (size_t)(feature_count < 256 ? feature_count : 256));
    const __m128i bias = _mm_set1_epi8((char)0x80);
    __m128i c[16];
    for (int r = 0; r < 16; r++) c[r] = _mm_xor_si128(_mm_load_si128((const __m128i *)buf + r), bias);
    // A constant register count per call lets the compiler drop the unused shuffles.
    switch (registers) {
    case 1: sum_groups(c, 1, groups, group_count, splits, leaves, sums); break;
    case 2: sum_groups(c, 2, groups, group_count, splits, leaves, sums); break;
    case 3: sum_groups(c, 3, groups, group_count, splits, leaves, sums); break;
    case 4: sum_groups(c, 4, groups, group_count, splits, leaves, sums); break;
    case 5: sum_groups(c, 5, groups, group_count, splits, leaves, sums); break;
    case 6: sum_groups(c, 6, groups, group_count, splits, leaves, sums); break;
    case 7: sum_groups(c, 7, groups, group_count, splits, leaves, sums); break;
    case 8: sum_groups(c, 8, groups, group_count, splits, leaves, sums); break;
    default: sum_groups(c, registers, groups, group_count, splits, leaves, sums); break;
    }
}
#else
void allot_trees_sum_vector(const uint8_t *codes, int feature_count, int registers,
                            const allot_vector_group *groups, int group_count, const uint8_t *splits,
                            const int16_t *leaves, int32_t *sums) {
    allot_trees_sum_portable(codes, feature_count, registers, groups, group_count, splits, leaves, sums);
}
#endif

// Bin codes: code = 0 for NaN, else 1 + #{i : edges[i] < x} (FeatureBins.code). Each feature's edges are padded
// with +inf to a multiple of 4 (never below any x), so short lists are counted four at a time with no branch
// (same count as a binary search over strictly increasing edges); long lists use a binary search.
void allot_bin_codes(const float *values, int feature_count, const float *edges, const uint32_t *offsets,
                     uint8_t *codes) {
    for (int f = 0; f < feature_count; f++) {
        const float x = values[f];
        if (x != x) {
            codes[f] = 0;
            continue;
        }
        const float *e = edges + offsets[f];
        const uint32_t n = offsets[f + 1] - offsets[f];
        uint32_t count = 0;
        if (n <= 64) {
#if defined(__x86_64__)
            const __m128 vx = _mm_set1_ps(x);
            __m128i acc = _mm_setzero_si128();
            for (uint32_t i = 0; i < n; i += 4)
                acc = _mm_sub_epi32(acc, _mm_castps_si128(_mm_cmplt_ps(_mm_loadu_ps(e + i), vx)));
            acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0x4E));
            acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, 0xB1));
            count = (uint32_t)_mm_cvtsi128_si32(acc);
#else
            for (uint32_t i = 0; i < n; i++) count += e[i] < x;
#endif
        } else {
            uint32_t len = n;
            while (len > 0) {
                const uint32_t half = len / 2;
                if (e[count + half] < x) {
                    count += half + 1;
                    len -= half + 1;
                } else {
                    len = half;
                }
            }
        }
        codes[f] = (uint8_t)(count + 1);
    }
}
