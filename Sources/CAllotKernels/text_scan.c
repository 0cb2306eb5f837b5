// allot-text v1's scan (TextFeatures) with AVX-512: the same counts and n-gram buckets as the Swift scan, bit for
// bit, without its mispredicted branch per word. Two passes per chunk of 512 bytes:
//  1. each 64-byte block is classified into bitmaps (letters, digits, punctuation, ...): the per-byte counts are
//     popcounts, and word starts and ends are bitmap edges compressed into position lists; only numbers (a few,
//     with their separator rules) and sentence ends walk their bits one by one;
//  2. the tokens 8 to a vector: their first 8 bytes gathered (bytes 8 to 15 too in the few groups with a word over
//     8 letters), then FNV-1a one byte per step for all 8 lanes (masked past each token's end): one pass per
//     n-gram order over all the chunk's groups, 8 unrolled steps per group and 2 groups' chains interleaved (a
//     step waits ~5 cycles for the last; nothing else does), order r+1 continuing from the previous token's
//     order-r hash; then the buckets (h % d, a mask for a power of two), also 8 at a time. Keyword classes come
//     from the same gathered bytes, not from the hashes (a perfect hash of the word's first 8 letters and length,
//     one gathered probe): so a model without n-gram buckets, like the default one, hashes nothing.
#include "allot_kernels.h"
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#include "gather_check.h"
#endif

int allot_text_scan_available(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("bmi")
        && __builtin_cpu_supports("popcnt");
#else
    return 0;
#endif
}

#if defined(__x86_64__)
#define SCAN_TARGET __attribute__((target("avx512f,avx512bw,avx512dq,bmi,popcnt")))
#define SCAN_INLINE SCAN_TARGET __attribute__((always_inline)) static inline

enum {
    CHUNK = 512,                  // bytes per pass-1/pass-2 round: bounds the token lists on the stack (~45 KB);
                                  // a GSM8K prompt in one round (at 256, ~5% more time in partial groups)
    SLOTS = CHUNK + 1 + 8 + 8,    // tokens of a chunk (one per byte at most), the word carried in, vector slack
    LONG = 16,                    // bytes of a token the vector passes hash; longer tokens finish in scalar code
    BATCH = 2,                    // groups of 8 tokens whose hash chains are interleaved
    GROUPS = ((CHUNK + 1 + 7) / 8 + BATCH - 1) / BATCH * BATCH,  // groups of a chunk's tokens, whole batches
};
static const uint64_t BASIS = 0xcbf29ce484222325ull, PRIME = 0x100000001b3ull;
static const uint64_t LOWER = 0x2020202020202020ull;

typedef struct {
    int64_t tokens, letters, words, max_word, capitalized, digits, numbers, max_int_digits, decimals, operators,
        equals, fractions, latex, latex_dollars, money, percents, question_marks, sentences, how_many, wh, quantity,
        unit, commas, brackets, newlines, non_ascii, continuation;
} counts;

typedef struct {
    uint64_t carry_letter, carry_digit;  // bit 63 of the previous block's letter and digit maps
    int content;                          // content since the last sentence end
    int64_t number_end;                   // one past the last number scanned
    int64_t pending_end;                  // last byte of a number ending in a later block, or -1
    int prev_how;                         // the last token was "how"
    int64_t prev_end;                     // last byte of the last token
    int have;                             // tokens before this one, up to 3: which n-grams exist
    uint64_t last[4];                     // order-r hashes of the last token
} scan_state;

typedef struct {
    int64_t start[SLOTS], end[SLOTS];  // first and last byte of each token
    uint64_t w0[8 * GROUPS];           // its first 8 bytes, lowercased (a number hashes as "#")
    uint64_t w1[8 * GROUPS];           // bytes 8 to 15 of words over 8 letters, lowercased (groups with one)
    uint64_t live[GROUPS];             // per group of 8 tokens: live_matrix of the bytes hashed (up to 8)
    uint64_t live1[GROUPS];            // per group: live_matrix of the bytes hashed past 8; 0 for most groups
    uint8_t over16[GROUPS];            // per group: lanes of words over 16 letters
    uint64_t hash[4][8 * GROUPS + 8];  // [r][1 + k]: order-(r+1) hash of token k; [r][0]: the previous token's
    uint32_t buckets[4 * SLOTS];       // buckets of the n-grams ending at them
} token_lists;

static inline int is_digit(uint8_t b) { return (uint8_t)(b - 0x30) < 10; }
static inline int is_space(uint8_t b) { return b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D; }

// 8 bytes from p, zeros past the end of the text.
static inline uint64_t load8(const uint8_t *t, int64_t n, int64_t p) {
    uint64_t w = 0;
    if (p + 8 <= n) memcpy(&w, t + p, 8);
    else if (p < n) memcpy(&w, t + p, (size_t)(n - p));
    return w;
}

// A number from its first digit, by the Swift scan's rules: digits with inner ',' or '.' before a digit, a second
// '.' ending it. Returns one past its end. Its separators are counted as punctuation tokens by the caller, which
// gives the same total as the scan's (len - separators + 2) / 3 + separators.
static int64_t scan_number(const uint8_t *t, int64_t n, int64_t i, counts *c) {
    int64_t digits = 0, int_digits = 0;
    int fraction = 0;
    while (i < n) {
        uint8_t b = t[i];
        if (is_digit(b)) {
            digits++;
            if (!fraction && !(b == 0x30 && int_digits == 0)) int_digits++;
        } else if ((b == 0x2C || b == 0x2E) && i + 1 < n && is_digit(t[i + 1])) {
            if (b == 0x2E) {
                if (fraction) break;
                fraction = 1;
            }
        } else {
            break;
        }
        i++;
    }
    c->numbers++;
    c->decimals += fraction;
    if (int_digits > c->max_int_digits) c->max_int_digits = int_digits;
    c->tokens += (digits + 2) / 3;
    return i;
}

// Appends the positions of mask's bits (base + bit) to out; returns how many. Writes up to 8 slots past them.
// Each byte of the mask is one compress and one store, at an offset known up front (the popcounts of the bytes
// before it, summed by one multiply), so the 8 stores do not wait for each other.
SCAN_INLINE int append_positions(uint64_t mask, int64_t base, int64_t *out) {
    uint64_t x = mask - ((mask >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;         // byte q: popcount of byte q
    const uint64_t before = (x * 0x0101010101010101ull) << 8;  // byte q: popcount of bytes 0 to q-1 (up to 56)
    const __m512i idx = _mm512_add_epi64(_mm512_set1_epi64(base), _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
    for (int q = 0; q < 8; q++) {
        const __m512i positions = _mm512_add_epi64(idx, _mm512_set1_epi64(8 * q));
        _mm512_storeu_si512(out + (before >> (8 * q) & 0xFF),
                            _mm512_maskz_compress_epi64((__mmask8)(mask >> (8 * q)), positions));
    }
    return __builtin_popcountll(mask);
}

#define POP(m) ((int64_t)__builtin_popcountll(m))
#define EQ(x, ch) ((uint64_t)_mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8((char)(ch))))
#define IN(x, lo, count)                                                               \
    ((uint64_t)_mm512_cmplt_epu8_mask(_mm512_sub_epi8(x, _mm512_set1_epi8((char)(lo))), \
                                      _mm512_set1_epi8((char)(count))))

// Pass 1 over the 64 bytes at base (fewer at the end): counts, and token starts and ends appended to the lists.
SCAN_INLINE void classify_block(const uint8_t *t, int64_t n, int64_t base, scan_state *st, counts *c,
                                              token_lists *tl, int *starts, int *ends) {
    const int64_t rem = n - base;  // >= 1
    const uint64_t valid = rem >= 64 ? ~0ull : (1ull << rem) - 1;
    // v: the block; vn: each byte's successor (0 past the end, which the scan's `next` also is).
    const __m512i v = _mm512_maskz_loadu_epi8(valid, t + base);
    const __m512i vn = _mm512_maskz_loadu_epi8(rem - 1 >= 64 ? ~0ull : (1ull << (rem - 1)) - 1, t + base + 1);

    const uint64_t letter = IN(_mm512_or_si512(v, _mm512_set1_epi8(0x20)), 'a', 26);
    const uint64_t digit = IN(v, '0', 10);
    const uint64_t letter_next = IN(_mm512_or_si512(vn, _mm512_set1_epi8(0x20)), 'a', 26);
    const uint64_t digit_next = IN(vn, '0', 10);
    const uint64_t letter_prev = letter << 1 | st->carry_letter;
    const uint64_t digit_prev = digit << 1 | st->carry_digit;
    st->carry_letter = letter >> 63;
    st->carry_digit = digit >> 63;
    const uint64_t space = EQ(v, ' ') | EQ(v, '\t') | EQ(v, '\n') | EQ(v, '\r');
    const uint64_t high = _mm512_movepi8_mask(v);
    const uint64_t lead = _mm512_cmpge_epu8_mask(v, _mm512_set1_epi8((char)0xC0));
    // ASCII that is neither letter, digit nor space: one token each (a number's separators included, see
    // scan_number), and it ends a "how" before "many".
    const uint64_t punct = valid & ~high & ~letter & ~digit & ~space;
    const uint64_t word_start = letter & ~letter_prev;

    c->continuation += POP(high & ~lead);
    c->non_ascii += POP(lead);
    c->tokens += POP(lead) + POP(punct);
    c->newlines += POP(EQ(v, '\n'));
    c->letters += POP(letter);
    c->digits += POP(digit);
    c->words += POP(word_start);
    c->capitalized += POP(word_start & IN(v, 'A', 26));
    const uint64_t question = EQ(v, '?'), equals = EQ(v, '='), slash = EQ(v, '/'), dollar = EQ(v, '$');
    c->question_marks += POP(question);
    c->operators += POP(EQ(v, '+') | EQ(v, '*') | EQ(v, '^') | EQ(v, '<') | EQ(v, '>') | equals | slash
                        | (EQ(v, '-') & ~(letter_prev & letter_next))  // not inside a hyphenated word
                        | (EQ(v, 0xC3) & (EQ(vn, 0x97) | EQ(vn, 0xB7))));  // × ÷
    c->equals += POP(equals);
    c->fractions += POP(slash & digit_prev & digit_next);
    c->percents += POP(EQ(v, '%'));
    c->latex += POP(EQ(v, '\\') & letter_next);
    c->money += POP(dollar & digit_next);
    c->latex_dollars += POP(dollar & ~digit_next);
    c->brackets += POP(EQ(v, '(') | EQ(v, ')') | EQ(v, '[') | EQ(v, ']') | EQ(v, '{') | EQ(v, '}'));
    c->commas += POP(EQ(v, ',') & ~(digit_prev & digit_next));  // a comma between digits is inside a number

    // Sentence ends: '.', '!', '?' before a space, '"', ')', NUL or the end, counted when some content (anything
    // but spaces, continuation bytes and these marks) came since the last one. Without a loop: in ~ends + content
    // (+ the carry of content from earlier blocks), a run of non-ends holding some content carries into the end
    // above it, and only then; the carry out of bit 63 is content after the block's last end.
    const uint64_t mark = EQ(v, '.') | EQ(v, '!') | question;
    const uint64_t content = letter | digit | lead | (punct & ~mark);
    const uint64_t ends_here = mark & (EQ(vn, 0) | EQ(vn, ' ') | EQ(vn, '\t') | EQ(vn, '\n') | EQ(vn, '\r')
                                       | EQ(vn, '"') | EQ(vn, ')'));
    unsigned long long reached;
    st->content = _addcarry_u64((unsigned char)st->content, ~ends_here, content, &reached);
    c->sentences += POP(reached & ends_here);

    // Numbers, in order: each first digit of a run of digits starts one unless the previous number took it in
    // (after a separator). A number may end in a later block.
    uint64_t number_start = 0, number_end = 0;
    if (st->pending_end >= 0 && st->pending_end < base + 64) {
        number_end |= 1ull << (st->pending_end - base);
        st->pending_end = -1;
    }
    uint64_t runs = digit & ~digit_prev;
    while (runs) {
        const int p = __builtin_ctzll(runs);
        runs &= runs - 1;
        if (base + p < st->number_end) continue;
        const int64_t end = scan_number(t, n, base + p, c);
        st->number_end = end;
        number_start |= 1ull << p;
        if (end - 1 < base + 64) number_end |= 1ull << (end - 1 - base);
        else st->pending_end = end - 1;
    }

    *starts += append_positions(word_start | number_start, base, tl->start + *starts);
    *ends += append_positions((letter & ~letter_next) | number_end, base, tl->end + *ends);
}

// Qword j: every byte j, for live_matrix.
SCAN_INLINE __m512i step_numbers(void) {
    return _mm512_setr_epi64(0, 0x0101010101010101ll, 0x0202020202020202ll, 0x0303030303030303ll,
                             0x0404040404040404ll, 0x0505050505050505ll, 0x0606060606060606ll, 0x0707070707070707ll);
}

// Bit 8j + lane set when lane's `hashed` exceeds j (j < 8): the lanes step j of hash8_batch updates.
SCAN_INLINE uint64_t live_matrix(__m512i hashed) {
    const __m512i x = _mm512_broadcastq_epi64(_mm512_cvtusepi64_epi8(hashed));  // byte 8j + lane: lane's length
    return _mm512_cmpgt_epu8_mask(x, step_numbers());
}

// (g XOR ' ') * prime: the hash of "g-gram " that the next token continues.
SCAN_INLINE __m512i after_space(__m512i g) {
    return _mm512_mullo_epi64(_mm512_xor_si512(g, _mm512_set1_epi64(0x20)), _mm512_set1_epi64((long long)PRIME));
}

// x mod d, exactly, for d < 2^16: no 64-bit vector divide or high multiply, so in two steps through doubles
// (exact below 2^53): hi mod d, then (that * 2^32 + lo) mod d < 2^48. A quotient x * (1/d) is off by at most one
// ulp, so truncating it is floor(x / d) except just below an exact multiple, which one subtraction fixes.
SCAN_INLINE __m512i mod_small(__m512i x, __m512i d, __m512d inverse) {
    const __m512i hi = _mm512_srli_epi64(x, 32), lo = _mm512_and_si512(x, _mm512_set1_epi64(0xFFFFFFFF));
    __m512i r = _mm512_sub_epi64(hi, _mm512_mullo_epi64(_mm512_cvttpd_epu64(_mm512_mul_pd(_mm512_cvtepu64_pd(hi),
                                                                                         inverse)), d));
    r = _mm512_mask_sub_epi64(r, _mm512_cmpge_epu64_mask(r, d), r, d);
    const __m512i y = _mm512_or_si512(_mm512_slli_epi64(r, 32), lo);
    r = _mm512_sub_epi64(y, _mm512_mullo_epi64(_mm512_cvttpd_epu64(_mm512_mul_pd(_mm512_cvtepu64_pd(y), inverse)),
                                               d));
    return _mm512_mask_sub_epi64(r, _mm512_cmpge_epu64_mask(r, d), r, d);
}

static inline uint64_t mod_scalar(uint64_t h, uint64_t d, uint64_t reciprocal) {
    // h % d without a divide: q = floor(h * reciprocal / 2^64) is floor(h / d) or one less.
    uint64_t q = (uint64_t)(((unsigned __int128)h * reciprocal) >> 64);
    uint64_t r = h - q * d;
    return r >= d ? r - d : r;
}

// The bucket arithmetic for `bucket_count` buckets (0: no hashing).
typedef struct {
    uint64_t count, reciprocal;
    int small;  // count < 2^16: mod_small applies
} bucket_math;

// Words over 16 letters (lanes `over16` of the group at k0): their bytes past 16, one at a time.
SCAN_TARGET static __m512i finish_long(const uint8_t *t, const token_lists *tl, int k0, unsigned over16, __m512i h) {
    uint64_t x[8];
    _mm512_storeu_si512(x, h);
    for (unsigned m = over16; m; m &= m - 1) {
        const int j = __builtin_ctz(m);
        for (int64_t i = tl->start[k0 + j] + LONG; i <= tl->end[k0 + j]; i++) x[j] = (x[j] ^ (t[i] | 0x20)) * PRIME;
    }
    return _mm512_loadu_si512(x);
}

// Adds one FNV-1a step per byte of w (low byte first) to the lanes `live` marks for that step, for BATCH groups
// at once: 8 unrolled steps, no branch, the chains' steps interleaved.
SCAN_INLINE void hash8_batch(__m512i *h, const uint64_t *w, const uint64_t *live) {
    const __m512i prime = _mm512_set1_epi64((long long)PRIME), byte = _mm512_set1_epi64(0xFF);
    __m512i v[BATCH];
    uint64_t m[BATCH];
    for (int b = 0; b < BATCH; b++) {
        v[b] = _mm512_loadu_si512(w + 8 * b);
        m[b] = live[b];
    }
    for (int j = 0; j < 8; j++) {
        for (int b = 0; b < BATCH; b++) {
            const __m512i x = _mm512_ternarylogic_epi64(h[b], _mm512_srli_epi64(v[b], 8 * j), byte, 0x78);
            h[b] = _mm512_mask_mullo_epi64(h[b], (__mmask8)(m[b] >> (8 * j)), x, prime);
        }
    }
}

// The 8 bytes at `at` (= starts[j] + offset) of each lane in `want`, zeros past the text: gathered where all 8
// lie inside it, loaded byte-exactly where they do not (the last tokens of the text), so nothing is read past it.
SCAN_INLINE __m512i gather8(const uint8_t *t, int64_t n, __m512i at, __mmask8 want, const int64_t *starts,
                            int64_t offset, int lanes) {
    const __mmask8 whole = _mm512_mask_cmple_epi64_mask(want, _mm512_add_epi64(at, _mm512_set1_epi64(8)),
                                                        _mm512_set1_epi64(n));
    CHECK_GATHER64(t, at, whole, 1, 8);
    __m512i w = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), whole, at, t, 1);
    if (__builtin_expect(want & ~whole, 0)) {
        uint64_t x[8];
        _mm512_storeu_si512(x, w);
        for (int j = 0; j < lanes; j++) {
            if ((want & ~whole) >> j & 1) x[j] = load8(t, n, starts[j] + offset);
        }
        w = _mm512_loadu_si512(x);
    }
    return w;
}

// The keyword classes of 8 tokens (lanes `word` are words: their lowercased first 8 bytes `w0`, lengths `len`,
// starts `starts`), 0 for a token that is no keyword: the words are compared, not their hashes. One gathered probe
// per word: the table is a perfect hash of (first min(len, 8) letters, len), so a keyword has one possible slot,
// whose `entry` holds a keyword under 8 letters with its classes in the top byte. A word of 8 letters or more that
// matches its slot's first 8 letters (a few per prompt) is checked in scalar code: length, letters 8 to 15.
SCAN_INLINE __m512i keyword_classes(const uint8_t *t, int64_t n, const int64_t *starts, __m512i w0, __m512i len,
                                    __mmask8 word, const allot_keywords *kw) {
    const __m512i eight = _mm512_set1_epi64(8);
    const __m512i keep = _mm512_srlv_epi64(_mm512_set1_epi64(-1),
                                           _mm512_slli_epi64(_mm512_sub_epi64(eight, _mm512_min_epu64(len, eight)), 3));
    const __m512i key0 = _mm512_and_si512(w0, keep);
    const __m512i slot = _mm512_srli_epi64(
        _mm512_mullo_epi64(_mm512_add_epi64(key0, len), _mm512_set1_epi64((long long)kw->multiplier)), kw->shift);
    CHECK_GATHER64(kw->entry, slot, word, 8, 8);
    const __m512i entry = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), word, slot, kw->entry, 8);
    const __m512i top = _mm512_srli_epi64(entry, 56);
    // Under 8 letters: the letters match (so does the length: letters are never 0) and the top byte is classes.
    const __mmask8 short_word = _mm512_mask_cmplt_epu64_mask(word, len, eight);
    const __mmask8 hit = _mm512_mask_cmpeq_epi64_mask(
        short_word & _mm512_cmplt_epu64_mask(top, _mm512_set1_epi64(0x20)),
        _mm512_and_si512(entry, _mm512_set1_epi64(0x00FFFFFFFFFFFFFFll)), key0);
    __m512i cls = _mm512_maskz_mov_epi64(hit, top);
    const __mmask8 long_hit = _mm512_mask_cmpeq_epi64_mask(word & ~short_word, entry, key0);
    if (__builtin_expect(long_hit != 0, 0)) {
        uint64_t at[8], length[8], found[8];
        _mm512_storeu_si512(at, slot);
        _mm512_storeu_si512(length, len);
        _mm512_storeu_si512(found, cls);
        for (unsigned m = long_hit; m; m &= m - 1) {
            const int j = __builtin_ctz(m);
            const uint32_t info = kw->info[at[j]];
            if (info >> 8 != length[j]) continue;  // also when over 16 letters: no keyword is
            const uint64_t tail = length[j] > 8
                ? (load8(t, n, starts[j] + 8) | LOWER) & (~0ull >> (8 * (16 - length[j]))) : 0;
            if (tail == kw->key1[at[j]]) found[j] = info & 0xFF;
        }
        cls = _mm512_loadu_si512(found);
    }
    return cls;
}

// Counts the keyword classes `cls` of the group of `lanes` tokens at k0: "how many"/"how much" only when spaces and
// non-ASCII bytes alone come between the two words.
SCAN_INLINE void count_keywords(const uint8_t *t, __m512i cls, int k0, int lanes, const token_lists *tl,
                                scan_state *st, counts *c) {
    c->wh += __builtin_popcount(_mm512_test_epi64_mask(cls, _mm512_set1_epi64(1)));
    c->quantity += __builtin_popcount(_mm512_test_epi64_mask(cls, _mm512_set1_epi64(8)));
    c->unit += __builtin_popcount(_mm512_test_epi64_mask(cls, _mm512_set1_epi64(16)));
    const unsigned how = _mm512_test_epi64_mask(cls, _mm512_set1_epi64(2));
    const unsigned pairs = _mm512_test_epi64_mask(cls, _mm512_set1_epi64(4)) & (how << 1 | st->prev_how);
    if (__builtin_expect(pairs != 0, 0)) {
        for (unsigned m = pairs; m; m &= m - 1) {
            const int k = k0 + __builtin_ctz(m);
            int clean = 1;
            for (int64_t i = (k > 0 ? tl->end[k - 1] : st->prev_end) + 1; i < tl->start[k]; i++) {
                if (t[i] < 0x80 && !is_space(t[i])) clean = 0;
            }
            c->how_many += clean;
        }
    }
    st->prev_how = (how >> (lanes - 1)) & 1;
}

// A word is 1 + (len - 1) / 6 tokens (the division exact in doubles).
SCAN_INLINE __m512i word_token_count(__m512i len) {
    const __m512i one = _mm512_set1_epi64(1);
    return _mm512_add_epi64(_mm512_cvttpd_epu64(_mm512_div_pd(_mm512_cvtepu64_pd(_mm512_sub_epi64(len, one)),
                                                             _mm512_set1_pd(6.0))), one);
}

// One group of 8 tokens of the lists, as both pass-2 variants start it: their starts, lengths and first 8 bytes
// lowercased, which lanes are words; the words' token counts and lengths go into `tokens` and `longest`, and the
// group's keywords are counted.
typedef struct {
    __m512i start, len, lowered;
    __mmask8 valid, word;
    int lanes;
} token_group;

SCAN_INLINE token_group read_group(const uint8_t *t, int64_t n, const token_lists *tl, int k0, int count,
                                   scan_state *st, counts *c, const allot_keywords *kw, __m512i *tokens,
                                   __m512i *longest) {
    token_group g;
    g.lanes = count - k0 < 8 ? count - k0 : 8;
    g.valid = (__mmask8)((1u << g.lanes) - 1);
    g.start = _mm512_maskz_loadu_epi64(g.valid, tl->start + k0);
    g.len = _mm512_sub_epi64(_mm512_maskz_loadu_epi64(g.valid, tl->end + k0),
                             _mm512_sub_epi64(g.start, _mm512_set1_epi64(1)));
    g.lowered = _mm512_or_si512(gather8(t, n, g.start, g.valid, tl->start + k0, 0, g.lanes),
                                _mm512_set1_epi64((long long)LOWER));
    g.word = _mm512_mask_cmplt_epu64_mask(
        g.valid, _mm512_sub_epi64(_mm512_and_si512(g.lowered, _mm512_set1_epi64(0xFF)), _mm512_set1_epi64(0x61)),
        _mm512_set1_epi64(26));
    *tokens = _mm512_mask_add_epi64(*tokens, g.word, *tokens, word_token_count(g.len));
    *longest = _mm512_mask_max_epu64(*longest, g.word, *longest, g.len);
    count_keywords(t, keyword_classes(t, n, tl->start + k0, g.lowered, g.len, g.word, kw), k0, g.lanes, tl, st, c);
    return g;
}

// The words' tokens and longest length of a chunk (`read_group`'s sums) into the counts.
SCAN_INLINE void add_words(counts *c, __m512i tokens, __m512i longest) {
    c->tokens += _mm512_reduce_add_epi64(tokens);
    const int64_t longest_word = (int64_t)_mm512_reduce_max_epu64(longest);
    if (longest_word > c->max_word) c->max_word = longest_word;
}

// Pass 2 without n-gram buckets (the default model's): the tokens' lengths and keyword classes, no hashes.
SCAN_INLINE void count_words(const uint8_t *t, int64_t n, token_lists *tl, int count, scan_state *st, counts *c,
                             const allot_keywords *kw) {
    __m512i tokens = _mm512_setzero_si512(), longest = _mm512_setzero_si512();
    for (int k0 = 0; k0 < count; k0 += 8) read_group(t, n, tl, k0, count, st, c, kw, &tokens, &longest);
    if (count > 0) st->prev_end = tl->end[count - 1];
    add_words(c, tokens, longest);
}

// Pass 2 for the first `count` tokens of the lists, 8 at a time: the bucket of each n-gram is appended to
// `bucket_list` (returns how many). The hash chains run one order at a time over all groups, each group's chain
// independent of the others' (order r+1 starts from the order-r hashes already stored): 8 unrolled steps per
// group cover the first 8 bytes of every token; a batch with a word over 8 letters takes 8 more.
SCAN_INLINE int hash_tokens(const uint8_t *t, int64_t n, int order, token_lists *tl, int count, scan_state *st,
                            counts *c, const allot_keywords *kw, const bucket_math *bm, uint32_t *bucket_list) {
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi64(1);
    const __m512i lower = _mm512_set1_epi64((long long)LOWER);
    const __m512i eight = _mm512_set1_epi64(8);
    __m512i tokens = zero, longest = zero;
    int listed = 0;
    for (int r = 0; r < order; r++) tl->hash[r][0] = st->last[r];

    // The tokens' first 8 bytes and lengths, and their keyword classes.
    for (int k0 = 0; k0 < count; k0 += 8) {
        const token_group g = read_group(t, n, tl, k0, count, st, c, kw, &tokens, &longest);
        const int lanes = g.lanes;
        const __m512i s = g.start, len = g.len;
        const __mmask8 word = g.word;
        // A word hashes its lowercased letters, a number "#".
        const __m512i w0 = _mm512_mask_blend_epi64(word, _mm512_set1_epi64(0x23), g.lowered);
        const __m512i hashed = _mm512_mask_blend_epi64(word, _mm512_maskz_mov_epi64(g.valid, one), len);
        _mm512_storeu_si512(tl->w0 + k0, w0);
        tl->live[k0 / 8] = live_matrix(hashed);
        // Words over 8 letters (a few per prompt): their next 8 bytes, and those past 16 byte by byte.
        const __mmask8 over8 = _mm512_cmpgt_epu64_mask(hashed, eight);
        uint64_t live1 = 0;
        if (__builtin_expect(over8 != 0, 0)) {
            const __m512i w1 = gather8(t, n, _mm512_add_epi64(s, eight), over8, tl->start + k0, 8, lanes);
            live1 = live_matrix(_mm512_maskz_sub_epi64(over8, hashed, eight));
            _mm512_storeu_si512(tl->w1 + k0, _mm512_or_si512(w1, lower));
            tl->over16[k0 / 8] = (uint8_t)_mm512_cmpgt_epu64_mask(hashed, _mm512_set1_epi64(LONG));
        }
        tl->live1[k0 / 8] = live1;
    }
    // The groups past the last of the last batch hash nothing.
    const int groups = (count + 7) / 8;
    for (int g = groups; g < (groups + BATCH - 1) / BATCH * BATCH; g++) tl->live[g] = tl->live1[g] = 0;

    // The hash chains, one order at a time: order r+1 continues from the previous token's order-r hash and a
    // space. A chain's steps wait for each other (5 cycles each); BATCH groups' chains interleave.
    for (int r = 0; r < order; r++) {
        for (int g0 = 0; g0 < groups; g0 += BATCH) {
            __m512i h[BATCH];
            for (int b = 0; b < BATCH; b++) {
                h[b] = r == 0 ? _mm512_set1_epi64((long long)BASIS)
                              : after_space(_mm512_loadu_si512(tl->hash[r - 1] + 8 * (g0 + b)));
            }
            hash8_batch(h, tl->w0 + 8 * g0, tl->live + g0);
            uint64_t any = 0;
            for (int b = 0; b < BATCH; b++) any |= tl->live1[g0 + b];
            if (__builtin_expect(any != 0, 0)) {
                hash8_batch(h, tl->w1 + 8 * g0, tl->live1 + g0);
                for (int b = 0; b < BATCH; b++) {
                    const unsigned over16 = tl->live1[g0 + b] ? tl->over16[g0 + b] : 0;
                    if (__builtin_expect(over16 != 0, 0)) h[b] = finish_long(t, tl, 8 * (g0 + b), over16, h[b]);
                }
            }
            for (int b = 0; b < BATCH; b++) _mm512_storeu_si512(tl->hash[r] + 1 + 8 * (g0 + b), h[b]);
        }
    }

    // Buckets.
    const __m512i d = _mm512_set1_epi64((long long)bm->count);
    const __m512i d_mask = _mm512_set1_epi64((long long)(bm->count - 1));
    const int pow2 = bm->count > 0 && (bm->count & (bm->count - 1)) == 0;
    const __m512d inverse = _mm512_set1_pd(bm->small ? 1.0 / (double)bm->count : 0);
    for (int k0 = 0; k0 < count; k0 += 8) {
        const int lanes = count - k0 < 8 ? count - k0 : 8;
        const __mmask8 valid = (__mmask8)((1u << lanes) - 1);
        // Buckets of the n-grams that exist: order r+1 needs r tokens before.
        if (bm->count > 0) {
            for (int r = 0; r < order; r++) {
                const int missing = r > st->have ? r - st->have : 0;
                const __mmask8 exists = (__mmask8)(valid & (0xFFu << missing));
                const __m512i h = _mm512_loadu_si512(tl->hash[r] + 1 + k0);
                __m512i bucket;
                if (pow2) {
                    bucket = _mm512_and_si512(h, d_mask);
                } else if (bm->small) {
                    bucket = mod_small(h, d, inverse);
                } else {
                    uint64_t x[8];
                    _mm512_storeu_si512(x, h);
                    for (int j = 0; j < 8; j++) x[j] = mod_scalar(x[j], bm->count, bm->reciprocal);
                    bucket = _mm512_loadu_si512(x);
                }
                _mm256_storeu_si256((__m256i *)(bucket_list + listed),
                                    _mm512_cvtepi64_epi32(_mm512_maskz_compress_epi64(exists, bucket)));
                listed += __builtin_popcount(exists);
            }
        }
        st->have = st->have + lanes < 3 ? st->have + lanes : 3;
    }
    if (count > 0) {
        for (int r = 0; r < order; r++) st->last[r] = tl->hash[r][count];
        st->prev_end = tl->end[count - 1];
    }
    add_words(c, tokens, longest);
    return listed;
}

SCAN_INLINE void scan_order(const uint8_t *t, int64_t n, const allot_keywords *kw, int order, float *dense,
                            float *buckets, int64_t bucket_count) {
    counts c;
    memset(&c, 0, sizeof c);
    scan_state st;
    memset(&st, 0, sizeof st);
    st.pending_end = -1;
    st.prev_end = -1;
    token_lists tl;
    const uint64_t d = bucket_count > 0 ? (uint64_t)bucket_count : 0;
    const bucket_math bm = {d, d > 0 ? UINT64_MAX / d : 0, d > 0 && d < 65536};
    int starts = 0, ends = 0;
    for (int64_t chunk = 0; chunk < n; chunk += CHUNK) {
        const int64_t stop = chunk + CHUNK < n ? chunk + CHUNK : n;
        for (int64_t base = chunk; base < stop; base += 64) classify_block(t, n, base, &st, &c, &tl, &starts, &ends);
        int listed = 0;
        if (order == 0) count_words(t, n, &tl, ends, &st, &c, kw);
        else listed = hash_tokens(t, n, order, &tl, ends, &st, &c, kw, &bm, tl.buckets);
        for (int i = 0; i < listed; i++) buckets[tl.buckets[i]] += 1;
        // A token still open at the chunk's end (a word, or a number ending in a later block) carries over.
        if (starts > ends) tl.start[0] = tl.start[ends];
        starts -= ends;
        ends = 0;
    }
    if (st.content) c.sentences++;

    dense[0] = (float)n;
    dense[1] = (float)(n - c.continuation);
    dense[2] = (float)c.tokens;
    dense[3] = (float)c.words;
    dense[4] = (float)c.digits;
    dense[5] = (float)c.numbers;
    dense[6] = (float)c.max_int_digits;
    dense[7] = (float)c.decimals;
    dense[8] = (float)c.operators;
    dense[9] = (float)c.equals;
    dense[10] = (float)c.fractions;
    dense[11] = (float)c.latex;
    dense[12] = (float)c.latex_dollars;
    dense[13] = (float)c.money;
    dense[14] = (float)c.percents;
    dense[15] = (float)c.question_marks;
    dense[16] = (float)c.sentences;
    dense[17] = (float)c.how_many;
    dense[18] = (float)c.wh;
    dense[19] = (float)c.quantity;
    dense[20] = (float)c.unit;
    dense[21] = (float)c.capitalized;
    dense[22] = c.words > 0 ? (float)c.letters / (float)c.words : 0;
    dense[23] = (float)c.max_word;
    dense[24] = (float)c.commas;
    dense[25] = (float)c.brackets;
    dense[26] = (float)c.newlines;
    dense[27] = (float)c.non_ascii;
}

// One function per order, each laid out apart: inlined into one, the hot loops of the default order (0) moved
// with the others' code, and a build where they fell differently ran ~15% slower for the same instructions.
// Orders 0 to 2 (no buckets, unigrams, bigrams: what models use) have a copy each; 3 and 4 share one with the
// order as a variable (each copy is ~12 KB of a static allotd that must stay under 8 MB).
#define SCAN_ORDER(o)                                                                                              \
    SCAN_TARGET __attribute__((noinline)) static void scan_order##o(const uint8_t *t, int64_t n,                  \
                                                                    const allot_keywords *kw, float *dense,       \
                                                                    float *buckets, int64_t bucket_count) {       \
        scan_order(t, n, kw, o, dense, buckets, bucket_count);                                                    \
    }
SCAN_ORDER(0)
SCAN_ORDER(1)
SCAN_ORDER(2)
#undef SCAN_ORDER
SCAN_TARGET __attribute__((noinline)) static void scan_order_n(const uint8_t *t, int64_t n, const allot_keywords *kw,
                                                               int order, float *dense, float *buckets,
                                                               int64_t bucket_count) {
    scan_order(t, n, kw, order, dense, buckets, bucket_count);
}

SCAN_TARGET void allot_text_scan(const uint8_t *text, int64_t n, const allot_keywords *keywords, int ngram_max,
                                 float *dense, float *buckets, int64_t bucket_count) {
    // The passes an order does not need are not run (the Swift scan's specialization); order 0: no buckets, so no
    // hashes.
    const int order = bucket_count <= 0 ? 0 : ngram_max >= 1 && ngram_max <= 3 ? ngram_max : 4;
    if (bucket_count < 0) bucket_count = 0;
    switch (order) {
    case 0: scan_order0(text, n, keywords, dense, buckets, bucket_count); break;
    case 1: scan_order1(text, n, keywords, dense, buckets, bucket_count); break;
    case 2: scan_order2(text, n, keywords, dense, buckets, bucket_count); break;
    default: scan_order_n(text, n, keywords, order, dense, buckets, bucket_count); break;
    }
}
#else
void allot_text_scan(const uint8_t *text, int64_t n, const allot_keywords *keywords, int ngram_max, float *dense,
                     float *buckets, int64_t bucket_count) {
    (void)text; (void)n; (void)keywords; (void)ngram_max;
    (void)dense; (void)buckets; (void)bucket_count;
}
#endif
