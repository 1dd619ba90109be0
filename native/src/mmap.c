/* Memory-mapping helpers: read-only MAP_SHARED mappings exposed as external ArrayBuffers,
 * madvise (and transparent huge pages for shared buffers), mincore residency,
 * posix_fadvise(DONTNEED) for cold-cache benchmarks, a bounds-checked record gather from a
 * mapping (the mmap BatchReader's copy loop), and per-thread nice values so optimizer threads
 * yield to search threads.
 *
 * Warning: touching a mapped page past the end of a file that shrank raises SIGBUS. Every copy
 * from a mapping here first checks the record against fstat's current size, which narrows that
 * to a truncation racing the copy itself. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#endif

typedef struct {
  void *addr;
  size_t length;
  int unmapped;
} mapping;

static size_t page_size(void) {
  static size_t cached;
  if (cached == 0) cached = (size_t)sysconf(_SC_PAGESIZE);
  return cached;
}

static void throw_errno(napi_env env, const char *what, const char *path, int err) {
  char message[512];
  if (path != NULL)
    snprintf(message, sizeof message, "%s %s failed: %s (errno %d)", what, path, strerror(err), err);
  else
    snprintf(message, sizeof message, "%s failed: %s (errno %d)", what, strerror(err), err);
  rv_throw_code(env, "ERR_RINGVEC_IO", message);
}

static void mapping_finalize(napi_env env, void *data, void *hint) {
  mapping *m = (mapping *)hint;
  if (!m->unmapped) munmap(m->addr, m->length);
  free(m);
}

/* mmapFile(path) -> ArrayBuffer */
static napi_value mmap_file(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !rv_string(env, argv[0], path, sizeof path, "path")) return NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno(env, "open", path, errno);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    throw_errno(env, "fstat", path, err);
    return NULL;
  }
  napi_value result;
  if (st.st_size == 0) {
    close(fd);
    void *unused;
    RV_CALL(env, napi_create_arraybuffer(env, 0, &unused, &result));
    return result;
  }
  size_t length = (size_t)st.st_size;
  void *addr = mmap(NULL, length, PROT_READ, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);
  if (addr == MAP_FAILED) {
    throw_errno(env, "mmap", path, err);
    return NULL;
  }
  mapping *m = calloc(1, sizeof *m);
  if (m == NULL) {
    munmap(addr, length);
    throw_errno(env, "mmap", path, ENOMEM);
    return NULL;
  }
  m->addr = addr;
  m->length = length;
  if (napi_create_external_arraybuffer(env, addr, length, mapping_finalize, m, &result) !=
      napi_ok) {
    munmap(addr, length);
    free(m);
    rv_throw_last(env);
    return NULL;
  }
  /* The wrap lets munmap() find the mapping; it owns nothing (the buffer's finalizer frees m). */
  if (napi_wrap(env, result, m, NULL, NULL, NULL) != napi_ok) {
    rv_throw_last(env);
    return NULL;
  }
  return result;
}

/* munmap(buffer): unmaps now and detaches the buffer; a no-op on other or already-unmapped buffers. */
static napi_value unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return NULL;
  void *data = NULL;
  if (napi_remove_wrap(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_value ignored;
    napi_get_and_clear_last_exception(env, &ignored);
    return NULL;
  }
  mapping *m = (mapping *)data;
  void *addr = m->addr;
  size_t length = m->length;
  m->unmapped = 1; /* before detaching: the finalizer may run as soon as the store is released */
  RV_CALL(env, napi_detach_arraybuffer(env, argv[0]));
  munmap(addr, length);
  return NULL;
}

/* Resolves [offset, offset + length) of a buffer to a page-aligned range inside it. */
static int page_range(napi_env env, napi_value *argv, char **start, size_t *span) {
  void *data;
  size_t buffer_length;
  uint64_t offset, length;
  if (!rv_arraybuffer(env, argv[0], &data, &buffer_length, "buffer") ||
      !rv_index(env, argv[1], &offset, "byteOffset") ||
      !rv_index(env, argv[2], &length, "byteLength"))
    return 0;
  if (offset + length > buffer_length) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "range exceeds the buffer");
    return 0;
  }
  if (length == 0) {
    *start = NULL;
    *span = 0;
    return 1;
  }
  uintptr_t first = (uintptr_t)data + offset;
  uintptr_t aligned = first & ~(uintptr_t)(page_size() - 1);
  *start = (char *)aligned;
  *span = (size_t)(first + length - aligned);
  return 1;
}

/* madvise(buffer, byteOffset, byteLength, advice): 0 normal, 1 random, 2 sequential,
 * 3 willneed, 4 dontneed. */
static napi_value do_madvise(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  char *start;
  size_t span;
  int32_t advice;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !page_range(env, argv, &start, &span) ||
      !rv_i32(env, argv[3], &advice, "advice"))
    return NULL;
  static const int ADVICE[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED,
                               MADV_DONTNEED};
  if (advice < 0 || advice > 4) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "advice must be 0..4");
    return NULL;
  }
  if (span > 0 && madvise(start, span, ADVICE[advice]) != 0) throw_errno(env, "madvise", NULL, errno);
  return NULL;
}

/* mincore(buffer, byteOffset, byteLength) -> resident page count */
static napi_value do_mincore(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  char *start;
  size_t span;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !page_range(env, argv, &start, &span)) return NULL;
  size_t pages = (span + page_size() - 1) / page_size();
  if (pages == 0) return rv_number(env, 0);
  unsigned char small[256];
  unsigned char *vec = pages <= sizeof small ? small : malloc(pages);
  if (vec == NULL) {
    throw_errno(env, "mincore", NULL, ENOMEM);
    return NULL;
  }
  size_t resident = 0;
  if (mincore(start, span, (void *)vec) != 0) {
    int err = errno;
    if (vec != small) free(vec);
    throw_errno(env, "mincore", NULL, err);
    return NULL;
  }
  for (size_t p = 0; p < pages; p++) resident += vec[p] & 1;
  if (vec != small) free(vec);
  return rv_number(env, (double)resident);
}

/* fadviseDontNeed(path): writes back and drops the file's cached pages (no root needed). */
static napi_value fadvise_dontneed(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char path[4096];
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !rv_string(env, argv[0], path, sizeof path, "path")) return NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw_errno(env, "open", path, errno);
    return NULL;
  }
  fdatasync(fd); /* DONTNEED drops only clean pages */
#ifdef POSIX_FADV_DONTNEED
  int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
#else
  int err = 0;
#endif
  close(fd);
  if (err != 0) throw_errno(env, "posix_fadvise", path, err);
  return NULL;
}

#ifdef __linux__
static pid_t thread_id(void) { return (pid_t)syscall(SYS_gettid); }
#endif

/* setThreadNice(nice): applies to the calling thread only (Linux threads have their own nice). */
static napi_value set_thread_nice(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t nice_value;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !rv_i32(env, argv[0], &nice_value, "nice")) return NULL;
#ifdef __linux__
  if (setpriority(PRIO_PROCESS, (id_t)thread_id(), nice_value) != 0)
    throw_errno(env, "setpriority", NULL, errno);
#else
  rv_throw_code(env, "ERR_RINGVEC_UNSUPPORTED", "per-thread nice is Linux-only");
#endif
  return NULL;
}

static napi_value get_thread_nice(napi_env env, napi_callback_info info) {
#ifdef __linux__
  errno = 0;
  int value = getpriority(PRIO_PROCESS, (id_t)thread_id());
  if (value == -1 && errno != 0) {
    throw_errno(env, "getpriority", NULL, errno);
    return NULL;
  }
  return rv_number(env, value);
#else
  return rv_number(env, 0);
#endif
}

static napi_value file_size(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || !rv_i32(env, argv[0], &fd, "fd")) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    throw_errno(env, "fstat", NULL, errno);
    return NULL;
  }
  return rv_number(env, (double)st.st_size);
}

/* gatherRecords(mapping, fd, headerBytes, strideBytes, recordBytes, records, count, out)
 * -> -1 when all copied, else the index of the first record past the end (see addon.ts). */
static napi_value gather_records(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  void *map;
  size_t map_len, records_len, out_len;
  int32_t fd;
  uint64_t header, stride, record_bytes;
  uint32_t count, *records;
  uint8_t *out;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 8 || !rv_arraybuffer(env, argv[0], &map, &map_len, "mapping") ||
      !rv_i32(env, argv[1], &fd, "fd") || !rv_index(env, argv[2], &header, "headerBytes") ||
      !rv_index(env, argv[3], &stride, "strideBytes") ||
      !rv_index(env, argv[4], &record_bytes, "recordBytes") ||
      !rv_typed(env, argv[5], napi_uint32_array, (void **)&records, &records_len, "records") ||
      !rv_u32(env, argv[6], &count, "count") ||
      !rv_typed(env, argv[7], napi_uint8_array, (void **)&out, &out_len, "out"))
    return NULL;
  if (count > records_len || (uint64_t)count * record_bytes > out_len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "count exceeds records or out length");
    return NULL;
  }
  uint64_t limit = map_len;
  if (fd >= 0) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
      throw_errno(env, "fstat", NULL, errno);
      return NULL;
    }
    if ((uint64_t)st.st_size < limit) limit = (uint64_t)st.st_size;
  }
  const uint8_t *src = (const uint8_t *)map;
  for (uint32_t k = 0; k < count; k++) {
    uint64_t offset = header + (uint64_t)records[k] * stride;
    if (offset + record_bytes > limit) return rv_number(env, k);
    memcpy(out + (size_t)k * record_bytes, src + offset, record_bytes);
  }
  return rv_number(env, -1);
}

/* adviseHugePages(bytes: Uint8Array) -> bytes advised. madvise(MADV_HUGEPAGE) over the
 * 2 MiB-aligned interior of a buffer of anonymous memory that search reads at random (quantized
 * codes, HNSW graphs, vectors held in RAM): with 4 KiB pages nearly every row is a TLB miss, and
 * in a virtual machine a two-level page walk. Called before the buffer is first written, so its
 * pages are allocated huge. Returns 0 where the kernel has no transparent huge pages or refuses:
 * a hint. */
static napi_value advise_huge_pages(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *data;
  size_t length;
  if (argc < 1 || !rv_typed(env, argv[0], napi_uint8_array, &data, &length, "bytes")) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t start = ((uintptr_t)data + huge - 1) & ~(huge - 1);
  uintptr_t end = ((uintptr_t)data + length) & ~(huge - 1);
  if (data == NULL || end <= start || madvise((void *)start, end - start, MADV_HUGEPAGE) != 0)
    return rv_number(env, 0);
  return rv_number(env, (double)(end - start));
#else
  (void)data;
  (void)length;
  return rv_number(env, 0);
#endif
}

void rv_mmap_init(napi_env env, napi_value exports) {
  rv_export(env, exports, "mmapFile", mmap_file);
  rv_export(env, exports, "munmap", unmap);
  rv_export(env, exports, "madvise", do_madvise);
  rv_export(env, exports, "adviseHugePages", advise_huge_pages);
  rv_export(env, exports, "mincore", do_mincore);
  rv_export(env, exports, "fadviseDontNeed", fadvise_dontneed);
  rv_export(env, exports, "setThreadNice", set_thread_nice);
  rv_export(env, exports, "getThreadNice", get_thread_nice);
  rv_export(env, exports, "fileSize", file_size);
  rv_export(env, exports, "gatherRecords", gather_records);
}
