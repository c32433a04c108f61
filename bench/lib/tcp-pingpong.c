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
#include "loopback-pair.h"


static double round_trip(long trips) {
  int cfd, sfd;
  loopback_pair(&cfd, &sfd);
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
