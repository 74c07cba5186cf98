/*
 * simd.c: the two kernels every vector search spends its time in, a float32
 * and an int8 dot product. x86-64 machines with AVX2 and FMA get hand-written
 * versions (the compiler does not vectorise these reductions at -O2); others
 * the portable loops. The choice is made once, on first use.
 */
#include <pthread.h>
#include <stdint.h>

#include "memory/embed.h"
#include "memory/simd.h"

static float dot_f32_portable(const float *a, const float *b, int dim)
{
	float s[8] = {0};
	int i = 0;
	for (; i + 8 <= dim; i += 8)
		for (int k = 0; k < 8; k++)
			s[k] += a[i + k] * b[i + k];
	float t = 0;
	for (; i < dim; i++)
		t += a[i] * b[i];
	return t + ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

static int32_t dot_i8_portable(const int8_t *a, const int8_t *b, int dim)
{
	int32_t s = 0;
	for (int i = 0; i < dim; i++)
		s += (int16_t)a[i] * (int16_t)b[i];
	return s;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static float dot_f32_avx2(const float *a, const float *b,
                                                              int dim)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
	int i = 0;
	for (; i + 16 <= dim; i += 16) {
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
	}
	s0 = _mm256_add_ps(s0, s1);
	__m128 h = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
	h = _mm_add_ps(h, _mm_movehl_ps(h, h));
	h = _mm_add_ss(h, _mm_shuffle_ps(h, h, 1));
	float t = _mm_cvtss_f32(h);
	for (; i < dim; i++)
		t += a[i] * b[i];
	return t;
}

__attribute__((target("avx2"))) static int32_t dot_i8_avx2(const int8_t *a, const int8_t *b,
                                                           int dim)
{
	__m256i s = _mm256_setzero_si256(), s2 = _mm256_setzero_si256();
	int i = 0;
	/* Two independent sums, 32 values a round. */
	for (; i + 32 <= dim; i += 32) {
		__m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
		__m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i)));
		__m256i x2 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + i + 16)));
		__m256i y2 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i + 16)));
		s = _mm256_add_epi32(s, _mm256_madd_epi16(x, y));
		s2 = _mm256_add_epi32(s2, _mm256_madd_epi16(x2, y2));
	}
	for (; i + 16 <= dim; i += 16) {
		__m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(a + i)));
		__m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + i)));
		s = _mm256_add_epi32(s, _mm256_madd_epi16(x, y));
	}
	s = _mm256_add_epi32(s, s2);
	__m128i h = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
	h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0x4e));
	h = _mm_add_epi32(h, _mm_shuffle_epi32(h, 0xb1));
	int32_t t = _mm_cvtsi128_si32(h);
	for (; i < dim; i++)
		t += (int16_t)a[i] * (int16_t)b[i];
	return t;
}
#endif

static float (*dot_f32)(const float *, const float *, int) = dot_f32_portable;
static int32_t (*dot_i8)(const int8_t *, const int8_t *, int) = dot_i8_portable;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void pick(void)
{
#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		dot_f32 = dot_f32_avx2;
		dot_i8 = dot_i8_avx2;
	}
#endif
}

float embed_dot(const float *a, const float *b, int dim)
{
	pthread_once(&once, pick);
	return dot_f32(a, b, dim);
}

int32_t simd_dot_i8(const int8_t *a, const int8_t *b, int dim)
{
	pthread_once(&once, pick);
	return dot_i8(a, b, dim);
}

const char *simd_kernels(void)
{
	pthread_once(&once, pick);
	return dot_i8 == dot_i8_portable ? "portable" : "avx2";
}
