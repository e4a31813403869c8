/* lathe — four float lanes (GCC/Clang vector extension) for the few DSP loops the
 * compiler will not vectorise by itself.
 *
 * Why: the build keeps IEEE semantics (-ftrapping-math, the default), under which
 * gcc does not if-convert a conditional in a loop (a comparison or division
 * might raise a flag), so any select in a per-sample loop stays scalar.  With
 * these types a select is a bitwise mask, written out, and the loop runs 4 lanes
 * per instruction on any x86-64 (SSE2) or AArch64 (NEON) target.
 * Loads and stores go through memcpy: unaligned-safe, compiled to movups. */
#ifndef LATHE_VEC_H
#define LATHE_VEC_H

#include <string.h>

typedef float v4sf __attribute__((vector_size(16)));
typedef int v4si __attribute__((vector_size(16)));

static inline v4sf v4_load(const float *p)
{
	v4sf v;
	memcpy(&v, p, sizeof v);
	return v;
}

static inline void v4_store(float *p, v4sf v) { memcpy(p, &v, sizeof v); }

static inline v4sf v4_set1(float x) { return (v4sf){ x, x, x, x }; }

/* mask ? a : b, lane by lane (mask lanes all ones or all zeros, as comparisons give) */
static inline v4sf v4_select(v4si mask, v4sf a, v4sf b) { return (v4sf)(((v4si)a & mask) | ((v4si)b & ~mask)); }

static inline v4sf v4_max(v4sf a, v4sf b) { return v4_select(a > b, a, b); }
static inline v4sf v4_min(v4sf a, v4sf b) { return v4_select(a < b, a, b); }

/* LATHE_WIDE on a hot array loop: gcc/clang emit it twice, for AVX2 (8 float lanes) and for
 * the baseline, and pick one at load time by CPUID (an ifunc resolved by the dynamic linker
 * before main, never in the RT thread).  The binary still runs on any x86-64.  Only for loops
 * of plain adds and multiplies: the AVX2 target has no FMA and ISO C mode does not contract,
 * so each lane computes the same operations in the same order and the results are identical
 * bit for bit on every CPU.  -DLATHE_NO_CLONES turns it off. */
#if defined(__x86_64__) && !defined(LATHE_NO_CLONES) && \
	((defined(__clang__) && __clang_major__ >= 14) || (!defined(__clang__) && defined(__GNUC__) && __GNUC__ >= 8))
#define LATHE_WIDE __attribute__((target_clones("avx2", "default")))
#define LATHE_HAVE_AVX2_PATH 1
/* For code written with 8-lane vectors, which the baseline would lower poorly: a
 * target("avx2") function called when this says so (non-RT: ask once, keep the answer). */
static inline int lathe_cpu_avx2(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("avx2");
}
#else
#define LATHE_WIDE
#define LATHE_HAVE_AVX2_PATH 0
static inline int lathe_cpu_avx2(void) { return 0; }
#endif

static inline v4sf v4_abs(v4sf a) { return (v4sf)((v4si)a & (v4si){ 0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff }); }

#if LATHE_HAVE_AVX2_PATH
/* Eight float lanes, for the target("avx2") paths picked by lathe_cpu_avx2() (crossover,
 * multiband, limiter).  Functions on them must be AVX2_INLINE (or target("avx2")): a
 * 32-byte vector passed by value outside AVX code changes the ABI. */
typedef float v8sf __attribute__((vector_size(32)));
typedef int v8si __attribute__((vector_size(32)));
#define AVX2_INLINE __attribute__((target("avx2"), always_inline)) static inline
/* mask ? a : b, lane by lane (as v4_select) */
#define V8_SEL(m, a, b) ((v8sf)(((v8si)(a) & (m)) | ((v8si)(b) & ~(m))))

AVX2_INLINE v8sf v8_set1(float x) { return (v8sf){ x, x, x, x, x, x, x, x }; }
AVX2_INLINE v8sf v8_max(v8sf a, v8sf b) { return V8_SEL(a > b, a, b); }
AVX2_INLINE v8sf v8_min(v8sf a, v8sf b) { return V8_SEL(a < b, a, b); }
/* four floats from p0 in lanes 0-3 and four from p1 in lanes 4-7, and back */
AVX2_INLINE v8sf v8_cat(const float *p0, const float *p1) { return __builtin_shufflevector(v4_load(p0), v4_load(p1), 0, 1, 2, 3, 4, 5, 6, 7); }
AVX2_INLINE void v8_split(v8sf v, float *p0, float *p1)
{
	v4_store(p0, __builtin_shufflevector(v, v, 0, 1, 2, 3));
	v4_store(p1, __builtin_shufflevector(v, v, 4, 5, 6, 7));
}
/* the two halves exchanged */
AVX2_INLINE v8sf v8_swap(v8sf v) { return __builtin_shufflevector(v, v, 4, 5, 6, 7, 0, 1, 2, 3); }
#endif

#endif
