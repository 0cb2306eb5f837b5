#ifndef ALLOT_JSON_SCAN_H
#define ALLOT_JSON_SCAN_H
#include <stdint.h>

/// How many bytes from `p` (at most `n`) a JSON string holds as they are: none is '"', '\\', a control byte
/// (< 0x20) or non-ASCII (>= 0x80). SSE2, which every x86-64 has: 16 bytes per step, no dispatch.
int64_t allot_json_plain_run(const uint8_t *p, int64_t n);

#endif
