/* Shared helpers of the ringvec addon: argument unpacking with type checks (a wrong argument is a
 * JS TypeError/RangeError, never a crash) and the per-module registration entry points that
 * addon.c calls from its init. */
#ifndef RINGVEC_COMMON_H
#define RINGVEC_COMMON_H

#include <node_api.h>
#include <stddef.h>
#include <stdint.h>

#define RV_CALL(env, call)                                                                         \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      rv_throw_last(env);                                                                          \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

/* Throws the pending N-API error as a JS Error unless an exception is already pending. */
void rv_throw_last(napi_env env);

/* Each getter returns 1 on success; on failure it has thrown a TypeError naming `what`. */
int rv_typed(napi_env env, napi_value v, napi_typedarray_type type, void **data, size_t *length,
             const char *what);
int rv_u32(napi_env env, napi_value v, uint32_t *out, const char *what);
int rv_i32(napi_env env, napi_value v, int32_t *out, const char *what);
int rv_f64(napi_env env, napi_value v, double *out, const char *what);
/* A non-negative integer below 2^53 (byte offsets, lengths). */
int rv_index(napi_env env, napi_value v, uint64_t *out, const char *what);
/* Copies a JS string into buf (NUL-terminated). */
int rv_string(napi_env env, napi_value v, char *buf, size_t size, const char *what);
int rv_arraybuffer(napi_env env, napi_value v, void **data, size_t *length, const char *what);

napi_value rv_undefined(napi_env env);
napi_value rv_number(napi_env env, double value);
napi_value rv_bool(napi_env env, int value);
napi_value rv_str(napi_env env, const char *value);
void rv_set(napi_env env, napi_value object, const char *key, napi_value value);
/* Throws an Error whose `code` property is set (e.g. "ERR_RINGVEC_IO"). */
void rv_throw_code(napi_env env, const char *code, const char *message);

void rv_export(napi_env env, napi_value exports, const char *name, napi_callback fn);

/* Module registration, one per source file. */
void rv_kernels_init(napi_env env, napi_value exports);
void rv_mmap_init(napi_env env, napi_value exports);
void rv_probe_init(napi_env env, napi_value exports);
void rv_io_uring_init(napi_env env, napi_value exports);

#endif
