/* SIMD distance kernels, bit-identical to the TypeScript references (typescript-kernels.ts and
 * quantized-kernels.ts in src/kernels).
 *
 * Float kernels: every term is computed in float64 and added to accumulator acc[i % 8] in
 * increasing i; the result is ((acc0+acc1)+(acc2+acc3)) + ((acc4+acc5)+(acc6+acc7)), stored as
 * float32. Eight float64 lanes are exactly one AVX-512 register or two AVX2 registers, so the SIMD
 * versions keep the reference's association; speed comes from scoring four rows at a time (four
 * independent dependency chains) instead of reassociating. Built with -ffp-contract=off: a fused
 * d*d+acc would round differently from the reference for l2sq.
 *
 * Quantized kernels are exact integer arithmetic (any order gives the same sum mod 2^32, which is
 * what an Int32Array store of the reference's exact double sum yields), except pqLookup, whose
 * float64 sum runs in subspace order exactly as the reference.
 *
 * Every ISA variant is exported (`kernels.avx512`, `kernels.avx2`, `kernels.scalar`) so tests can
 * compare each against the reference; `kernelIsa` names the best one this CPU runs. */
#include "common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define RV_X86 1
#include <immintrin.h>
#endif

enum { OP_DOT = 0, OP_L2SQ = 1, OP_L1 = 2 };

static inline double reduce8(const double *acc) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

static inline double finish(int op, double sum) { return op == OP_DOT ? sum : -sum; }

/* Rows scored by offset are scattered over a large array (HNSW neighbours): each one is a run of
 * cache misses the hardware prefetcher cannot predict. Asking for the next rows' lines while the
 * current one is scored overlaps those misses. Only the first PREFETCH_BYTES of a row: past that
 * the hardware's stream prefetcher follows the row on its own. */
#define PREFETCH_BYTES 1024
#define PREFETCH_LINES_IN_FLIGHT 32

static inline void prefetch_row(const void *row, size_t bytes) {
  const char *p = (const char *)row;
  size_t n = bytes < PREFETCH_BYTES ? bytes : PREFETCH_BYTES;
  for (size_t at = 0; at < n; at += 64) __builtin_prefetch(p + at, 0, 3);
}

/* How many rows ahead to prefetch so that about PREFETCH_LINES_IN_FLIGHT lines are requested. */
static inline uint32_t prefetch_distance(size_t row_bytes) {
  size_t lines = (row_bytes < PREFETCH_BYTES ? row_bytes : PREFETCH_BYTES) / 64 + 1;
  size_t rows = PREFETCH_LINES_IN_FLIGHT / lines;
  return rows < 1 ? 1 : rows > 8 ? 8 : (uint32_t)rows;
}

/* ---------------------------------------------------------------- scalar */

static inline __attribute__((always_inline)) double term_scalar(int op, float a, float b) {
  double x = (double)a, y = (double)b;
  if (op == OP_DOT) return x * y;
  double d = x - y;
  return op == OP_L2SQ ? d * d : fabs(d);
}

static inline __attribute__((always_inline)) double row_scalar(int op, const float *q,
                                                               const float *r, size_t dim) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  for (size_t i = 0; i < dim; i++) acc[i & 7] += term_scalar(op, q[i], r[i]);
  return finish(op, reduce8(acc));
}

/* ---------------------------------------------------------------- AVX2 */
#ifdef RV_X86
#define AVX2_TARGET __attribute__((target("avx2,fma,popcnt")))

AVX2_TARGET static inline __attribute__((always_inline)) __m256d term_avx2(int op, __m256d x,
                                                                          __m256d y) {
  if (op == OP_DOT) return _mm256_mul_pd(x, y);
  __m256d d = _mm256_sub_pd(x, y);
  if (op == OP_L2SQ) return _mm256_mul_pd(d, d);
  return _mm256_andnot_pd(_mm256_set1_pd(-0.0), d);
}

AVX2_TARGET static inline __attribute__((always_inline)) __m256i tail_mask_avx2(size_t rest) {
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rest), lanes);
}

/* Scores rows r[0..n) (n <= 4) against q: four independent accumulator pairs. Lanes beyond the
 * tail load zeros, and adding the resulting +0 term leaves an accumulator unchanged (it is never
 * -0: it starts at +0 and only a sum of two -0 is -0). */
#define AVX2_ROWS(OPNAME, OP)                                                                      \
  AVX2_TARGET static void rows_avx2_##OPNAME(const float *q, const float *const *r, int n,         \
                                             size_t dim, double *out) {                            \
    __m256d lo[4], hi[4];                                                                          \
    for (int k = 0; k < 4; k++) lo[k] = hi[k] = _mm256_setzero_pd();                               \
    size_t i = 0;                                                                                  \
    for (; i + 8 <= dim; i += 8) {                                                                 \
      __m256 qv = _mm256_loadu_ps(q + i);                                                          \
      __m256d qlo = _mm256_cvtps_pd(_mm256_castps256_ps128(qv));                                   \
      __m256d qhi = _mm256_cvtps_pd(_mm256_extractf128_ps(qv, 1));                                 \
      for (int k = 0; k < 4; k++) {                                                                \
        if (k >= n) break;                                                                         \
        __m256 rv = _mm256_loadu_ps(r[k] + i);                                                     \
        lo[k] = _mm256_add_pd(lo[k],                                                               \
                              term_avx2(OP, qlo, _mm256_cvtps_pd(_mm256_castps256_ps128(rv))));    \
        hi[k] = _mm256_add_pd(hi[k],                                                               \
                              term_avx2(OP, qhi, _mm256_cvtps_pd(_mm256_extractf128_ps(rv, 1))));  \
      }                                                                                            \
    }                                                                                              \
    if (i < dim) {                                                                                 \
      __m256i mask = tail_mask_avx2(dim - i);                                                      \
      __m256 qv = _mm256_maskload_ps(q + i, mask);                                                 \
      __m256d qlo = _mm256_cvtps_pd(_mm256_castps256_ps128(qv));                                   \
      __m256d qhi = _mm256_cvtps_pd(_mm256_extractf128_ps(qv, 1));                                 \
      for (int k = 0; k < n; k++) {                                                                \
        __m256 rv = _mm256_maskload_ps(r[k] + i, mask);                                            \
        lo[k] = _mm256_add_pd(lo[k],                                                               \
                              term_avx2(OP, qlo, _mm256_cvtps_pd(_mm256_castps256_ps128(rv))));    \
        hi[k] = _mm256_add_pd(hi[k],                                                               \
                              term_avx2(OP, qhi, _mm256_cvtps_pd(_mm256_extractf128_ps(rv, 1))));  \
      }                                                                                            \
    }                                                                                              \
    for (int k = 0; k < n; k++) {                                                                  \
      double acc[8];                                                                               \
      _mm256_storeu_pd(acc, lo[k]);                                                                \
      _mm256_storeu_pd(acc + 4, hi[k]);                                                            \
      out[k] = finish(OP, reduce8(acc));                                                           \
    }                                                                                              \
  }
AVX2_ROWS(dot, OP_DOT)
AVX2_ROWS(l2sq, OP_L2SQ)
AVX2_ROWS(l1, OP_L1)

/* ---------------------------------------------------------------- AVX-512 */
#define AVX512_TARGET __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,popcnt")))

AVX512_TARGET static inline __attribute__((always_inline)) __m512d term_avx512(int op, __m512d x,
                                                                              __m512d y) {
  if (op == OP_DOT) return _mm512_mul_pd(x, y);
  __m512d d = _mm512_sub_pd(x, y);
  if (op == OP_L2SQ) return _mm512_mul_pd(d, d);
  return _mm512_abs_pd(d);
}

#define AVX512_ROWS(OPNAME, OP)                                                                    \
  AVX512_TARGET static void rows_avx512_##OPNAME(const float *q, const float *const *r, int n,     \
                                                 size_t dim, double *out) {                        \
    __m512d acc[4];                                                                                \
    for (int k = 0; k < 4; k++) acc[k] = _mm512_setzero_pd();                                      \
    size_t i = 0;                                                                                  \
    for (; i + 8 <= dim; i += 8) {                                                                 \
      __m512d qv = _mm512_cvtps_pd(_mm256_loadu_ps(q + i));                                        \
      for (int k = 0; k < 4; k++) {                                                                \
        if (k >= n) break;                                                                         \
        acc[k] = _mm512_add_pd(acc[k], term_avx512(OP, qv, _mm512_cvtps_pd(_mm256_loadu_ps(r[k] + i)))); \
      }                                                                                            \
    }                                                                                              \
    if (i < dim) {                                                                                 \
      __mmask8 mask = (__mmask8)((1u << (dim - i)) - 1u);                                          \
      __m512d qv = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(mask, q + i));                            \
      for (int k = 0; k < n; k++) {                                                                \
        acc[k] = _mm512_add_pd(                                                                    \
            acc[k], term_avx512(OP, qv, _mm512_cvtps_pd(_mm256_maskz_loadu_ps(mask, r[k] + i))));  \
      }                                                                                            \
    }                                                                                              \
    for (int k = 0; k < n; k++) {                                                                  \
      double lanes[8];                                                                             \
      _mm512_storeu_pd(lanes, acc[k]);                                                             \
      out[k] = finish(OP, reduce8(lanes));                                                         \
    }                                                                                              \
  }
AVX512_ROWS(dot, OP_DOT)
AVX512_ROWS(l2sq, OP_L2SQ)
AVX512_ROWS(l1, OP_L1)
#endif

#define SCALAR_ROWS(OPNAME, OP)                                                                    \
  static void rows_scalar_##OPNAME(const float *q, const float *const *r, int n, size_t dim,       \
                                   double *out) {                                                  \
    for (int k = 0; k < n; k++) out[k] = row_scalar(OP, q, r[k], dim);                             \
  }
SCALAR_ROWS(dot, OP_DOT)
SCALAR_ROWS(l2sq, OP_L2SQ)
SCALAR_ROWS(l1, OP_L1)

typedef void (*rows_fn)(const float *q, const float *const *r, int n, size_t dim, double *out);

/* ---------------------------------------------------------------- quantized */

static int32_t u8dot_scalar(const uint8_t *q, const uint8_t *r, size_t n) {
  uint32_t sum = 0;
  for (size_t j = 0; j < n; j++) sum += (uint32_t)q[j] * r[j];
  return (int32_t)sum;
}

static inline uint32_t popcount_bytes(const uint8_t *a, const uint8_t *b, size_t n, int and_op) {
  uint32_t bits = 0;
  size_t j = 0;
  for (; j + 8 <= n; j += 8) {
    uint64_t x, y;
    memcpy(&x, a + j, 8);
    memcpy(&y, b + j, 8);
    bits += (uint32_t)__builtin_popcountll(and_op ? (x & y) : (x ^ y));
  }
  for (; j < n; j++) bits += (uint32_t)__builtin_popcount(and_op ? (a[j] & b[j]) : (a[j] ^ b[j]));
  return bits;
}

static uint32_t popcount_scalar(const uint8_t *a, const uint8_t *b, size_t n, int and_op) {
  return popcount_bytes(a, b, n, and_op);
}

#ifdef RV_X86
AVX2_TARGET static int32_t u8dot_avx2(const uint8_t *q, const uint8_t *r, size_t n) {
  __m256i acc = _mm256_setzero_si256();
  size_t j = 0;
  for (; j + 16 <= n; j += 16) {
    __m256i qv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(q + j)));
    __m256i rv = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(r + j)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(qv, rv));
  }
  uint32_t lanes[8];
  _mm256_storeu_si256((__m256i *)lanes, acc);
  uint32_t sum = 0;
  for (int k = 0; k < 8; k++) sum += lanes[k];
  for (; j < n; j++) sum += (uint32_t)q[j] * r[j];
  return (int32_t)sum;
}

AVX2_TARGET static uint32_t popcount_avx2(const uint8_t *a, const uint8_t *b, size_t n,
                                          int and_op) {
  return popcount_bytes(a, b, n, and_op);
}

AVX512_TARGET static int32_t u8dot_avx512(const uint8_t *q, const uint8_t *r, size_t n) {
  __m512i acc = _mm512_setzero_si512();
  size_t j = 0;
  for (; j + 32 <= n; j += 32) {
    __m512i qv = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(q + j)));
    __m512i rv = _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)(r + j)));
    acc = _mm512_add_epi32(acc, _mm512_madd_epi16(qv, rv));
  }
  uint32_t sum = (uint32_t)_mm512_reduce_add_epi32(acc);
  for (; j < n; j++) sum += (uint32_t)q[j] * r[j];
  return (int32_t)sum;
}
#endif

typedef int32_t (*u8dot_fn)(const uint8_t *q, const uint8_t *r, size_t n);
typedef uint32_t (*popcount_fn)(const uint8_t *a, const uint8_t *b, size_t n, int and_op);

typedef struct {
  const char *name;
  rows_fn rows[3];
  u8dot_fn u8dot;
  popcount_fn popcount;
} isa_table;

static const isa_table ISA_SCALAR = {
    "scalar", {rows_scalar_dot, rows_scalar_l2sq, rows_scalar_l1}, u8dot_scalar, popcount_scalar};
#ifdef RV_X86
static const isa_table ISA_AVX2 = {
    "avx2", {rows_avx2_dot, rows_avx2_l2sq, rows_avx2_l1}, u8dot_avx2, popcount_avx2};
static const isa_table ISA_AVX512 = {
    "avx512", {rows_avx512_dot, rows_avx512_l2sq, rows_avx512_l1}, u8dot_avx512, popcount_avx2};
#endif

/* ---------------------------------------------------------------- N-API glue */

static int get_op(napi_env env, napi_value v, int *op) {
  int32_t value;
  if (!rv_i32(env, v, &value, "op")) return 0;
  if (value < OP_DOT || value > OP_L1) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "op must be 0 (dot), 1 (l2sq) or 2 (l1)");
    return 0;
  }
  *op = value;
  return 1;
}

static void throw_row_range(napi_env env, uint64_t row, size_t end_needed, size_t length) {
  char message[160];
  snprintf(message, sizeof message, "row %llu needs elements up to %zu but base has %zu",
           (unsigned long long)row, end_needed, length);
  napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
}

static const isa_table *isa_of(napi_env env, napi_callback_info info, size_t *argc,
                               napi_value *argv) {
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, NULL, &data) != napi_ok) return NULL;
  return (const isa_table *)data;
}

/* Shared by scoreOffsets and scoreRange: offsets == NULL means rows first, first+1, …. */
static napi_value score_rows(napi_env env, napi_callback_info info, int ranged) {
  size_t argc = 7;
  napi_value argv[7];
  const isa_table *isa = isa_of(env, info, &argc, argv);
  if (isa == NULL || argc < 7) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected 7 arguments");
    return NULL;
  }
  int op;
  float *q, *base, *out;
  size_t dim, base_len, out_len, offsets_len = 0;
  uint32_t stride, count, first = 0;
  uint32_t *offsets = NULL;
  if (!get_op(env, argv[0], &op) ||
      !rv_typed(env, argv[1], napi_float32_array, (void **)&q, &dim, "query") ||
      !rv_typed(env, argv[2], napi_float32_array, (void **)&base, &base_len, "base") ||
      !rv_u32(env, argv[3], &stride, "strideFloats"))
    return NULL;
  if (ranged) {
    if (!rv_u32(env, argv[4], &first, "first")) return NULL;
  } else if (!rv_typed(env, argv[4], napi_uint32_array, (void **)&offsets, &offsets_len,
                       "offsets")) {
    return NULL;
  }
  if (!rv_u32(env, argv[5], &count, "count") ||
      !rv_typed(env, argv[6], napi_float32_array, (void **)&out, &out_len, "out"))
    return NULL;
  if (count > out_len || (!ranged && count > offsets_len)) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "count exceeds offsets or out length");
    return NULL;
  }
  /* Every row is checked before any is read or prefetched. */
  for (uint32_t k = 0; k < count; k++) {
    uint64_t row = ranged ? (uint64_t)first + k : offsets[k];
    uint64_t start = row * stride;
    if (start + dim > base_len) {
      throw_row_range(env, row, (size_t)(start + dim), base_len);
      return NULL;
    }
  }
  rows_fn rows = isa->rows[op];
  const float *r[4];
  uint32_t i = 0;
  if (!ranged) {
    for (uint32_t k = 0; k < 4 && k < count; k++)
      prefetch_row(base + (uint64_t)offsets[k] * stride, (size_t)dim * sizeof(float));
  }
  while (i < count) {
    if (!ranged) {
      for (uint32_t k = i + 4; k < i + 8 && k < count; k++)
        prefetch_row(base + (uint64_t)offsets[k] * stride, (size_t)dim * sizeof(float));
    }
    int n = 0;
    for (; n < 4 && i + (uint32_t)n < count; n++) {
      uint64_t row = ranged ? (uint64_t)first + i + (uint64_t)n : offsets[i + (uint32_t)n];
      r[n] = base + row * stride;
    }
    double scores[4];
    rows(q, r, n, dim, scores);
    for (int k = 0; k < n; k++) out[i + (uint32_t)k] = (float)scores[k];
    i += (uint32_t)n;
  }
  return NULL;
}

static napi_value score_offsets(napi_env env, napi_callback_info info) {
  return score_rows(env, info, 0);
}

static napi_value score_range(napi_env env, napi_callback_info info) {
  return score_rows(env, info, 1);
}

/* pair(op, a, aStart, b, bStart, dim) -> number (already rounded to float32). */
static napi_value pair(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  const isa_table *isa = isa_of(env, info, &argc, argv);
  if (isa == NULL || argc < 6) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected 6 arguments");
    return NULL;
  }
  int op;
  float *a, *b;
  size_t a_len, b_len;
  uint32_t a_start, b_start, dim;
  if (!get_op(env, argv[0], &op) ||
      !rv_typed(env, argv[1], napi_float32_array, (void **)&a, &a_len, "a") ||
      !rv_u32(env, argv[2], &a_start, "aStart") ||
      !rv_typed(env, argv[3], napi_float32_array, (void **)&b, &b_len, "b") ||
      !rv_u32(env, argv[4], &b_start, "bStart") || !rv_u32(env, argv[5], &dim, "dim"))
    return NULL;
  if ((uint64_t)a_start + dim > a_len || (uint64_t)b_start + dim > b_len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "pair range exceeds an input's length");
    return NULL;
  }
  const float *r[1] = {b + b_start};
  double score;
  isa->rows[op](a + a_start, r, 1, dim, &score);
  return rv_number(env, (double)(float)score);
}

/* Quantized kernels share one shape: (query…, base, strideBytes, offsets, count, out). */
typedef struct {
  uint8_t *base;
  size_t base_len;
  uint32_t stride;
  uint32_t *offsets;
  uint32_t count;
} rows_args;

static int get_rows_args(napi_env env, napi_value *argv, rows_args *a, size_t row_bytes,
                         size_t out_len) {
  size_t offsets_len;
  if (!rv_typed(env, argv[0], napi_uint8_array, (void **)&a->base, &a->base_len, "base") ||
      !rv_u32(env, argv[1], &a->stride, "strideBytes") ||
      !rv_typed(env, argv[2], napi_uint32_array, (void **)&a->offsets, &offsets_len, "offsets") ||
      !rv_u32(env, argv[3], &a->count, "count"))
    return 0;
  if (a->count > offsets_len || a->count > out_len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "count exceeds offsets or out length");
    return 0;
  }
  for (uint32_t i = 0; i < a->count; i++) {
    uint64_t start = (uint64_t)a->offsets[i] * a->stride;
    if (start + row_bytes > a->base_len) {
      throw_row_range(env, a->offsets[i], (size_t)(start + row_bytes), a->base_len);
      return 0;
    }
  }
  return 1;
}

/* u8DotOffsets / xorPopcountOffsets(query, base, strideBytes, offsets, count, out) */
static napi_value byte_rows(napi_env env, napi_callback_info info, int xor_op) {
  size_t argc = 6;
  napi_value argv[6];
  const isa_table *isa = isa_of(env, info, &argc, argv);
  if (isa == NULL || argc < 6) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected 6 arguments");
    return NULL;
  }
  uint8_t *q;
  size_t q_len, out_len;
  int32_t *out;
  rows_args a;
  if (!rv_typed(env, argv[0], napi_uint8_array, (void **)&q, &q_len, "query") ||
      !rv_typed(env, argv[5], napi_int32_array, (void **)&out, &out_len, "out") ||
      !get_rows_args(env, argv + 1, &a, q_len, out_len))
    return NULL;
  uint32_t ahead = prefetch_distance(q_len);
  for (uint32_t i = 0; i < a.count && i < ahead; i++)
    prefetch_row(a.base + (size_t)a.offsets[i] * a.stride, q_len);
  for (uint32_t i = 0; i < a.count; i++) {
    if (i + ahead < a.count) prefetch_row(a.base + (size_t)a.offsets[i + ahead] * a.stride, q_len);
    const uint8_t *row = a.base + (size_t)a.offsets[i] * a.stride;
    out[i] = xor_op ? (int32_t)isa->popcount(q, row, q_len, 0) : isa->u8dot(q, row, q_len);
  }
  return NULL;
}

static napi_value u8_dot_offsets(napi_env env, napi_callback_info info) {
  return byte_rows(env, info, 0);
}

static napi_value xor_popcount_offsets(napi_env env, napi_callback_info info) {
  return byte_rows(env, info, 1);
}

/* andPopcountOffsets(query, planes, rowBytes, base, strideBytes, offsets, count, out) */
static napi_value and_popcount_offsets(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  const isa_table *isa = isa_of(env, info, &argc, argv);
  if (isa == NULL || argc < 8) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected 8 arguments");
    return NULL;
  }
  uint8_t *q;
  size_t q_len, out_len;
  uint32_t planes, row_bytes;
  int32_t *out;
  rows_args a;
  if (!rv_typed(env, argv[0], napi_uint8_array, (void **)&q, &q_len, "query") ||
      !rv_u32(env, argv[1], &planes, "planes") || !rv_u32(env, argv[2], &row_bytes, "rowBytes") ||
      !rv_typed(env, argv[7], napi_int32_array, (void **)&out, &out_len, "out") ||
      !get_rows_args(env, argv + 3, &a, row_bytes, out_len))
    return NULL;
  if ((uint64_t)planes * row_bytes > q_len || planes > 31) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "query shorter than planes * rowBytes");
    return NULL;
  }
  for (uint32_t i = 0; i < a.count; i++) {
    const uint8_t *row = a.base + (size_t)a.offsets[i] * a.stride;
    uint32_t sum = 0;
    for (uint32_t p = 0; p < planes; p++)
      sum += isa->popcount(q + (size_t)p * row_bytes, row, row_bytes, 1) << p;
    out[i] = (int32_t)sum;
  }
  return NULL;
}

/* pqLookupOffsets(lut, subspaces, base, strideBytes, offsets, count, out): float64 sum in
 * subspace order; four rows at a time only to overlap their latency chains. */
static napi_value pq_lookup_offsets(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  const isa_table *isa = isa_of(env, info, &argc, argv);
  if (isa == NULL || argc < 7) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "expected 7 arguments");
    return NULL;
  }
  float *lut, *out;
  size_t lut_len, out_len;
  uint32_t subspaces;
  rows_args a;
  if (!rv_typed(env, argv[0], napi_float32_array, (void **)&lut, &lut_len, "lut") ||
      !rv_u32(env, argv[1], &subspaces, "subspaces") ||
      !rv_typed(env, argv[6], napi_float32_array, (void **)&out, &out_len, "out") ||
      !get_rows_args(env, argv + 2, &a, subspaces, out_len))
    return NULL;
  if ((uint64_t)subspaces * 256 > lut_len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "lut shorter than subspaces * 256");
    return NULL;
  }
  uint32_t i = 0;
  for (; i + 4 <= a.count; i += 4) {
    const uint8_t *r0 = a.base + (size_t)a.offsets[i] * a.stride;
    const uint8_t *r1 = a.base + (size_t)a.offsets[i + 1] * a.stride;
    const uint8_t *r2 = a.base + (size_t)a.offsets[i + 2] * a.stride;
    const uint8_t *r3 = a.base + (size_t)a.offsets[i + 3] * a.stride;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (uint32_t s = 0; s < subspaces; s++) {
      const float *t = lut + (size_t)s * 256;
      s0 += t[r0[s]];
      s1 += t[r1[s]];
      s2 += t[r2[s]];
      s3 += t[r3[s]];
    }
    out[i] = (float)s0;
    out[i + 1] = (float)s1;
    out[i + 2] = (float)s2;
    out[i + 3] = (float)s3;
  }
  for (; i < a.count; i++) {
    const uint8_t *r0 = a.base + (size_t)a.offsets[i] * a.stride;
    double s0 = 0;
    for (uint32_t s = 0; s < subspaces; s++) s0 += lut[(size_t)s * 256 + r0[s]];
    out[i] = (float)s0;
  }
  return NULL;
}

static napi_value make_table(napi_env env, const isa_table *isa) {
  static const struct {
    const char *name;
    napi_callback fn;
  } FNS[] = {
      {"scoreOffsets", score_offsets},
      {"scoreRange", score_range},
      {"pair", pair},
      {"u8DotOffsets", u8_dot_offsets},
      {"xorPopcountOffsets", xor_popcount_offsets},
      {"andPopcountOffsets", and_popcount_offsets},
      {"pqLookupOffsets", pq_lookup_offsets},
  };
  napi_value table;
  napi_create_object(env, &table);
  for (size_t k = 0; k < sizeof FNS / sizeof FNS[0]; k++) {
    napi_value f;
    napi_create_function(env, FNS[k].name, NAPI_AUTO_LENGTH, FNS[k].fn, (void *)isa, &f);
    napi_set_named_property(env, table, FNS[k].name, f);
  }
  rv_set(env, table, "isa", rv_str(env, isa->name));
  return table;
}

void rv_kernels_init(napi_env env, napi_value exports) {
  napi_value all;
  napi_create_object(env, &all);
  const char *best = "scalar";
  rv_set(env, all, "scalar", make_table(env, &ISA_SCALAR));
#ifdef RV_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("popcnt")) {
    rv_set(env, all, "avx2", make_table(env, &ISA_AVX2));
    best = "avx2";
  }
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt")) {
    rv_set(env, all, "avx512", make_table(env, &ISA_AVX512));
    best = "avx512";
  }
#endif
  rv_set(env, exports, "kernels", all);
  rv_set(env, exports, "kernelIsa", rv_str(env, best));
}
