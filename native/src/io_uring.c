/* The io_uring batch reader: one ring per JS thread (per napi_env), raw syscalls, no liburing.
 *
 * A read call first copies the records that are already in the page cache (mincore on a mapping
 * of the file, or preadv2 with RWF_NOWAIT) so warm data costs what mmap costs, then queues the
 * rest as a job, records adjacent in the file and in the output merged into reads of up to
 * MERGE_BYTES (a scan reads 128 KiB at a time, not 3 KiB). Jobs share the ring in a rolling
 * pipeline: each keeps up to its queue depth of reads in flight and is refilled as completions
 * arrive. Completions are signalled through an eventfd registered with the ring and polled by the
 * thread's libuv loop, so a read returns a Promise and the event loop never waits on the disk.
 *
 * Every read lands in a pooled slot buffer (4 KiB aligned, so O_DIRECT works; allocated once and
 * reused) and is copied into the caller's Uint8Array on completion, after re-fetching its pointer.
 * The kernel therefore never writes into JS-owned memory, which JS could detach or free.
 *
 * Short reads are resubmitted for the remainder, -EAGAIN/-EINTR completions are retried, EINTR
 * from io_uring_enter is retried; any other failure rejects the job with a message naming the
 * file and byte offset. When the environment is torn down (worker exit) the cleanup hook waits
 * for the reads the kernel still owns before freeing their buffers. */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__linux__) && __has_include(<linux/io_uring.h>)
#define RV_HAVE_IO_URING 1
#endif

#ifdef RV_HAVE_IO_URING
#include <linux/io_uring.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <uv.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif
#ifndef __NR_io_uring_register
#define __NR_io_uring_register 427
#endif
#ifndef RWF_NOWAIT
#define RWF_NOWAIT 0x00000008
#endif
#ifndef IORING_SETUP_COOP_TASKRUN
#define IORING_SETUP_COOP_TASKRUN (1U << 8)
#endif
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif

/* SQ = CQ = MAX_OPS: every queued SQE and every pending completion belongs to a distinct op in
 * use, so neither ring can overflow, whatever mix of new reads and resubmissions is queued. */
#define MAX_OPS 512u
#define SQ_ENTRIES MAX_OPS
#define ALIGN 4096u
#define MAX_PIECE (4u << 20) /* largest single read (readRange chunk cap) */
/* Adjacent missing records of one batch are read together up to this many bytes: a scan then
 * reads 128 KiB at a time instead of one record per read (see ring_read). */
#define MERGE_BYTES (128u << 10)

enum { RESIDENCY_NONE = 0, RESIDENCY_MINCORE = 1, RESIDENCY_NOWAIT = 2, RESIDENCY_MAP = 3 };

typedef struct rv_file {
  int fd;        /* buffered */
  int direct_fd; /* O_DIRECT, or -1 */
  char *path;
  uint8_t *map; /* whole-file read-only mapping for mincore residency, or NULL */
  size_t map_len;
  /* Residency map (mode RESIDENCY_MAP): one byte per page of the file, PAGE_UNKNOWN until a read
   * needs the page, then what mincore said about it, or PAGE_RESIDENT once one of our buffered
   * reads brought it in. Forgotten every RESIDENCY_TTL_MS. See is_resident. */
  uint8_t *page_state;
  size_t state_pages;
  double state_since_ms;
  /* Whether window probes pay on this file (see probe_window): the current round's window probes
   * and the reads they answered, whether the file is probed a record at a time, and the probes
   * since the last window probe. */
  unsigned window_probes;
  unsigned window_hits;
  int narrow;
  unsigned narrow_probes;
  unsigned jobs; /* live jobs using this file */
  int closed;    /* ringClose called */
  int finalized; /* the JS external is gone: free when jobs == 0 */
  int fds_closed;
} rv_file;

typedef struct piece {
  uint64_t offset; /* file offset of the wanted bytes */
  uint64_t dest;   /* byte offset in out */
  uint32_t length;
} piece;

struct rv_ring;

typedef struct rv_job {
  struct rv_ring *ring;
  rv_file *file;
  napi_deferred deferred;
  napi_ref out_ref;
  int direct;
  piece *pieces;
  size_t piece_count, next_piece;
  unsigned inflight, queue_depth;
  int failed;
  char message[768];
  struct rv_job *next;
} rv_job;

typedef struct rv_op {
  rv_job *job;
  const piece *piece;
  uint64_t read_offset; /* first byte this op reads (aligned for O_DIRECT) */
  uint32_t read_length; /* bytes this op reads in total */
  uint32_t done;        /* bytes received so far */
  uint32_t skip;        /* wanted bytes start at slot + skip */
  int in_use;
} rv_op;

typedef struct {
  void *buffer;
  size_t capacity;
} rv_slot;

typedef struct rv_ring {
  napi_env env;
  int ring_fd, event_fd;
  void *sq_ptr, *cq_ptr;
  size_t sq_size, cq_size;
  struct io_uring_sqe *sqes;
  size_t sqes_size;
  unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, sq_entries;
  unsigned *cq_head, *cq_tail, *cq_mask, cq_entries;
  struct io_uring_cqe *cqes;
  unsigned local_tail;
  unsigned ops_in_use;
  unsigned free_ops[MAX_OPS];
  unsigned free_count;
  rv_op ops[MAX_OPS];
  rv_slot slots[MAX_OPS];
  rv_job *jobs_head, *jobs_tail;
  unsigned job_count;
  uv_poll_t *poll;
  int poll_refd;
  napi_ref resource;
  napi_async_context async_context;
  int broken; /* io_uring_enter failed for good: reject new reads */
  char broken_message[256];
} rv_ring;

typedef struct {
  rv_ring *ring;
  int setup_errno;
} rv_state;

static int sys_setup(unsigned entries, struct io_uring_params *p) {
  return (int)syscall(__NR_io_uring_setup, entries, p);
}
static int sys_enter(int fd, unsigned submit, unsigned complete, unsigned flags) {
  return (int)syscall(__NR_io_uring_enter, fd, submit, complete, flags, NULL, 0);
}
static int sys_register(int fd, unsigned op, void *arg, unsigned n) {
  return (int)syscall(__NR_io_uring_register, fd, op, arg, n);
}

/* ---------------------------------------------------------------- files */

static void file_close_fds(rv_file *f) {
  if (f->fds_closed) return;
  f->fds_closed = 1;
  if (f->map != NULL) munmap(f->map, f->map_len);
  f->map = NULL;
  f->map_len = 0;
  if (f->fd >= 0) close(f->fd);
  if (f->direct_fd >= 0) close(f->direct_fd);
  f->fd = f->direct_fd = -1;
}

static void file_release_job(rv_file *f) {
  f->jobs--;
  if (f->jobs == 0 && (f->closed || f->finalized)) file_close_fds(f);
  if (f->jobs == 0 && f->finalized) {
    free(f->page_state);
    free(f->path);
    free(f);
  }
}

static void file_finalize(napi_env env, void *data, void *hint) {
  rv_file *f = (rv_file *)data;
  f->finalized = 1;
  if (f->jobs == 0) {
    file_close_fds(f);
    free(f->page_state);
    free(f->path);
    free(f);
  }
}

/* Maps the file so mincore can tell which records are cached; remapped when the file grew. */
static void file_map(rv_file *f, uint64_t size) {
  if (f->map != NULL && f->map_len >= size) return;
  if (f->map != NULL) munmap(f->map, f->map_len);
  f->map = NULL;
  f->map_len = 0;
  if (size == 0) return;
  void *addr = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, f->fd, 0);
  if (addr == MAP_FAILED) return; /* residency then falls back to reading through the ring */
  madvise(addr, (size_t)size, MADV_RANDOM);
  f->map = addr;
  f->map_len = (size_t)size;
}

static size_t page_bytes(void) {
  static size_t cached;
  if (cached == 0) cached = (size_t)sysconf(_SC_PAGESIZE);
  return cached;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* What a read knows about a page of a file in RESIDENCY_MAP mode. The map is forgotten every
 * RESIDENCY_TTL_MS so that pages evicted since, or cached by someone else since, are noticed;
 * until then a page evicted behind the map's back costs a page fault when it is copied (mmap's
 * cost) and a page cached by someone else is read through the ring once (a page-cache hit). */
enum { PAGE_UNKNOWN = 0, PAGE_RESIDENT = 1, PAGE_ABSENT = 2, PAGE_NEAR = 3 };
/* PAGE_NEAR: resident, learned by a window probe for a neighbouring record and not read since
 * (its first read counts as a hit of the window; see probe_window). */
#define RESIDENCY_TTL_MS 10000.0

/* Makes the map cover `size` bytes of the file and forgets it when it is older than the TTL. */
static void state_refresh(rv_file *f, uint64_t size) {
  size_t pages = (size_t)((size + page_bytes() - 1) / page_bytes());
  double now = now_ms();
  if (f->page_state != NULL && f->state_pages >= pages) {
    if (now - f->state_since_ms > RESIDENCY_TTL_MS) {
      memset(f->page_state, PAGE_UNKNOWN, f->state_pages);
      f->state_since_ms = now;
    }
    return;
  }
  uint8_t *grown = calloc(pages, 1);
  if (grown == NULL) return; /* is_resident then asks mincore for every record */
  free(f->page_state);
  f->page_state = grown;
  f->state_pages = pages;
  f->state_since_ms = now;
}

/* Pages our buffered reads just brought into the page cache. */
static void mark_resident(rv_file *f, uint64_t offset, uint64_t length) {
  if (f->page_state == NULL || length == 0) return;
  size_t first = (size_t)(offset / page_bytes()), last = (size_t)((offset + length - 1) / page_bytes());
  for (size_t p = first; p <= last && p < f->state_pages; p++) f->page_state[p] = PAGE_RESIDENT;
}

/* ---------------------------------------------------------------- ring lifecycle */

static void ring_unmap(rv_ring *r) {
  if (r->sqes != NULL && r->sqes != MAP_FAILED) munmap(r->sqes, r->sqes_size);
  if (r->cq_ptr != NULL && r->cq_ptr != MAP_FAILED && r->cq_ptr != r->sq_ptr)
    munmap(r->cq_ptr, r->cq_size);
  if (r->sq_ptr != NULL && r->sq_ptr != MAP_FAILED) munmap(r->sq_ptr, r->sq_size);
}

static void on_poll(uv_poll_t *handle, int status, int events);

static void poll_closed(uv_handle_t *handle) { free(handle); }

static int ring_create(napi_env env, rv_ring **out) {
  rv_ring *r = calloc(1, sizeof *r);
  if (r == NULL) return ENOMEM;
  r->env = env;
  r->ring_fd = r->event_fd = -1;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  /* Each ring is used by the one thread that created it, which returns to its event loop (and so
   * enters the kernel) before it looks at completions: the kernel need not interrupt it to post
   * them (COOP_TASKRUN, Linux 5.19; SINGLE_ISSUER, 6.0). Older kernels refuse the flags. */
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER;
  p.cq_entries = MAX_OPS;
  int fd = sys_setup(SQ_ENTRIES, &p);
  if (fd < 0 && errno == EINVAL) {
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = MAX_OPS;
    fd = sys_setup(SQ_ENTRIES, &p);
  }
  if (fd < 0) {
    int err = errno;
    free(r);
    return err;
  }
  r->ring_fd = fd;
  r->sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  r->cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  if (p.features & IORING_FEAT_SINGLE_MMAP) {
    if (r->cq_size > r->sq_size) r->sq_size = r->cq_size;
    r->cq_size = r->sq_size;
  }
  r->sq_ptr = mmap(NULL, r->sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                   IORING_OFF_SQ_RING);
  if (r->sq_ptr == MAP_FAILED) goto fail;
  if (p.features & IORING_FEAT_SINGLE_MMAP) {
    r->cq_ptr = r->sq_ptr;
  } else {
    r->cq_ptr = mmap(NULL, r->cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                     IORING_OFF_CQ_RING);
    if (r->cq_ptr == MAP_FAILED) goto fail;
  }
  r->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
  r->sqes = mmap(NULL, r->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd,
                 IORING_OFF_SQES);
  if (r->sqes == MAP_FAILED) goto fail;
  char *sq = r->sq_ptr, *cq = r->cq_ptr;
  r->sq_head = (unsigned *)(sq + p.sq_off.head);
  r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
  r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  r->sq_array = (unsigned *)(sq + p.sq_off.array);
  r->sq_entries = p.sq_entries;
  r->cq_head = (unsigned *)(cq + p.cq_off.head);
  r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
  r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
  r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
  r->cq_entries = p.cq_entries;
  r->local_tail = *r->sq_tail;
  /* SQE slot i is always array entry i: we fill slots in ring order. */
  for (unsigned i = 0; i < r->sq_entries; i++) r->sq_array[i] = i;
  for (unsigned i = 0; i < MAX_OPS; i++) r->free_ops[i] = MAX_OPS - 1 - i;
  r->free_count = MAX_OPS;

  r->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (r->event_fd < 0) goto fail;
  if (sys_register(fd, IORING_REGISTER_EVENTFD, &r->event_fd, 1) != 0) goto fail;

  uv_loop_t *loop = NULL;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == NULL) {
    errno = EINVAL;
    goto fail;
  }
  r->poll = calloc(1, sizeof *r->poll);
  if (r->poll == NULL || uv_poll_init(loop, r->poll, r->event_fd) != 0) {
    free(r->poll);
    r->poll = NULL;
    errno = EINVAL;
    goto fail;
  }
  r->poll->data = r;
  uv_poll_start(r->poll, UV_READABLE, on_poll);
  uv_unref((uv_handle_t *)r->poll); /* only reads in flight keep the loop alive */

  napi_value resource, name;
  napi_create_object(env, &resource);
  napi_create_reference(env, resource, 1, &r->resource);
  napi_create_string_utf8(env, "ringvec:io_uring", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, resource, name, &r->async_context);
  *out = r;
  return 0;
fail : {
  int err = errno != 0 ? errno : EINVAL;
  if (r->event_fd >= 0) close(r->event_fd);
  ring_unmap(r);
  close(fd);
  free(r);
  return err;
}
}

static unsigned sq_pending(rv_ring *r) {
  return r->local_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
}

static void job_free(rv_job *job, int delete_refs) {
  if (delete_refs && job->out_ref != NULL) napi_delete_reference(job->ring->env, job->out_ref);
  file_release_job(job->file);
  free(job->pieces);
  free(job);
}

/* Blocks until the kernel has finished every read it owns, so their slot buffers can be freed. */
static void ring_drain(rv_ring *r) {
  unsigned owned = r->ops_in_use - sq_pending(r);
  while (owned > 0) {
    unsigned head = *r->cq_head;
    unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    if (head == tail) {
      int rc = sys_enter(r->ring_fd, 0, 1, IORING_ENTER_GETEVENTS);
      if (rc < 0 && errno != EINTR && errno != EAGAIN && errno != EBUSY) break;
      continue;
    }
    for (; head != tail; head++) {
      if (owned > 0) owned--;
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
  }
}

static void ring_destroy(void *arg) {
  rv_state *state = (rv_state *)arg;
  rv_ring *r = state->ring;
  state->ring = NULL;
  if (r != NULL) {
    ring_drain(r);
    rv_job *job = r->jobs_head;
    while (job != NULL) {
      rv_job *next = job->next;
      job_free(job, 0); /* the env is going away: its references go with it */
      job = next;
    }
    if (r->poll != NULL) {
      uv_poll_stop(r->poll);
      uv_close((uv_handle_t *)r->poll, poll_closed);
    }
    napi_async_destroy(r->env, r->async_context);
    napi_delete_reference(r->env, r->resource);
    for (unsigned i = 0; i < MAX_OPS; i++) free(r->slots[i].buffer);
    close(r->event_fd);
    ring_unmap(r);
    close(r->ring_fd);
    free(r);
  }
  free(state);
}

static rv_state *get_state(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return (rv_state *)data;
}

/* The calling thread's ring, created on first use; NULL with errno set on failure. */
static rv_ring *thread_ring(napi_env env) {
  rv_state *state = get_state(env);
  if (state == NULL) {
    errno = EINVAL;
    return NULL;
  }
  if (state->ring != NULL) return state->ring;
  if (state->setup_errno != 0) {
    errno = state->setup_errno;
    return NULL;
  }
  int err = ring_create(env, &state->ring);
  if (err != 0) {
    state->setup_errno = err;
    errno = err;
    return NULL;
  }
  return state->ring;
}

/* ---------------------------------------------------------------- pipeline */

static void job_fail(rv_job *job, const char *fmt_what, uint64_t offset, int err) {
  if (job->failed) return;
  job->failed = 1;
  if (err > 0)
    snprintf(job->message, sizeof job->message, "%s %s at byte offset %llu failed: %s (errno %d)",
             fmt_what, job->file->path, (unsigned long long)offset, strerror(err), err);
  else
    snprintf(job->message, sizeof job->message, "%s %s at byte offset %llu: %s",
             "read of", job->file->path, (unsigned long long)offset, fmt_what);
}

static void update_ref(rv_ring *r) {
  int busy = r->ops_in_use > 0 || r->jobs_head != NULL;
  if (r->poll == NULL) return;
  if (busy && !r->poll_refd) {
    uv_ref((uv_handle_t *)r->poll);
    r->poll_refd = 1;
  } else if (!busy && r->poll_refd) {
    uv_unref((uv_handle_t *)r->poll);
    r->poll_refd = 0;
  }
}

static int slot_reserve(rv_slot *slot, size_t bytes) {
  if (slot->capacity >= bytes) return 1;
  size_t capacity = (bytes + ALIGN - 1) & ~(size_t)(ALIGN - 1);
  if (capacity < 16384) capacity = 16384;
  void *buffer = NULL;
  if (posix_memalign(&buffer, ALIGN, capacity) != 0) return 0;
  free(slot->buffer);
  slot->buffer = buffer;
  slot->capacity = capacity;
  return 1;
}

static void op_release(rv_ring *r, unsigned index) {
  r->ops[index].in_use = 0;
  r->ops[index].job = NULL;
  r->free_ops[r->free_count++] = index;
  r->ops_in_use--;
}

/* Queues an SQE for the unread part of op `index`. The caller submits. */
static void op_queue(rv_ring *r, unsigned index) {
  rv_op *op = &r->ops[index];
  unsigned slot_index = r->local_tail & *r->sq_mask;
  struct io_uring_sqe *sqe = &r->sqes[slot_index];
  memset(sqe, 0, sizeof *sqe);
  sqe->opcode = IORING_OP_READ;
  sqe->fd = op->job->direct ? op->job->file->direct_fd : op->job->file->fd;
  sqe->off = op->read_offset + op->done;
  sqe->addr = (uint64_t)(uintptr_t)((char *)r->slots[index].buffer + op->done);
  sqe->len = op->read_length - op->done;
  sqe->user_data = index;
  r->local_tail++;
  __atomic_store_n(r->sq_tail, r->local_tail, __ATOMIC_RELEASE);
}

static int ring_submit(rv_ring *r) {
  while (sq_pending(r) > 0) {
    int rc = sys_enter(r->ring_fd, sq_pending(r), 0, 0);
    if (rc >= 0) continue;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EBUSY) {
      /* Transient: wake the poll callback to try again rather than wait for a completion that
       * may never come (nothing of ours may be in flight). */
      uint64_t one = 1;
      if (write(r->event_fd, &one, sizeof one) < 0) {
      }
      return 0;
    }
    return errno;
  }
  return 0;
}

/* Starts reads for queued jobs while their queue depths and the ring allow. */
static void ring_refill(rv_ring *r) {
  for (rv_job *job = r->jobs_head; job != NULL; job = job->next) {
    while (!job->failed && job->next_piece < job->piece_count && job->inflight < job->queue_depth &&
           r->free_count > 0) {
      if (sq_pending(r) >= r->sq_entries) {
        int err = ring_submit(r);
        if (err != 0 || sq_pending(r) >= r->sq_entries) return;
      }
      const piece *pc = &job->pieces[job->next_piece];
      uint64_t start = pc->offset, end = pc->offset + pc->length;
      if (job->direct) {
        start &= ~(uint64_t)(ALIGN - 1);
        end = (end + ALIGN - 1) & ~(uint64_t)(ALIGN - 1);
      }
      unsigned index = r->free_ops[r->free_count - 1];
      if (!slot_reserve(&r->slots[index], (size_t)(end - start))) {
        job_fail(job, "out of memory for a read buffer of", pc->offset, ENOMEM);
        break;
      }
      r->free_count--;
      r->ops_in_use++;
      rv_op *op = &r->ops[index];
      op->in_use = 1;
      op->job = job;
      op->piece = pc;
      op->read_offset = start;
      op->read_length = (uint32_t)(end - start);
      op->done = 0;
      op->skip = (uint32_t)(pc->offset - start);
      job->next_piece++;
      job->inflight++;
      op_queue(r, index);
    }
  }
}

static void job_unlink(rv_ring *r, rv_job *job) {
  rv_job **link = &r->jobs_head;
  rv_job *prev = NULL;
  while (*link != NULL && *link != job) {
    prev = *link;
    link = &(*link)->next;
  }
  if (*link == NULL) return;
  *link = job->next;
  if (r->jobs_tail == job) r->jobs_tail = prev;
  r->job_count--;
}

static void job_settle(rv_ring *r, rv_job *job) {
  napi_env env = r->env;
  job_unlink(r, job);
  if (job->failed) {
    napi_value message, error, code;
    napi_create_string_utf8(env, job->message, NAPI_AUTO_LENGTH, &message);
    napi_create_error(env, NULL, message, &error);
    napi_create_string_utf8(env, "ERR_RINGVEC_IO", NAPI_AUTO_LENGTH, &code);
    napi_set_named_property(env, error, "code", code);
    napi_reject_deferred(env, job->deferred, error);
  } else {
    napi_resolve_deferred(env, job->deferred, rv_undefined(env));
  }
  job_free(job, 1);
}

static void complete_op(rv_ring *r, unsigned index, int res) {
  rv_op *op = &r->ops[index];
  rv_job *job = op->job;
  const piece *pc = op->piece;
  if (res == -EAGAIN || res == -EINTR) {
    if (!job->failed) {
      op_queue(r, index);
      return;
    }
  } else if (res < 0) {
    job_fail(job, "read of", op->read_offset + op->done, -res);
  } else if (res == 0) {
    job_fail(job, "unexpected end of file (truncated while reading?)", op->read_offset + op->done,
             0);
  } else {
    op->done += (uint32_t)res;
    uint32_t needed = op->skip + pc->length;
    if (op->done < needed && !job->failed) {
      if (!job->direct || (op->done & (ALIGN - 1)) == 0) {
        op_queue(r, index); /* short read: ask for the rest */
        return;
      }
      /* O_DIRECT stopped mid-block: that is the end of the file. */
      job_fail(job, "unexpected end of file (truncated while reading?)",
               op->read_offset + op->done, 0);
    } else if (!job->failed) {
      void *out = NULL;
      size_t out_length = 0;
      napi_value value;
      napi_typedarray_type type;
      if (napi_get_reference_value(r->env, job->out_ref, &value) != napi_ok || value == NULL ||
          napi_get_typedarray_info(r->env, value, &type, &out_length, &out, NULL, NULL) !=
              napi_ok ||
          out == NULL || pc->dest + pc->length > out_length) {
        job_fail(job, "the output buffer was detached or shrunk during the read", pc->offset, 0);
      } else {
        memcpy((char *)out + pc->dest, (char *)r->slots[index].buffer + op->skip, pc->length);
        if (!job->direct) mark_resident(job->file, op->read_offset, op->done);
      }
    }
  }
  job->inflight--;
  op_release(r, index);
}

/* Reaps completions, settles finished jobs, refills and submits. Runs in a callback scope. */
static void ring_process(rv_ring *r) {
  for (;;) {
    unsigned head = *r->cq_head;
    unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
    if (head == tail) break;
    for (; head != tail; head++) {
      struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
      unsigned index = (unsigned)cqe->user_data;
      int res = cqe->res;
      if (index < MAX_OPS && r->ops[index].in_use) complete_op(r, index, res);
    }
    __atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
  }
  ring_refill(r);
  int err = ring_submit(r);
  if (err != 0) {
    /* The kernel refuses submissions: fail what it has not consumed rather than hang. */
    snprintf(r->broken_message, sizeof r->broken_message, "io_uring_enter failed: %s",
             strerror(err));
    unsigned kernel_head = __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE);
    for (unsigned t = kernel_head; t != r->local_tail; t++) {
      unsigned index = (unsigned)r->sqes[t & *r->sq_mask].user_data;
      rv_op *op = &r->ops[index];
      job_fail(op->job, "submitting a read of", op->read_offset, err);
      op->job->inflight--;
      op_release(r, index);
    }
    r->local_tail = kernel_head;
    __atomic_store_n(r->sq_tail, r->local_tail, __ATOMIC_RELEASE);
    r->broken = 1;
  }
  rv_job *job = r->jobs_head;
  while (job != NULL) {
    rv_job *next = job->next;
    if (job->inflight == 0 && (job->failed || job->next_piece == job->piece_count))
      job_settle(r, job);
    job = next;
  }
  update_ref(r);
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  rv_ring *r = (rv_ring *)handle->data;
  uint64_t value;
  while (read(r->event_fd, &value, sizeof value) < 0 && errno == EINTR) {
  }
  napi_env env = r->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value resource;
  napi_callback_scope callback_scope;
  napi_get_reference_value(env, r->resource, &resource);
  /* Closing the callback scope runs the microtasks the settled promises queued. */
  int scoped = napi_open_callback_scope(env, resource, r->async_context, &callback_scope) == napi_ok;
  ring_process(r);
  if (scoped) napi_close_callback_scope(env, callback_scope);
  napi_close_handle_scope(env, scope);
}

/* ---------------------------------------------------------------- N-API */

static void throw_io(napi_env env, const char *message) {
  rv_throw_code(env, "ERR_RINGVEC_IO", message);
}

static int get_file(napi_env env, napi_value v, rv_file **f) {
  void *data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "file must be a handle from ringOpen");
    return 0;
  }
  *f = (rv_file *)data;
  if ((*f)->closed) {
    char message[600];
    snprintf(message, sizeof message, "%s is closed", (*f)->path);
    throw_io(env, message);
    return 0;
  }
  return 1;
}

/* ringOpen(path, direct) -> external */
static napi_value ring_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char path[4096];
  bool direct = false;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !rv_string(env, argv[0], path, sizeof path, "path")) return NULL;
  napi_get_value_bool(env, argv[1], &direct);
  rv_ring *r = thread_ring(env);
  if (r == NULL) {
    char message[256];
    snprintf(message, sizeof message, "io_uring_setup failed: %s", strerror(errno));
    throw_io(env, message);
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char message[4200];
    snprintf(message, sizeof message, "open %s failed: %s", path, strerror(errno));
    throw_io(env, message);
    return NULL;
  }
  int direct_fd = -1;
  if (direct) {
    direct_fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
    if (direct_fd < 0) {
      int err = errno;
      close(fd);
      char message[4200];
      snprintf(message, sizeof message, "open %s with O_DIRECT failed: %s", path, strerror(err));
      throw_io(env, message);
      return NULL;
    }
  }
  rv_file *f = calloc(1, sizeof *f);
  char *copy = strdup(path);
  if (f == NULL || copy == NULL) {
    free(f);
    free(copy);
    close(fd);
    if (direct_fd >= 0) close(direct_fd);
    throw_io(env, "out of memory");
    return NULL;
  }
  /* Records are scattered: readahead around each would only evict useful pages. */
  posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
  f->fd = fd;
  f->direct_fd = direct_fd;
  f->path = copy;
  struct stat st;
  if (fstat(fd, &st) == 0) file_map(f, (uint64_t)st.st_size);
  napi_value result;
  if (napi_create_external(env, f, file_finalize, NULL, &result) != napi_ok) {
    file_close_fds(f);
    free(f->path);
    free(f);
    rv_throw_last(env);
    return NULL;
  }
  return result;
}

static napi_value ring_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL)
    return NULL;
  rv_file *f = (rv_file *)data;
  if (f->closed) return NULL;
  f->closed = 1;
  if (f->jobs == 0) file_close_fds(f);
  return NULL;
}

/* Asks mincore about pages [first, last] of the mapping and records the answers: resident pages
 * as resident (PAGE_NEAR outside [own_first, own_last]), absent ones as absent only within
 * [own_first, own_last] (the record being read, which our read then brings in). Absent neighbours
 * stay unknown: marked absent, they would go through the ring after someone else cached them
 * (e.g. right after a cold run) until the map is forgotten. */
static void probe_pages(rv_file *f, size_t first, size_t last, size_t own_first, size_t own_last) {
  unsigned char vec[64];
  for (size_t p = first; p <= last; p += sizeof vec) {
    size_t n = last - p + 1 < sizeof vec ? last - p + 1 : sizeof vec;
    size_t span = n * page_bytes();
    if ((size_t)p * page_bytes() + span > f->map_len) span = f->map_len - (size_t)p * page_bytes();
    if (mincore(f->map + p * page_bytes(), span, vec) != 0) return; /* stays unknown: read it */
    for (size_t k = 0; k < n; k++) {
      size_t page = p + k;
      int own = page >= own_first && page <= own_last;
      if (vec[k] & 1)
        f->page_state[page] = own ? PAGE_RESIDENT : PAGE_NEAR;
      else if (own)
        f->page_state[page] = PAGE_ABSENT;
    }
  }
}

/* Pages one mincore call asks about when a page is unknown: the 64 KiB-aligned window around it,
 * the span the kernel's fault-around maps on an mmap page fault. It costs more than asking about
 * the record's own pages (on pages not mapped here mincore looks each one up in the page cache:
 * ~2.5 µs for 16 pages against ~0.85 µs for one, measured here) and pays when later reads find
 * their pages answered: scans, and records read near each other. Random reads rarely do (cold or
 * warm), so each file keeps score: every WINDOW_ROUND window probes, if they answered fewer than
 * WINDOW_HITS_NEEDED reads each, the file is probed a record at a time, with one window probe in
 * WINDOW_EVERY to keep measuring; if they answered more, windows again. */
#define PROBE_WINDOW_PAGES 16
#define WINDOW_ROUND 32u
#define WINDOW_HITS_NEEDED 2u
#define WINDOW_EVERY 16u

/* Probes the window around page p (and through `last`, the record's last page). */
static void probe_window(rv_file *f, size_t p, size_t last) {
  if (f->narrow && ++f->narrow_probes < WINDOW_EVERY) {
    probe_pages(f, p, last, p, last);
    return;
  }
  f->narrow_probes = 0;
  size_t mapped = (size_t)((f->map_len + page_bytes() - 1) / page_bytes());
  size_t end = f->state_pages < mapped ? f->state_pages : mapped; /* pages we may ask about */
  size_t from = p & ~(size_t)(PROBE_WINDOW_PAGES - 1);
  size_t to = from + PROBE_WINDOW_PAGES - 1;
  if (to < last) to = last;
  if (to >= end) to = end - 1;
  probe_pages(f, from, to, p, last);
  if (++f->window_probes >= WINDOW_ROUND) {
    f->narrow = f->window_hits < f->window_probes * WINDOW_HITS_NEEDED;
    f->window_probes = 0;
    f->window_hits = 0;
  }
}

/*
 * Whether the record is in the page cache; if so it is copied from the mapping into dest.
 * RESIDENCY_MAP remembers what mincore said per page, so a warm page costs one byte lookup after
 * its first read (not a syscall per record, and no scan of whole files), and one mincore call
 * answers for a window of pages: it pays where records are read repeatedly or near each other,
 * and costs what RESIDENCY_MINCORE costs where they are not.
 */
static int is_resident(rv_file *f, uint64_t offset, uint32_t length, int mode, uint8_t *dest) {
  if (mode == RESIDENCY_MAP && f->page_state != NULL) {
    if (f->map == NULL || offset + length > f->map_len) return 0;
    size_t first = (size_t)(offset / page_bytes());
    size_t last = (size_t)((offset + length - 1) / page_bytes());
    if (last >= f->state_pages) return 0;
    int near = 0;
    for (size_t p = first; p <= last; p++) {
      if (f->page_state[p] == PAGE_UNKNOWN) probe_window(f, p, last);
      if (f->page_state[p] == PAGE_NEAR) {
        near = 1;
        f->page_state[p] = PAGE_RESIDENT;
      }
      if (f->page_state[p] != PAGE_RESIDENT) return 0;
    }
    if (near) f->window_hits++;
    memcpy(dest, f->map + offset, length);
    return 1;
  }
  if (mode == RESIDENCY_MINCORE || mode == RESIDENCY_MAP) {
    if (f->map == NULL || offset + length > f->map_len) return 0;
    uintptr_t first = (uintptr_t)(f->map + offset) & ~(uintptr_t)(page_bytes() - 1);
    uintptr_t last = (uintptr_t)(f->map + offset + length);
    size_t span = last - first;
    unsigned char vec[64];
    if (span > sizeof vec * page_bytes()) return 0;
    if (mincore((void *)first, span, vec) != 0) return 0;
    size_t pages = (span + page_bytes() - 1) / page_bytes();
    for (size_t p = 0; p < pages; p++)
      if (!(vec[p] & 1)) return 0;
    memcpy(dest, f->map + offset, length);
    return 1;
  }
  if (mode == RESIDENCY_NOWAIT) {
    struct iovec iov = {dest, length};
    ssize_t got = preadv2(f->fd, &iov, 1, (off_t)offset, RWF_NOWAIT);
    return got == (ssize_t)length;
  }
  return 0;
}

/* stats: [records copied from the page cache, records read, bytes read, reads submitted]; the
 * last only when the array has room for it (reads of adjacent records are merged). */
static void write_stats(napi_env env, napi_value v, double hits, double reads, double bytes,
                        double submitted) {
  double *stats;
  size_t length;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, &length, (void **)&stats, NULL, NULL) != napi_ok ||
      type != napi_float64_array || length < 3 || stats == NULL)
    return;
  stats[0] = hits;
  stats[1] = reads;
  stats[2] = bytes;
  if (length >= 4) stats[3] = submitted;
}

static napi_value job_start(napi_env env, rv_ring *r, rv_file *f, int direct, napi_value out_value,
                            piece *pieces, size_t count, uint32_t queue_depth) {
  rv_job *job = calloc(1, sizeof *job);
  if (job == NULL) {
    free(pieces);
    throw_io(env, "out of memory");
    return NULL;
  }
  napi_value promise;
  if (napi_create_promise(env, &job->deferred, &promise) != napi_ok ||
      napi_create_reference(env, out_value, 1, &job->out_ref) != napi_ok) {
    free(pieces);
    free(job);
    rv_throw_last(env);
    return NULL;
  }
  job->ring = r;
  job->file = f;
  f->jobs++;
  job->direct = direct;
  job->pieces = pieces;
  job->piece_count = count;
  job->queue_depth = queue_depth < 1 ? 1 : queue_depth > MAX_OPS ? MAX_OPS : queue_depth;
  if (r->jobs_tail != NULL)
    r->jobs_tail->next = job;
  else
    r->jobs_head = job;
  r->jobs_tail = job;
  r->job_count++;
  ring_refill(r);
  int err = ring_submit(r);
  if (err != 0) {
    /* Let the poll path fail the unconsumed reads and settle the job asynchronously. */
    uint64_t one = 1;
    if (write(r->event_fd, &one, sizeof one) < 0) {
    }
  }
  update_ref(r);
  return promise;
}

/* ringRead(file, headerBytes, strideBytes, recordBytes, records, count, out, queueDepth,
 *          residency, stats) -> Promise | undefined */
static napi_value ring_read(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  rv_file *f;
  uint64_t header, stride, record_bytes;
  uint32_t *records, count, queue_depth;
  int32_t residency;
  size_t records_len, out_len;
  uint8_t *out;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 10 || !get_file(env, argv[0], &f) || !rv_index(env, argv[1], &header, "headerBytes") ||
      !rv_index(env, argv[2], &stride, "strideBytes") ||
      !rv_index(env, argv[3], &record_bytes, "recordBytes") ||
      !rv_typed(env, argv[4], napi_uint32_array, (void **)&records, &records_len, "records") ||
      !rv_u32(env, argv[5], &count, "count") ||
      !rv_typed(env, argv[6], napi_uint8_array, (void **)&out, &out_len, "out") ||
      !rv_u32(env, argv[7], &queue_depth, "queueDepth") ||
      !rv_i32(env, argv[8], &residency, "residency"))
    return NULL;
  if (count > records_len || (uint64_t)count * record_bytes > out_len) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "count exceeds records or out length");
    return NULL;
  }
  if (residency < RESIDENCY_NONE || residency > RESIDENCY_MAP) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "residency must be 0..3");
    return NULL;
  }
  if (record_bytes == 0 || record_bytes > MAX_PIECE) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "recordBytes must be in (0, 4 MiB]");
    return NULL;
  }
  rv_ring *r = thread_ring(env);
  if (r == NULL || r->broken) {
    throw_io(env, r == NULL ? "io_uring is not available on this thread" : r->broken_message);
    return NULL;
  }
  struct stat st;
  if (fstat(f->fd, &st) != 0) {
    char message[4200];
    snprintf(message, sizeof message, "fstat %s failed: %s", f->path, strerror(errno));
    throw_io(env, message);
    return NULL;
  }
  uint64_t size = (uint64_t)st.st_size;
  if ((residency == RESIDENCY_MINCORE || residency == RESIDENCY_MAP) && size > f->map_len)
    file_map(f, size);
  if (residency == RESIDENCY_MAP) state_refresh(f, size);
  piece *pieces = NULL;
  size_t piece_count = 0, misses = 0;
  double hits = 0;
  for (uint32_t k = 0; k < count; k++) {
    uint64_t offset = header + (uint64_t)records[k] * stride;
    if (offset + record_bytes > size) {
      free(pieces);
      char message[4400];
      snprintf(message, sizeof message,
               "read of %s at byte offset %llu: record %u (%llu bytes) lies beyond the end of the "
               "file (%llu bytes)",
               f->path, (unsigned long long)offset, records[k], (unsigned long long)record_bytes,
               (unsigned long long)size);
      throw_io(env, message);
      return NULL;
    }
    uint8_t *dest = out + (size_t)k * record_bytes;
    if (is_resident(f, offset, (uint32_t)record_bytes, residency, dest)) {
      hits++;
      continue;
    }
    if (pieces == NULL) {
      pieces = malloc(sizeof *pieces * (count - k));
      if (pieces == NULL) {
        throw_io(env, "out of memory");
        return NULL;
      }
    }
    misses++;
    if (piece_count > 0) {
      /* Records next to each other in the file and in out (a scan) become one larger read. */
      piece *last = &pieces[piece_count - 1];
      if (last->offset + last->length == offset &&
          last->dest + last->length == (uint64_t)k * record_bytes &&
          last->length + record_bytes <= MERGE_BYTES) {
        last->length += (uint32_t)record_bytes;
        continue;
      }
    }
    pieces[piece_count].offset = offset;
    pieces[piece_count].dest = (uint64_t)k * record_bytes;
    pieces[piece_count].length = (uint32_t)record_bytes;
    piece_count++;
  }
  write_stats(env, argv[9], hits, (double)misses, (double)misses * (double)record_bytes,
              (double)piece_count);
  if (piece_count == 0) {
    free(pieces);
    return NULL;
  }
  return job_start(env, r, f, f->direct_fd >= 0, argv[6], pieces, piece_count, queue_depth);
}

/* ringReadRange(file, byteOffset, out, chunkBytes, queueDepth, stats) -> Promise | undefined */
static napi_value ring_read_range(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  rv_file *f;
  uint64_t offset;
  uint32_t chunk, queue_depth;
  size_t out_len;
  uint8_t *out;
  RV_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6 || !get_file(env, argv[0], &f) || !rv_index(env, argv[1], &offset, "byteOffset") ||
      !rv_typed(env, argv[2], napi_uint8_array, (void **)&out, &out_len, "out") ||
      !rv_u32(env, argv[3], &chunk, "chunkBytes") || !rv_u32(env, argv[4], &queue_depth, "queueDepth"))
    return NULL;
  if (chunk < ALIGN || chunk > MAX_PIECE) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "chunkBytes must be in [4 KiB, 4 MiB]");
    return NULL;
  }
  rv_ring *r = thread_ring(env);
  if (r == NULL || r->broken) {
    throw_io(env, r == NULL ? "io_uring is not available on this thread" : r->broken_message);
    return NULL;
  }
  struct stat st;
  if (fstat(f->fd, &st) != 0) {
    char message[4200];
    snprintf(message, sizeof message, "fstat %s failed: %s", f->path, strerror(errno));
    throw_io(env, message);
    return NULL;
  }
  if (offset + out_len > (uint64_t)st.st_size) {
    char message[4400];
    snprintf(message, sizeof message,
             "read of %s at byte offset %llu: range of %zu bytes lies beyond the end of the file "
             "(%llu bytes)",
             f->path, (unsigned long long)offset, out_len, (unsigned long long)st.st_size);
    throw_io(env, message);
    return NULL;
  }
  size_t count = (out_len + chunk - 1) / chunk;
  write_stats(env, argv[5], 0, (double)count, (double)out_len, (double)count);
  if (count == 0) return NULL;
  piece *pieces = malloc(sizeof *pieces * count);
  if (pieces == NULL) {
    throw_io(env, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < count; i++) {
    pieces[i].offset = offset + (uint64_t)i * chunk;
    pieces[i].dest = (uint64_t)i * chunk;
    pieces[i].length = (uint32_t)(out_len - (size_t)i * chunk < chunk ? out_len - (size_t)i * chunk : chunk);
  }
  return job_start(env, r, f, f->direct_fd >= 0, argv[2], pieces, count, queue_depth);
}

static napi_value ring_status(napi_env env, napi_callback_info info) {
  rv_state *state = get_state(env);
  rv_ring *r = state != NULL ? state->ring : NULL;
  napi_value result;
  napi_create_object(env, &result);
  rv_set(env, result, "open", rv_bool(env, r != NULL));
  rv_set(env, result, "entries", rv_number(env, r != NULL ? r->sq_entries : 0));
  rv_set(env, result, "inFlight", rv_number(env, r != NULL ? r->ops_in_use : 0));
  rv_set(env, result, "queuedJobs", rv_number(env, r != NULL ? r->job_count : 0));
  unsigned slots = 0;
  if (r != NULL)
    for (unsigned i = 0; i < MAX_OPS; i++) slots += r->slots[i].buffer != NULL;
  rv_set(env, result, "poolSlots", rv_number(env, slots));
  return result;
}

void rv_io_uring_init(napi_env env, napi_value exports) {
  rv_state *state = calloc(1, sizeof *state);
  if (state != NULL) {
    napi_set_instance_data(env, state, NULL, NULL);
    napi_add_env_cleanup_hook(env, ring_destroy, state);
  }
  rv_export(env, exports, "ringOpen", ring_open);
  rv_export(env, exports, "ringRead", ring_read);
  rv_export(env, exports, "ringReadRange", ring_read_range);
  rv_export(env, exports, "ringClose", ring_close);
  rv_export(env, exports, "ringStatus", ring_status);
}

#else /* no io_uring: the functions exist and explain themselves */

static napi_value unsupported(napi_env env, napi_callback_info info) {
  rv_throw_code(env, "ERR_RINGVEC_UNSUPPORTED", "io_uring is not supported by this build");
  return NULL;
}

void rv_io_uring_init(napi_env env, napi_value exports) {
  rv_export(env, exports, "ringOpen", unsupported);
  rv_export(env, exports, "ringRead", unsupported);
  rv_export(env, exports, "ringReadRange", unsupported);
  rv_export(env, exports, "ringClose", unsupported);
  rv_export(env, exports, "ringStatus", unsupported);
}
#endif
