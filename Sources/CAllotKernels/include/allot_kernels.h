#ifndef ALLOT_KERNELS_H
#define ALLOT_KERNELS_H
#include <stdint.h>

/// Whether this CPU can run the vector tree kernel (SSSE3 on x86_64); 0 elsewhere.
int allot_kernels_vector_available(void);
#endif
