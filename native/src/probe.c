/* The io_uring availability probe: tries io_uring_setup once and reports the raw facts (errno,
 * kernel release, RLIMIT_MEMLOCK, whether IORING_OP_READ is supported). Turning those into a
 * verdict and an actionable sentence is src/native/io-uring-probe.ts's job. */
#include "common.h"

#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__linux__) && __has_include(<linux/io_uring.h>)
#define RV_HAVE_IO_URING 1
#include <linux/io_uring.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif
#endif

static const char *errno_name(int err) {
  switch (err) {
    case 0: return "";
    case EPERM: return "EPERM";
    case ENOSYS: return "ENOSYS";
    case ENOMEM: return "ENOMEM";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EACCES: return "EACCES";
    case EAGAIN: return "EAGAIN";
    default: return "errno";
  }
}

static napi_value probe_io_uring(napi_env env, napi_callback_info info) {
  napi_value result;
  napi_create_object(env, &result);
  struct utsname uts;
  rv_set(env, result, "kernelRelease", rv_str(env, uname(&uts) == 0 ? uts.release : ""));
#ifdef RV_HAVE_IO_URING
  struct rlimit limit;
  double memlock = -1;
  if (getrlimit(RLIMIT_MEMLOCK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    memlock = (double)limit.rlim_cur;
  struct io_uring_params params;
  memset(&params, 0, sizeof params);
  int fd = (int)syscall(__NR_io_uring_setup, 4, &params);
  int err = fd < 0 ? errno : 0;
  int op_read = 0;
  if (fd >= 0) {
    /* IORING_REGISTER_PROBE (5.6+) lists supported ops; without it OP_READ (5.6) is missing. */
    size_t probe_size = sizeof(struct io_uring_probe) + 256 * sizeof(struct io_uring_probe_op);
    struct io_uring_probe *probe = calloc(1, probe_size);
    if (probe != NULL &&
        syscall(__NR_io_uring_register, fd, IORING_REGISTER_PROBE, probe, 256) == 0 &&
        probe->last_op >= IORING_OP_READ)
      op_read = (probe->ops[IORING_OP_READ].flags & IO_URING_OP_SUPPORTED) != 0;
    free(probe);
    close(fd);
  }
  rv_set(env, result, "supported", rv_bool(env, 1));
  rv_set(env, result, "errno", rv_number(env, err));
  rv_set(env, result, "errnoName", rv_str(env, errno_name(err)));
  rv_set(env, result, "memlockBytes", rv_number(env, memlock));
  rv_set(env, result, "opReadSupported", rv_bool(env, op_read));
#else
  rv_set(env, result, "supported", rv_bool(env, 0));
  rv_set(env, result, "errno", rv_number(env, ENOSYS));
  rv_set(env, result, "errnoName", rv_str(env, "ENOSYS"));
  rv_set(env, result, "memlockBytes", rv_number(env, -1));
  rv_set(env, result, "opReadSupported", rv_bool(env, 0));
#endif
  return result;
}

void rv_probe_init(napi_env env, napi_value exports) {
  rv_export(env, exports, "probeIoUring", probe_io_uring);
}
