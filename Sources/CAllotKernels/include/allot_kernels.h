#ifndef ALLOT_KERNELS_H
#define ALLOT_KERNELS_H
#include <stdint.h>
// Included here, not only by the umbrella directory: a build directory whose module cache predates that header
// would not see it (clang does not notice a new file in an umbrella directory; it does notice this one change).
#include "allot_json_scan.h"

/// Whether this CPU can run the vector tree kernel (SSSE3 on x86_64); 0 elsewhere.
int allot_kernels_vector_available(void);

/// Features the vector kernel can read: the bin codes must fit sixteen 16-byte registers (one `pshufb` per
/// register per level, so narrow models are fastest).
#define ALLOT_KERNELS_MAX_FEATURES 256
/// Deepest tree the vector kernel takes: the leaf index is built in one byte per tree.
#define ALLOT_KERNELS_MAX_DEPTH 8

/// A run of blocks of 16 trees of one head slot, all of depth `depth`.
///
/// Each block stores, per level (level 0 first), `registers` shuffle-index vectors of 16 bytes (lane j: the
/// split feature's position within that 16-feature register, or 0x80 where the feature is in another register),
/// then 16 thresholds biased by 0x80 (so a signed byte compare is the unsigned `code > threshold`): that is
/// `(registers + 1) * 16` bytes per level. Its leaves are 16 trees × 2^depth int16, lane by lane.
typedef struct {
    uint32_t slot;
    uint32_t depth;
    uint32_t blocks;
    uint32_t split_offset;  // bytes into `splits`
    uint32_t leaf_offset;   // int16s into `leaves`
} allot_vector_group;

/// Adds, for every group, the (wrapping) integer sum of its trees' leaves to `sums[group.slot]`.
/// `codes` holds `feature_count` (1...256) bin codes; `registers` is `ceil(feature_count / 16)`.
/// Requires SSSE3 (`allot_kernels_vector_available()`); callers must not call it otherwise.
void allot_trees_sum_vector(const uint8_t *codes, int feature_count, int registers,
                            const allot_vector_group *groups, int group_count, const uint8_t *splits,
                            const int16_t *leaves, int32_t *sums);

/// The same sums computed one lane at a time from the same layout: for CPUs without SSSE3 and for tests.
void allot_trees_sum_portable(const uint8_t *codes, int feature_count, int registers,
                              const allot_vector_group *groups, int group_count, const uint8_t *splits,
                              const int16_t *leaves, int32_t *sums);

/// Whether this CPU can run the wide kernel (AVX-512 BW and VBMI on x86_64); 0 elsewhere.
int allot_kernels_wide_available(void);
/// Features the wide kernel can read: two 64-byte registers, indexed by one `vpermi2b`.
#define ALLOT_KERNELS_WIDE_MAX_FEATURES 128
/// A run of trees of one head slot, all of depth `depth`, for the wide kernel: 64 trees per wide block.
///
/// Each wide block stores, per level (level 0 first), 64 split-feature indices then 64 thresholds (unbiased):
/// 128 bytes per level. Tree `t` of the run has its 2^depth int16 leaves at `leaf_offset + (t << depth)`, and the
/// run is followed by zero trees up to a multiple of 32 (read whole by the depths 1...4), the last run by one
/// more int16 (read by the deeper runs' 32-bit gathers). Split lanes past `trees` in the last wide block are
/// padding.
typedef struct {
    uint32_t slot;
    uint32_t depth;
    uint32_t trees;
    uint32_t split_offset;  // bytes into `splits`
    uint32_t leaf_offset;   // int16s into `leaves`
} allot_wide_group;
/// The same sums as `allot_trees_sum_vector`, 64 trees per level step with AVX-512 VBMI: `codes` holds
/// `feature_count` (1...128) bin codes. Requires `allot_kernels_wide_available()`.
void allot_trees_sum_wide(const uint8_t *codes, int feature_count, const allot_wide_group *groups, int group_count,
                          const uint8_t *splits, const int16_t *leaves, int32_t *sums);
/// Bin codes (FeatureBins.codes): 0 for NaN, else `1 + #{i : edge_i < x}`, of `feature_count` features: feature f is
/// `values[which[f]]`, its code goes to `codes[which[f]]` (other codes are not written), or feature f itself when
/// `which` is NULL. Its strictly increasing edges are `edges[offsets[f] ..< offsets[f + 1]]`, padded with +inf to a
/// multiple of 4. `coarse` holds, for each feature with more than 16 (padded) edges in turn, 16 floats: its edges
/// 15, 31, ..., 16j + 15 while they exist, then +inf.
void allot_bin_codes(const float *values, int feature_count, const float *edges, const uint32_t *offsets,
                     const float *coarse, const uint32_t *which, uint8_t *codes);
/// The same codes without AVX-512 (SSE four at a time, binary search over 64 edges): what `allot_bin_codes` runs
/// on CPUs without AVX-512F; callable directly so that tests cover it on any CPU.
void allot_bin_codes_narrow(const float *values, int feature_count, const float *edges, const uint32_t *offsets,
                            const uint32_t *which, uint8_t *codes);

/// Whether this CPU can run `allot_text_scan` (AVX-512 F, BW and DQ on x86_64); 0 elsewhere.
int allot_text_scan_available(void);
/// The keyword table (`KeywordTable`'s): a perfect hash of the keywords by their first 8 letters and length. A word
/// of `len` letters, lowercased, whose first min(len, 8) letters read as the little-endian `key0` (zeros above) and
/// letters 8 to 15 as `key1` (0 for len <= 8), can only be the keyword in slot
/// `((key0 + len) * multiplier) >> shift`, and is when `key0[slot]`, `key1[slot]` and `info[slot] >> 8` (its
/// length) match; `info[slot] & 0xFF` is then its classes. Empty slots have `info` 0, matching no word. `entry` is
/// `key0` with, for a keyword under 8 letters, its classes in the top byte (0 there otherwise): one load decides
/// most words.
typedef struct {
    uint64_t multiplier;
    int32_t shift;
    const uint64_t *entry;
    const uint64_t *key0;
    const uint64_t *key1;
    const uint32_t *info;
} allot_keywords;

/// Extractor allot-text v1's scan, bit for bit what `TextFeatures`' Swift scan gives: the 28 dense counts into
/// `dense` (overwritten) and the hashed word n-grams of orders 1...`ngram_max` (4 when outside 1...3) added to
/// `buckets` (zeroed by the caller; none when `bucket_count` is 0). Requires `allot_text_scan_available()`.
void allot_text_scan(const uint8_t *text, int64_t n, const allot_keywords *keywords, int ngram_max, float *dense,
                     float *buckets, int64_t bucket_count);
#endif
