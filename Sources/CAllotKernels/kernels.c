#include "allot_kernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <emmintrin.h>
#include <tmmintrin.h>
#include <immintrin.h>
#include "gather_check.h"
#endif

int allot_kernels_vector_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("ssse3");
#else
    return 0;
#endif
}

int allot_kernels_wide_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vbmi");
#else
    return 0;
#endif
}

// Sums are kept in uint32_t: wrapping addition commutes, so any tree order gives the scalar evaluator's Int32
// (`&+`) result bit for bit, and C's signed overflow is avoided.

void allot_trees_sum_portable(const uint8_t *codes, int feature_count, int registers,
                              const allot_vector_group *groups, int group_count, const uint8_t *splits,
                              const int16_t *leaves, int32_t *sums) {
    // The callers check the feature count; a bad one must still not turn into a huge memcpy.
    if (feature_count <= 0 || feature_count > ALLOT_KERNELS_MAX_FEATURES) return;
    uint8_t c[256] = {0};
    memcpy(c, codes, (size_t)feature_count);
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
    if (feature_count <= 0 || feature_count > ALLOT_KERNELS_MAX_FEATURES) return;
    uint8_t buf[256] __attribute__((aligned(16))) = {0};
    memcpy(buf, codes, (size_t)feature_count);
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

// 64 trees per level step: one VPERMI2B fetches each lane's split code from the 128-byte code table, one unsigned
// compare gives the level's bits as a mask. Then the leaves:
//  - depth 1 to 4: by VPERMI2W, the 2^depth leaves of 64 >> depth trees (128 bytes) per permute: a block's leaves
//    are loaded whole (the layout pads each group with zero trees to a multiple of 32, so no load needs a mask),
//    and each half of 32 trees is summed in pairs into 16 int32 lanes (VPMADDWD: exact). 2.3x faster than gathers
//    on the default model's 192 trees (a C harness, 2026-11-30: 136 -> 60 ns), and the common depths;
//  - deeper: gathers of 16 (a tree's leaves fill a permute's table alone): 64 scalar loads per block were
//    measured no faster (2026-11-29).
#define WIDE_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi")))
#define WIDE_INLINE WIDE_TARGET __attribute__((always_inline)) static inline

// The leaves of 32 trees of depth `depth` (1...4) at `base`, lane k taking leaf index byte k of `index` (the low or
// high 32 bytes, `high`) of its tree: word (k mod P) << depth + index_k of the permute for trees k - k mod P.
WIDE_INLINE __m512i half_leaves(const int16_t *base, __m512i index, int high, const int depth) {
    const int per = 64 >> depth;  // trees per permute
    const __m512i lane = _mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13,
                                          12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    const __m512i ix = _mm512_add_epi16(
        _mm512_slli_epi16(_mm512_and_si512(lane, _mm512_set1_epi16((short)(per - 1))), depth),
        _mm512_cvtepu8_epi16(high ? _mm512_extracti64x4_epi64(index, 1) : _mm512_castsi512_si256(index)));
    __m512i r = _mm512_permutex2var_epi16(_mm512_loadu_si512(base), ix, _mm512_loadu_si512(base + 32));
    for (int q = 1; q < 32 / per; q++) {
        const int16_t *w = base + ((q * per) << depth);
        r = _mm512_mask_mov_epi16(r, (__mmask32)(((1ull << per) - 1) << (q * per)),
                                  _mm512_permutex2var_epi16(_mm512_loadu_si512(w), ix, _mm512_loadu_si512(w + 32)));
    }
    return r;
}

// The leaf sum of a block of `n` trees (1...64) of depth 1...4 at `base`, in 16 int32 lanes.
WIDE_INLINE __m512i block_leaves(const int16_t *base, __m512i index, uint32_t n, const int depth) {
    const __m512i ones = _mm512_set1_epi16(1);
    __m512i acc = _mm512_madd_epi16(half_leaves(base, index, 0, depth), ones);
    if (n > 32) acc = _mm512_add_epi32(acc, _mm512_madd_epi16(half_leaves(base + (32 << depth), index, 1, depth), ones));
    return acc;
}

WIDE_TARGET void
allot_trees_sum_wide(const uint8_t *codes, int feature_count, const allot_wide_group *groups, int group_count,
                     const uint8_t *splits, const int16_t *leaves, int32_t *sums) {
    // VPERMI2B reads 7 index bits: a wider model would silently read the wrong codes, so it is refused here too.
    if (feature_count <= 0 || feature_count > ALLOT_KERNELS_WIDE_MAX_FEATURES) return;
    uint8_t buf[128] __attribute__((aligned(64))) = {0};
    memcpy(buf, codes, (size_t)feature_count);
    const __m512i lo = _mm512_load_si512((const void *)buf);
    const __m512i hi = _mm512_load_si512((const void *)(buf + 64));
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int g = 0; g < group_count; g++) {
        const allot_wide_group gr = groups[g];
        const uint8_t *s = splits + gr.split_offset;
        const int16_t *lv = leaves + gr.leaf_offset;
        const uint32_t depth = gr.depth;
        __m512i acc = _mm512_setzero_si512();
        for (uint32_t t0 = 0; t0 < gr.trees; t0 += 64) {
            __m512i index = _mm512_setzero_si512();
            for (uint32_t l = 0; l < depth; l++, s += 128) {
                const __m512i v = _mm512_permutex2var_epi8(lo, _mm512_loadu_si512((const void *)s), hi);
                const __mmask64 gt = _mm512_cmpgt_epu8_mask(v, _mm512_loadu_si512((const void *)(s + 64)));
                index = _mm512_mask_add_epi8(index, gt, index, _mm512_set1_epi8((char)(1u << l)));  // bit l
            }
            const uint32_t n = gr.trees - t0 < 64 ? gr.trees - t0 : 64;
            const int16_t *base = lv + ((size_t)t0 << depth);
            switch (depth) {
            case 1: acc = _mm512_add_epi32(acc, block_leaves(base, index, n, 1)); continue;
            case 2: acc = _mm512_add_epi32(acc, block_leaves(base, index, n, 2)); continue;
            case 3: acc = _mm512_add_epi32(acc, block_leaves(base, index, n, 3)); continue;
            case 4: acc = _mm512_add_epi32(acc, block_leaves(base, index, n, 4)); continue;
            default: break;
            }
            // Leaves by gathers of 16: lane j's leaf is int16 number (j << depth) + index_j, read as the low half
            // of a 32-bit load (the layout keeps one spare leaf at the end) and sign-extended.
            for (uint32_t q = 0; q * 16 < n; q++) {
                const __m512i ix = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(index, 0));
                index = _mm512_alignr_epi64(index, index, 2);  // next 16 lanes into the low 128 bits
                const __m512i tree = _mm512_add_epi32(iota, _mm512_set1_epi32((int)(q * 16)));
                const __m512i at = _mm512_add_epi32(ix, _mm512_sll_epi32(tree, _mm_cvtsi32_si128((int)depth)));
                const __mmask16 live = n - q * 16 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - q * 16)) - 1);
                CHECK_GATHER32(base, at, live, 2, 4);
                const __m512i raw = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live, at, base, 2);
                acc = _mm512_add_epi32(acc, _mm512_srai_epi32(_mm512_slli_epi32(raw, 16), 16));
            }
        }
        const uint32_t sum = (uint32_t)_mm512_reduce_add_epi32(acc);
        sums[gr.slot] = (int32_t)((uint32_t)sums[gr.slot] + sum);
    }
}
#else
void allot_trees_sum_wide(const uint8_t *codes, int feature_count, const allot_wide_group *groups, int group_count,
                          const uint8_t *splits, const int16_t *leaves, int32_t *sums) {
    (void)codes; (void)feature_count; (void)groups; (void)group_count; (void)splits; (void)leaves; (void)sums;
}

void allot_trees_sum_vector(const uint8_t *codes, int feature_count, int registers,
                            const allot_vector_group *groups, int group_count, const uint8_t *splits,
                            const int16_t *leaves, int32_t *sums) {
    allot_trees_sum_portable(codes, feature_count, registers, groups, group_count, splits, leaves, sums);
}
#endif

// Bin codes: code = 0 for NaN, else 1 + #{i : edges[i] < x} (FeatureBins.code). Each feature's edges are padded
// with +inf to a multiple of 4 (never below any x), so short lists are counted four at a time with no branch
// (same count as a binary search over strictly increasing edges); long lists use a binary search.
#if defined(__x86_64__)
// At most two compares of sixteen edges per feature, whatever its edge count: a feature with more than 16 edges
// first counts the blocks of 16 wholly below x by their last edges (`coarse`: edges 15, 31, ... and +inf past the
// last whole block), then the edges below x in the one block that can hold some; the tail by a masked load
// (masked-off lanes are not read). At most 256 padded edges (FeatureBins.maxEdges is 254), so 16 block ends cover
// every block. A loop over every block instead (up to 16 steps for a long feature: 171 compares a request for the
// 95 features of the default model of the time instead of 105) took about 40 ns more of its 1.18 µs decision.
__attribute__((target("avx512f"))) static void bin_codes_wide(const float *values, int feature_count,
                                                              const float *edges, const uint32_t *offsets,
                                                              const float *coarse, const uint32_t *which,
                                                              uint8_t *codes) {
    for (int f = 0; f < feature_count; f++) {
        const uint32_t n = offsets[f + 1] - offsets[f];
        const float *block_ends = coarse;
        if (n > 16) coarse += 16;
        const uint32_t at = which ? which[f] : (uint32_t)f;
        const float x = values[at];
        if (x != x) {
            codes[at] = 0;
            continue;
        }
        const __m512 vx = _mm512_set1_ps(x);
        uint32_t below = 0;  // edges in the whole blocks below x
        if (n > 16) {
            const __mmask16 whole = _mm512_cmp_ps_mask(_mm512_loadu_ps(block_ends), vx, _CMP_LT_OQ);
            below = 16u * (uint32_t)__builtin_popcount(whole);
        }
        const uint32_t rest = n - below;
        const __mmask16 live = rest >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << rest) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(live, edges + offsets[f] + below);
        const uint32_t in_block = (uint32_t)__builtin_popcount(_mm512_mask_cmp_ps_mask(live, v, vx, _CMP_LT_OQ));
        codes[at] = (uint8_t)(below + in_block + 1);
    }
}
#endif

void allot_bin_codes(const float *values, int feature_count, const float *edges, const uint32_t *offsets,
                     const float *coarse, const uint32_t *which, uint8_t *codes) {
#if defined(__x86_64__)
    // -1: not yet asked. Relaxed atomics: every thread computes the same answer.
    static int wide = -1;
    int w = __atomic_load_n(&wide, __ATOMIC_RELAXED);
    if (w < 0) {
        __builtin_cpu_init();
        w = __builtin_cpu_supports("avx512f") ? 1 : 0;
        __atomic_store_n(&wide, w, __ATOMIC_RELAXED);
    }
    if (w) {
        bin_codes_wide(values, feature_count, edges, offsets, coarse, which, codes);
        return;
    }
#else
    (void)coarse;
#endif
    allot_bin_codes_narrow(values, feature_count, edges, offsets, which, codes);
}

void allot_bin_codes_narrow(const float *values, int feature_count, const float *edges, const uint32_t *offsets,
                            const uint32_t *which, uint8_t *codes) {
    for (int f = 0; f < feature_count; f++) {
        const uint32_t at = which ? which[f] : (uint32_t)f;
        const float x = values[at];
        if (x != x) {
            codes[at] = 0;
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
        codes[at] = (uint8_t)(count + 1);
    }
}
