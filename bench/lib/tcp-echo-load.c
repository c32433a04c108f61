/* The load generator of bench/tcp-echo-10k: CONNS connections to 127.0.0.1:PORT, each sending a
 * SIZE-byte request and waiting for all of its echo before sending the next (a closed loop), all
 * from this one thread and one epoll set, so both servers face the same client. After WARMUP
 * seconds it counts completed echoes for MEASURE seconds and samples the server's CPU time
 * (utime + stime of every thread, /proc/PID/stat) at both ends of that window. Connections are
 * closed with SO_LINGER 0 (RST), so no TIME_WAIT eats the ephemeral ports between rounds.
 * Usage: tcp-echo-load PORT CONNS SIZE WARMUP MEASURE SERVER_PID
 * Prints one JSON line: {"messages","seconds","serverCpuS","serverUserS","loadCpuS","conns","connectS","errors"}. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static double server_user_s;

static double proc_cpu_s(int pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) die(path);
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  unsigned long ut = 0, st = 0;
  /* after ')': state(3) ... utime is field 14, stime 15 */
  if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2) die("parse stat");
  server_user_s = (double)ut / sysconf(_SC_CLK_TCK);
  return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static double self_cpu_s(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

struct conn { int fd; int got; int connected; };

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: tcp-echo-load PORT CONNS SIZE WARMUP MEASURE SERVER_PID\n");
    return 2;
  }
  int port = atoi(argv[1]), conns = atoi(argv[2]), size = atoi(argv[3]);
  double warmup = atof(argv[4]), measure = atof(argv[5]);
  int server = atoi(argv[6]);
  if (port <= 0 || conns <= 0 || size <= 0 || size > 65536 || measure <= 0 || server <= 0) {
    fprintf(stderr, "tcp-echo-load: bad arguments\n");
    return 2;
  }
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur < (rlim_t)conns + 64) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur < (rlim_t)conns + 64) {
      fprintf(stderr, "tcp-echo-load: RLIMIT_NOFILE %lu is below %d connections\n", (unsigned long)rl.rlim_cur, conns);
      return 1;
    }
  }
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  int ep = epoll_create1(0);
  struct conn *cs = calloc(conns, sizeof *cs);
  char *req = malloc(size);
  memset(req, 'r', size);
  static char buf[65536];
  struct epoll_event ready[512];
  long errors = 0;
  int one = 1;
  double t0 = now_s();
  /* Connect in waves of at most 256 in flight, so the server's backlog never overflows. */
  int opened = 0, connected = 0, inflight = 0;
  while (connected < conns) {
    while (opened < conns && inflight < 256) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      if (fd < 0) die("socket");
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (connect(fd, (void *)&a, sizeof a) && errno != EINPROGRESS) die("connect");
      cs[opened].fd = fd;
      struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = opened };
      if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) die("epoll_ctl");
      opened++;
      inflight++;
    }
    int n = epoll_wait(ep, ready, 512, 60000);
    if (n == 0) { fprintf(stderr, "tcp-echo-load: no connect completed for 60 s, stalled at %d\n", connected); return 1; }
    for (int i = 0; i < n; i++) {
      struct conn *c = &cs[ready[i].data.u32];
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) { errno = err; die("connect completion"); }
      c->connected = 1;
      connected++;
      inflight--;
      struct epoll_event ev = { .events = EPOLLIN, .data.u32 = ready[i].data.u32 };
      epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
  }
  double connectS = now_s() - t0;
  for (int i = 0; i < conns; i++)
    if (write(cs[i].fd, req, size) != size) die("first request");
  double start = now_s(), windowStart = start + warmup, windowEnd = windowStart + measure;
  int measuring = 0;
  long messages = 0;
  double cpu0 = 0, user0 = 0, self0 = 0, tStart = 0;
  for (;;) {
    double t = now_s();
    if (!measuring && t >= windowStart) {
      measuring = 1;
      messages = 0;
      cpu0 = proc_cpu_s(server);
      user0 = server_user_s;
      self0 = self_cpu_s();
      tStart = now_s();
    } else if (measuring && t >= windowEnd) break;
    int n = epoll_wait(ep, ready, 512, 100);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; i++) {
      struct conn *c = &cs[ready[i].data.u32];
      ssize_t got = read(c->fd, buf, sizeof buf);
      if (got <= 0) {
        if (got < 0 && errno == EAGAIN) continue;
        errors++;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        continue;
      }
      c->got += got;
      if (c->got >= size) {
        c->got -= size;
        messages++;
        if (write(c->fd, req, size) != size) errors++;
      }
    }
  }
  double cpu1 = proc_cpu_s(server), self1 = self_cpu_s(), tEnd = now_s();
  struct linger lg = { 1, 0 };
  for (int i = 0; i < conns; i++) {
    setsockopt(cs[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(cs[i].fd);
  }
  printf("{\"messages\":%ld,\"seconds\":%.4f,\"serverCpuS\":%.3f,\"serverUserS\":%.3f,\"loadCpuS\":%.3f,\"conns\":%d,\"connectS\":%.3f,\"errors\":%ld}\n",
         messages, tEnd - tStart, cpu1 - cpu0, server_user_s - user0, self1 - self0, conns, connectS, errors);
  return errors ? 1 : 0;
}
