/* One-byte TCP ping-pong on loopback, client and server in one thread: the floor for an event
 * loop here. One epoll set (level-triggered) holds both ends; every wake-up reads each ready fd
 * into a 64 KiB buffer (as libuv does) and writes the reply. Same shape as the node:net and
 * rxsock sides of bench/tcp-pingpong: the client sends the next ping when the pong arrives.
 * Usage: tcp-pingpong TRIPS ROUNDS   prints one line per round: microseconds per round trip. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static double round_trip(long trips) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t alen = sizeof a;
  if (lfd < 0 || bind(lfd, (void *)&a, sizeof a) || listen(lfd, 1) || getsockname(lfd, (void *)&a, &alen)) die("listen");
  int cfd = socket(AF_INET, SOCK_STREAM, 0);
  if (cfd < 0 || connect(cfd, (void *)&a, sizeof a)) die("connect");
  int sfd = accept(lfd, NULL, NULL);
  if (sfd < 0) die("accept");
  close(lfd);
  int one = 1;
  setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(cfd, F_SETFL, O_NONBLOCK);
  fcntl(sfd, F_SETFL, O_NONBLOCK);
  int ep = epoll_create1(0);
  struct epoll_event ev = { .events = EPOLLIN };
  ev.data.fd = cfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
  ev.data.fd = sfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
  static char buf[65536];
  struct epoll_event ready[16];
  long done = 0;
  double t0 = now_us();
  if (write(cfd, "x", 1) != 1) die("write");
  while (done < trips) {
    int n = epoll_wait(ep, ready, 16, -1);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; i++) {
      int fd = ready[i].data.fd;
      ssize_t got = read(fd, buf, sizeof buf);
      if (got <= 0) continue;
      if (fd == sfd) {
        if (write(sfd, buf, got) != got) die("echo");
      } else if (++done < trips) {
        if (write(cfd, "x", 1) != 1) die("ping");
      }
    }
  }
  double us = (now_us() - t0) / trips;
  close(ep);
  close(cfd);
  close(sfd);
  return us;
}

int main(int argc, char **argv) {
  long trips = argc > 1 ? atol(argv[1]) : 20000;
  int rounds = argc > 2 ? atoi(argv[2]) : 1;
  if (trips <= 0 || rounds <= 0) {
    fprintf(stderr, "usage: tcp-pingpong TRIPS ROUNDS\n");
    return 2;
  }
  for (int r = 0; r < rounds; r++) printf("%.3f\n", round_trip(trips));
  return 0;
}
