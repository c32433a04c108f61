/* Reference servers for bench/tcp-echo-10k, what the kernel allows one thread: an echo server in
 * C that no event-loop or FFI cost stands in front of.
 *   MODE "epoll": one level-triggered epoll set, one read and one write per ready connection
 *     (the system calls node:net's and rxsock's servers make per message).
 *   MODE "uring": io_uring completions instead of readiness: a multishot ACCEPT, one multishot
 *     RECV per connection picking 2 KiB buffers from a ring of provided buffers
 *     (IORING_REGISTER_PBUF_RING), a SEND of each buffer back, the buffer handed back to the ring
 *     when the SEND completes; one io_uring_enter per pass submits every SEND and waits for the
 *     next completion. SINGLE_ISSUER|DEFER_TASKRUN, what the ping-pong C peer ran fastest with.
 * Listens on 127.0.0.1, an ephemeral port, backlog 4096; prints the port on its first line, then
 * serves until killed. Raw system calls and <linux/io_uring.h>; no liburing.
 * Usage: tcp-echo-server epoll|uring */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

#include "uring-ring.h"

static int listen_loopback(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t alen = sizeof a;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (fd < 0 || bind(fd, (void *)&a, sizeof a) || listen(fd, 4096) || getsockname(fd, (void *)&a, &alen)) die("listen");
  printf("%d\n", ntohs(a.sin_port));
  fflush(stdout);
  return fd;
}

static void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void serve_epoll(int lfd) {
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd }, ready[1024];
  if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) die("epoll_ctl");
  static char buf[65536];
  for (;;) {
    int n = epoll_wait(ep, ready, 1024, -1);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      if (fd == lfd) {
        int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
        if (c < 0) continue;
        no_delay(c);
        struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev)) die("epoll_ctl");
        continue;
      }
      ssize_t got = read(fd, buf, sizeof buf);
      /* 100-byte echoes go into an empty send buffer, so a write is whole or the peer is gone. */
      if (got > 0 && write(fd, buf, got) == got) continue;
      if (got < 0 && errno == EAGAIN) continue;
      close(fd); /* end of stream, reset or a failed write; closing leaves the epoll set */
    }
  }
}

/* user_data: the kind in the top byte, then the buffer id (SEND) and the fd. */
enum { ACCEPT = 1, RECV = 2, SEND = 3 };
#define UD(kind, bid, fd) (((unsigned long long)(kind) << 56) | ((unsigned long long)(bid) << 32) | (unsigned)(fd))

#define NBUFS 16384
#define BUF_SIZE 2048
static struct io_uring_buf *bufring;
static char *bufs;
static unsigned short buf_tail;

static void give_buffer(unsigned short bid) {
  struct io_uring_buf *b = &bufring[buf_tail & (NBUFS - 1)];
  b->addr = (unsigned long)(bufs + (size_t)bid * BUF_SIZE);
  b->len = BUF_SIZE;
  b->bid = bid;
  buf_tail++;
  __atomic_store_n(&bufring[0].resv, buf_tail, __ATOMIC_RELEASE); /* the tail overlays bufs[0].resv */
}

static void recv_multishot(int fd) {
  struct io_uring_sqe *s = push(IORING_OP_RECV, fd, NULL, 0, IOSQE_BUFFER_SELECT, UD(RECV, 0, fd));
  s->ioprio = IORING_RECV_MULTISHOT;
  s->buf_group = 0;
}

static void accept_multishot(int lfd) {
  struct io_uring_sqe *s = push(IORING_OP_ACCEPT, lfd, NULL, 0, 0, UD(ACCEPT, 0, lfd));
  s->ioprio = IORING_ACCEPT_MULTISHOT;
  s->accept_flags = SOCK_NONBLOCK;
}

static void serve_uring(int lfd) {
  ring_setup(4096, 65536, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);
  bufring = mmap(0, NBUFS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  bufs = mmap(0, (size_t)NBUFS * BUF_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (bufring == MAP_FAILED || bufs == MAP_FAILED) die("mmap buffers");
  struct io_uring_buf_reg reg = { .ring_addr = (unsigned long)bufring, .ring_entries = NBUFS, .bgid = 0 };
  if (syscall(__NR_io_uring_register, ring.fd, IORING_REGISTER_PBUF_RING, &reg, 1)) die("IORING_REGISTER_PBUF_RING");
  for (unsigned i = 0; i < NBUFS; i++) give_buffer(i);
  accept_multishot(lfd);
  for (;;) {
    ring_enter(1);
    unsigned head = *ring.cq_head, tail = __atomic_load_n(ring.cq_tail, __ATOMIC_ACQUIRE);
    for (; head != tail; head++) {
      struct io_uring_cqe *c = &ring.cqes[head & *ring.cq_mask];
      int kind = c->user_data >> 56, fd = (int)(unsigned)c->user_data;
      if (kind == ACCEPT) {
        if (c->res >= 0) {
          no_delay(c->res);
          recv_multishot(c->res);
        }
        if (!(c->flags & IORING_CQE_F_MORE)) accept_multishot(lfd);
      } else if (kind == RECV) {
        if (c->res > 0) {
          unsigned short bid = c->flags >> IORING_CQE_BUFFER_SHIFT;
          push(IORING_OP_SEND, fd, bufs + (size_t)bid * BUF_SIZE, c->res, 0, UD(SEND, bid, fd));
          if (!(c->flags & IORING_CQE_F_MORE)) recv_multishot(fd);
        } else if (c->res == -ENOBUFS) {
          recv_multishot(fd); /* every buffer is out in a SEND: ask again once they come back */
        } else if (!(c->flags & IORING_CQE_F_MORE)) {
          close(fd); /* end of stream or an error (the load generator resets at the end) */
        }
      } else if (kind == SEND) {
        give_buffer((c->user_data >> 32) & 0xffff);
      }
    }
    __atomic_store_n(ring.cq_head, head, __ATOMIC_RELEASE);
  }
}

int main(int argc, char **argv) {
  if (argc != 2 || (strcmp(argv[1], "epoll") && strcmp(argv[1], "uring"))) {
    fprintf(stderr, "usage: tcp-echo-server epoll|uring\n");
    return 2;
  }
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = rl.rlim_max;
  setrlimit(RLIMIT_NOFILE, &rl);
  int lfd = listen_loopback();
  if (!strcmp(argv[1], "epoll")) serve_epoll(lfd);
  else serve_uring(lfd);
  return 0;
}
