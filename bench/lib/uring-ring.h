/* What the io_uring C peers share (tcp-pingpong-uring.c, tcp-echo-server.c): one ring, mapped
 * with the layout of <linux/io_uring.h> (no liburing), SQEs pushed in place. The includer defines
 * die() first (loopback-pair.h does). Static inline: a peer that does not use a helper gets no
 * warning. */
#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif

static struct {
  int fd;
  unsigned *sq_tail, *sq_mask, *sq_array, *sq_entries, *cq_head, *cq_tail, *cq_mask;
  struct io_uring_sqe *sqes;
  struct io_uring_cqe *cqes;
  /* SQEs pushed and not yet submitted: io_uring_enter does not wait when it submits fewer than asked. */
  unsigned pending;
  void *map;
  size_t map_len, sqe_len;
} ring;

/* A ring of `entries` SQEs, `cq_entries` CQEs (0: the kernel's default, twice `entries`). */
static inline void ring_setup(unsigned entries, unsigned cq_entries, unsigned flags) {
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = flags | (cq_entries ? IORING_SETUP_CQSIZE : 0);
  p.cq_entries = cq_entries;
  ring.pending = 0;
  ring.fd = syscall(__NR_io_uring_setup, entries, &p);
  if (ring.fd < 0) die("io_uring_setup");
  if (!(p.features & IORING_FEAT_SINGLE_MMAP)) die("no IORING_FEAT_SINGLE_MMAP");
  size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  size_t len = sq_len > cq_len ? sq_len : cq_len;
  char *sq = mmap(0, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQ_RING);
  if (sq == MAP_FAILED) die("mmap ring");
  ring.map = sq;
  ring.map_len = len;
  ring.sqe_len = p.sq_entries * sizeof(struct io_uring_sqe);
  ring.sqes = mmap(0, ring.sqe_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring.fd, IORING_OFF_SQES);
  if (ring.sqes == MAP_FAILED) die("mmap sqes");
  ring.sq_tail = (unsigned *)(sq + p.sq_off.tail);
  ring.sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
  ring.sq_entries = (unsigned *)(sq + p.sq_off.ring_entries);
  ring.sq_array = (unsigned *)(sq + p.sq_off.array);
  ring.cq_head = (unsigned *)(sq + p.cq_off.head);
  ring.cq_tail = (unsigned *)(sq + p.cq_off.tail);
  ring.cq_mask = (unsigned *)(sq + p.cq_off.ring_mask);
  ring.cqes = (struct io_uring_cqe *)(sq + p.cq_off.cqes);
}

static inline void ring_free(void) {
  munmap(ring.sqes, ring.sqe_len);
  munmap(ring.map, ring.map_len);
  close(ring.fd);
}

/* Submits what was pushed and, when `wait` > 0, waits for that many completions. */
static inline void ring_enter(unsigned wait) {
  int r = syscall(__NR_io_uring_enter, ring.fd, ring.pending, wait, IORING_ENTER_GETEVENTS, NULL, 0);
  if (r < 0 && errno != EINTR) die("io_uring_enter");
  if (r > 0) ring.pending -= r;
}

static inline struct io_uring_sqe *push(int op, int fd, void *buf, unsigned len, unsigned char flags, unsigned long long ud) {
  if (ring.pending == *ring.sq_entries) ring_enter(0); /* a full SQ ring goes to the kernel first */
  unsigned tail = *ring.sq_tail, i = tail & *ring.sq_mask;
  struct io_uring_sqe *s = &ring.sqes[i];
  memset(s, 0, sizeof *s);
  s->opcode = op;
  s->flags = flags;
  s->fd = fd;
  s->addr = (unsigned long)buf;
  s->len = len;
  s->user_data = ud;
  ring.sq_array[i] = i;
  __atomic_store_n(ring.sq_tail, tail + 1, __ATOMIC_RELEASE);
  ring.pending++;
  return s;
}
