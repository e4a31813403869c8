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

#endif
