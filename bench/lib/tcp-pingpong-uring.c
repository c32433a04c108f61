/* The one-byte TCP ping-pong of bench/lib/tcp-pingpong.c, driven by io_uring instead of epoll:
 * what the kernel allows a completion-based loop in one thread. Both ends keep a RECV posted;
 * each completion queues the reply (a SEND whose success posts no completion,
 * IOSQE_CQE_SKIP_SUCCESS) and the next RECV, and one io_uring_enter per step submits them and
 * waits for the next completion: two system calls per round trip against the epoll loop's six.
 * Raw system calls and the ring layout of <linux/io_uring.h>; no liburing.
 * With MODE "multishot" each end posts one multishot RECV (IORING_RECV_MULTISHOT) that picks its
 * buffer from a ring of provided buffers (IORING_REGISTER_PBUF_RING): no RECV to re-post, a
 * buffer handed back by a store into that ring.
 * Usage: tcp-pingpong-uring TRIPS ROUNDS [SETUP_FLAGS [MODE]]   one line per round: us per round trip.
 * SETUP_FLAGS: 0 (default), 768 (COOP_TASKRUN|TASKRUN_FLAG), 12288 (SINGLE_ISSUER|DEFER_TASKRUN). */
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "loopback-pair.h"

#include "uring-ring.h"

enum { SERVER_RECV = 1, CLIENT_RECV, SEND };

/* Provided buffers for multishot RECVs: NBUFS buffers of 64 KiB in group 0. */
#define NBUFS 4
static struct io_uring_buf *bufring;
static char (*bufs)[65536];
static unsigned short buf_tail;

static void give_buffer(unsigned short bid) {
  struct io_uring_buf *b = &bufring[buf_tail & (NBUFS - 1)];
  b->addr = (unsigned long)bufs[bid];
  b->len = 65536;
  b->bid = bid;
  buf_tail++;
  __atomic_store_n(&bufring[0].resv, buf_tail, __ATOMIC_RELEASE); /* the tail overlays bufs[0].resv */
}

static void setup_buffers(void) {
  bufring = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  bufs = mmap(0, NBUFS * 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (bufring == MAP_FAILED || bufs == MAP_FAILED) die("mmap buffers");
  struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)bufring, .ring_entries = NBUFS, .bgid = 0 };
  if (syscall(__NR_io_uring_register, ring.fd, IORING_REGISTER_PBUF_RING, &reg, 1)) die("IORING_REGISTER_PBUF_RING");
  buf_tail = 0;
  for (unsigned short i = 0; i < NBUFS; i++) give_buffer(i);
}

static void push_multishot_recv(int fd, unsigned long long ud) {
  struct io_uring_sqe *s = push(IORING_OP_RECV, fd, NULL, 0, IOSQE_BUFFER_SELECT, ud);
  s->ioprio = IORING_RECV_MULTISHOT;
  s->buf_group = 0;
}

/* The multishot loop: each completion names its buffer; the buffer goes back after its use. */
static double round_trip_multishot(long trips, int sfd, int cfd) {
  long done = 0;
  setup_buffers();
  double t0 = now_us();
  push_multishot_recv(sfd, SERVER_RECV);
  push_multishot_recv(cfd, CLIENT_RECV);
  push(IORING_OP_SEND, cfd, "x", 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
  while (done < trips) {
    int r = syscall(__NR_io_uring_enter, ring.fd, ring.pending, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    if (r < 0) die("io_uring_enter");
    ring.pending -= r;
    unsigned head = *ring.cq_head, tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
    for (; head != tail; head++) {
      struct io_uring_cqe *c = &ring.cqes[head & *ring.cq_mask];
      if (c->res <= 0 || !(c->flags & IORING_CQE_F_BUFFER)) { fprintf(stderr, "completion %llu: %d\n", c->user_data, c->res); exit(1); }
      unsigned short bid = c->flags >> IORING_CQE_BUFFER_SHIFT;
      if (!(c->flags & IORING_CQE_F_MORE)) push_multishot_recv(c->user_data == SERVER_RECV ? sfd : cfd, c->user_data);
      if (c->user_data == SERVER_RECV) {
        push(IORING_OP_SEND, sfd, bufs[bid], c->res, IOSQE_CQE_SKIP_SUCCESS, SEND);
      } else if (c->user_data == CLIENT_RECV) {
        if (c->res != 1 || bufs[bid][0] != 'x') { fprintf(stderr, "wrong echo\n"); exit(1); }
        if (++done < trips) push(IORING_OP_SEND, cfd, "x", 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
      }
      /* The SEND is issued inline by the next io_uring_enter, before any RECV could refill the buffer. */
      give_buffer(bid);
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
  }
  return (now_us() - t0) / trips;
}

static int multishot;

static double round_trip(long trips) {
  int cfd, sfd;
  loopback_pair(&cfd, &sfd);
  if (multishot) {
    double us = round_trip_multishot(trips, sfd, cfd);
    close(cfd);
    close(sfd);
    munmap(bufring, 4096);
    munmap(bufs, NBUFS * 65536);
    return us;
  }
  static char sbuf[65536], cbuf[65536];
  long done = 0;
  double t0 = now_us();
  push(IORING_OP_RECV, sfd, sbuf, sizeof sbuf, 0, SERVER_RECV);
  push(IORING_OP_RECV, cfd, cbuf, sizeof cbuf, 0, CLIENT_RECV);
  push(IORING_OP_SEND, cfd, "x", 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
  while (done < trips) {
    int r = syscall(__NR_io_uring_enter, ring.fd, ring.pending, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    if (r < 0) die("io_uring_enter");
    ring.pending -= r;
    unsigned head = *ring.cq_head, tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
    for (; head != tail; head++) {
      struct io_uring_cqe *c = &ring.cqes[head & *ring.cq_mask];
      if (c->res <= 0) { fprintf(stderr, "completion %llu: %d\n", c->user_data, c->res); exit(1); }
      if (c->user_data == SERVER_RECV) {
        push(IORING_OP_SEND, sfd, sbuf, c->res, IOSQE_CQE_SKIP_SUCCESS, SEND);
        push(IORING_OP_RECV, sfd, sbuf, sizeof sbuf, 0, SERVER_RECV);
      } else if (c->user_data == CLIENT_RECV) {
        if (c->res != 1 || cbuf[0] != 'x') { fprintf(stderr, "wrong echo\n"); exit(1); }
        if (++done < trips) push(IORING_OP_SEND, cfd, "x", 1, IOSQE_CQE_SKIP_SUCCESS, SEND);
        push(IORING_OP_RECV, cfd, cbuf, sizeof cbuf, 0, CLIENT_RECV);
      }
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
  }
  double us = (now_us() - t0) / trips;
  /* The last RECVs stay posted; closing the sockets ends them (their completions are reaped by
   * the next round's first enter as errors, so each round uses a fresh ring). */
  close(cfd);
  close(sfd);
  return us;
}

int main(int argc, char **argv) {
  long trips = argc > 1 ? atol(argv[1]) : 20000;
  int rounds = argc > 2 ? atoi(argv[2]) : 1;
  unsigned flags = argc > 3 ? strtoul(argv[3], 0, 0) : 0;
  multishot = argc > 4 && !strcmp(argv[4], "multishot");
  if (trips <= 0 || rounds <= 0) {
    fprintf(stderr, "usage: tcp-pingpong-uring TRIPS ROUNDS [SETUP_FLAGS]\n");
    return 2;
  }
  for (int r = 0; r < rounds; r++) {
    ring_setup(64, 0, flags);
    printf("%.3f\n", round_trip(trips));
    ring_free();
  }
  return 0;
}
