// How fast can the trees of a 5-head x 200-tree x depth-6 model over 61 features be evaluated? A scalar
// evaluator laid out like AllotModel's ModelEvaluator (split feature and threshold packed in one word, levels
// unrolled) against a vectorized one: with <= 64 features the bin codes fit in four 16-byte registers, so one
// PSHUFB per register fetches the split codes of 16 trees at a level at once. Both give identical integer sums
// (checked). Evidence for docs/performance.md, fix 2; not used by allotd.
//
// usage: trees_simd [REQUESTS]     prints one JSON object (ns per request: median of 7 runs, CPU time)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__x86_64__)
#include <tmmintrin.h>
#define HAVE_SIMD 1
#endif

enum { HEADS = 5, TREES = 200, DEPTH = 6, FEATURES = 61, EDGES = 32, POOL = 256 };
enum { LEAVES = 1 << DEPTH, BLOCKS = (TREES + 15) / 16 };

static uint32_t splits[HEADS][TREES][DEPTH];  // feature << 8 | threshold
static int16_t leaves[HEADS][TREES][LEAVES];
static uint8_t codes[POOL][64];

// Vector layout: per head, block of 16 trees and level, four PSHUFB index vectors (0x80 where the feature is
// in another register) and the thresholds; leaves of a block transposed so lane j reads its own tree.
static uint8_t vidx[HEADS][BLOCKS][DEPTH][4][16];
static uint8_t vthr[HEADS][BLOCKS][DEPTH][16];
static int16_t vleaves[HEADS][BLOCKS][16][LEAVES];

static uint64_t rng = 2026;
static uint32_t next(void) {
    rng += 0x9E3779B97F4A7C15ull;
    uint64_t z = rng;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t)((z ^ (z >> 31)) >> 32);
}

static double cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void build(void) {
    for (int h = 0; h < HEADS; h++)
        for (int t = 0; t < TREES; t++) {
            for (int l = 0; l < DEPTH; l++) splits[h][t][l] = (next() % FEATURES) << 8 | (next() % (EDGES + 1));
            for (int k = 0; k < LEAVES; k++) leaves[h][t][k] = (int16_t)(next() % 2001) - 1000;
        }
    for (int r = 0; r < POOL; r++)
        for (int f = 0; f < 64; f++) codes[r][f] = f < FEATURES ? (uint8_t)(next() % (EDGES + 2)) : 0;
    memset(vidx, 0x80, sizeof vidx);
    for (int h = 0; h < HEADS; h++)
        for (int b = 0; b < BLOCKS; b++)
            for (int j = 0; j < 16; j++) {
                int t = b * 16 + j;
                for (int l = 0; l < DEPTH; l++) {
                    // A padding tree splits on feature 0 at threshold 255 (never true) and has zero leaves.
                    uint32_t s = t < TREES ? splits[h][t][l] : 255;
                    uint32_t f = s >> 8, thr = s & 255;
                    vidx[h][b][l][f >> 4][j] = (uint8_t)(f & 15);
                    vthr[h][b][l][j] = (uint8_t)(thr > 127 ? 127 : thr);  // codes <= 255 compare signed below
                }
                for (int k = 0; k < LEAVES; k++) vleaves[h][b][j][k] = t < TREES ? leaves[h][t][k] : 0;
            }
}

static void eval_scalar(const uint8_t *c, int32_t *out) {
    for (int h = 0; h < HEADS; h++) {
        int32_t sum = 0;
        for (int t = 0; t < TREES; t++) {
            const uint32_t *s = splits[h][t];
            unsigned i = 0;
            for (int l = 0; l < DEPTH; l++) i |= (unsigned)(c[s[l] >> 8] > (s[l] & 255)) << l;
            sum += leaves[h][t][i];
        }
        out[h] = sum;
    }
}

#ifdef HAVE_SIMD
static void eval_simd(const uint8_t *c, int32_t *out) {
    const __m128i c0 = _mm_loadu_si128((const __m128i *)c), c1 = _mm_loadu_si128((const __m128i *)(c + 16));
    const __m128i c2 = _mm_loadu_si128((const __m128i *)(c + 32)), c3 = _mm_loadu_si128((const __m128i *)(c + 48));
    for (int h = 0; h < HEADS; h++) {
        int32_t sum = 0;
        for (int b = 0; b < BLOCKS; b++) {
            __m128i index = _mm_setzero_si128();
            for (int l = 0; l < DEPTH; l++) {
                const uint8_t(*ix)[16] = vidx[h][b][l];
                __m128i v = _mm_or_si128(
                    _mm_or_si128(_mm_shuffle_epi8(c0, _mm_load_si128((const __m128i *)ix[0])),
                                 _mm_shuffle_epi8(c1, _mm_load_si128((const __m128i *)ix[1]))),
                    _mm_or_si128(_mm_shuffle_epi8(c2, _mm_load_si128((const __m128i *)ix[2])),
                                 _mm_shuffle_epi8(c3, _mm_load_si128((const __m128i *)ix[3]))));
                // codes are <= 127 here (bin codes of <= 126 edges); wider codes need an unsigned compare
                __m128i gt = _mm_cmpgt_epi8(v, _mm_load_si128((const __m128i *)vthr[h][b][l]));
                index = _mm_or_si128(index, _mm_and_si128(gt, _mm_set1_epi8((char)(1 << l))));
            }
            uint8_t lane[16] __attribute__((aligned(16)));
            _mm_store_si128((__m128i *)lane, index);
            const int16_t(*lv)[LEAVES] = vleaves[h][b];
            for (int j = 0; j < 16; j++) sum += lv[j][lane[j]];
        }
        out[h] = sum;
    }
}
#endif

static int cmp_double(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 200000;
    build();
    int32_t a[HEADS], b[HEADS];
    long sink = 0;
#ifdef HAVE_SIMD
    for (int r = 0; r < POOL; r++) {
        eval_scalar(codes[r], a);
        eval_simd(codes[r], b);
        if (memcmp(a, b, sizeof a) != 0) {
            fprintf(stderr, "trees_simd: vector and scalar sums differ\n");
            return 1;
        }
    }
#endif
    double ts[7], tv[7] = {0};
    for (int rep = 0; rep < 7; rep++) {
        double t0 = cpu_now();
        for (long i = 0; i < n / 7; i++) {
            eval_scalar(codes[i % POOL], a);
            sink += a[0];
        }
        double t1 = cpu_now();
        ts[rep] = (t1 - t0) / (double)(n / 7);
#ifdef HAVE_SIMD
        t0 = cpu_now();
        for (long i = 0; i < n / 7; i++) {
            eval_simd(codes[i % POOL], b);
            sink += b[0];
        }
        t1 = cpu_now();
        tv[rep] = (t1 - t0) / (double)(n / 7);
#endif
    }
    qsort(ts, 7, sizeof *ts, cmp_double);
    qsort(tv, 7, sizeof *tv, cmp_double);
    printf("{\"heads\": %d, \"trees\": %d, \"depth\": %d, \"features\": %d, \"scalar_ns\": %.1f, "
           "\"simd_ns\": %.1f, \"sink\": %ld}\n",
           HEADS, TREES, DEPTH, FEATURES, ts[3] * 1e9, tv[3] * 1e9, sink & 1);
    return 0;
}
