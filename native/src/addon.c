/* Entry point of the ringvec addon: argument helpers shared by every module and the N-API init
 * that registers each module's functions. Modules are split by concern (kernels.c, mmap.c,
 * probe.c, io_uring.c); this file owns nothing but the glue. */
#include "common.h"

#include <stdio.h>
#include <string.h>

void rv_throw_last(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  const napi_extended_error_info *info = NULL;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, "ERR_RINGVEC_NAPI",
                   info != NULL && info->error_message != NULL ? info->error_message
                                                               : "N-API call failed");
}

static const char *typed_name(napi_typedarray_type type) {
  switch (type) {
    case napi_uint8_array: return "Uint8Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    default: return "typed array";
  }
}

int rv_typed(napi_env env, napi_value v, napi_typedarray_type type, void **data, size_t *length,
             const char *what) {
  napi_typedarray_type actual;
  /* napi_get_typedarray_info itself rejects non-typed-arrays (napi_invalid_arg, nothing thrown). */
  if (napi_get_typedarray_info(env, v, &actual, length, data, NULL, NULL) != napi_ok ||
      actual != type) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a %s", what, typed_name(type));
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  if (*data == NULL) *length = 0; /* detached or empty */
  return 1;
}

int rv_u32(napi_env env, napi_value v, uint32_t *out, const char *what) {
  double d;
  if (!rv_f64(env, v, &d, what)) return 0;
  if (!(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    char message[128];
    snprintf(message, sizeof message, "%s must be an integer in [0, 2^32)", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return 0;
  }
  *out = (uint32_t)d;
  return 1;
}

int rv_i32(napi_env env, napi_value v, int32_t *out, const char *what) {
  double d;
  if (!rv_f64(env, v, &d, what)) return 0;
  if (!(d >= -2147483648.0 && d <= 2147483647.0) || d != (double)(int32_t)d) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a 32-bit integer", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return 0;
  }
  *out = (int32_t)d;
  return 1;
}

int rv_f64(napi_env env, napi_value v, double *out, const char *what) {
  if (napi_get_value_double(env, v, out) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a number", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  return 1;
}

int rv_index(napi_env env, napi_value v, uint64_t *out, const char *what) {
  double d;
  if (!rv_f64(env, v, &d, what)) return 0;
  if (!(d >= 0 && d <= 9007199254740991.0) || d != (double)(uint64_t)d) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a non-negative safe integer", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return 0;
  }
  *out = (uint64_t)d;
  return 1;
}

int rv_string(napi_env env, napi_value v, char *buf, size_t size, const char *what) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, v, buf, size, &length) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be a string", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  if (length + 1 >= size) {
    char message[128];
    snprintf(message, sizeof message, "%s is too long", what);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return 0;
  }
  return 1;
}

int rv_arraybuffer(napi_env env, napi_value v, void **data, size_t *length, const char *what) {
  bool is_ab = false;
  if (napi_is_arraybuffer(env, v, &is_ab) != napi_ok || !is_ab ||
      napi_get_arraybuffer_info(env, v, data, length) != napi_ok) {
    char message[128];
    snprintf(message, sizeof message, "%s must be an ArrayBuffer", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
    return 0;
  }
  if (*data == NULL) *length = 0;
  return 1;
}

napi_value rv_undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value rv_number(napi_env env, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  return v;
}

napi_value rv_bool(napi_env env, int value) {
  napi_value v;
  napi_get_boolean(env, value != 0, &v);
  return v;
}

napi_value rv_str(napi_env env, const char *value) {
  napi_value v;
  napi_create_string_utf8(env, value, NAPI_AUTO_LENGTH, &v);
  return v;
}

void rv_set(napi_env env, napi_value object, const char *key, napi_value value) {
  napi_set_named_property(env, object, key, value);
}

void rv_throw_code(napi_env env, const char *code, const char *message) {
  napi_value error, msg, code_value;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, NULL, msg, &error);
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_set_named_property(env, error, "code", code_value);
  napi_throw(env, error);
}

void rv_export(napi_env env, napi_value exports, const char *name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &f);
  napi_set_named_property(env, exports, name, f);
}

static napi_value init(napi_env env, napi_value exports) {
  rv_set(env, exports, "abiVersion", rv_number(env, 2));
  rv_kernels_init(env, exports);
  rv_mmap_init(env, exports);
  rv_probe_init(env, exports);
  rv_io_uring_init(env, exports);
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
