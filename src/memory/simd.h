/*
 * simd.h: dot-product kernels of the vector index (embed_dot, the float32
 * one, is declared in embed.h).
 */
#ifndef MAANG_SIMD_H
#define MAANG_SIMD_H

#include <stdint.h>

/* Sum of A[i] * B[i] over DIM int8 values. */
int32_t simd_dot_i8(const int8_t *a, const int8_t *b, int dim);
/* "avx2" or "portable": the kernels in use. */
const char *simd_kernels(void);

#endif
