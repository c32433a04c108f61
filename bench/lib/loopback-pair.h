/* What the one-thread ping-pong C peers share (tcp-pingpong.c, tcp-pingpong-uring.c): errors,
 * the clock, and a connected TCP pair on loopback with Nagle off on both ends. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) { perror(what); exit(1); }

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/* A client end and the server end it was accepted as, both blocking, TCP_NODELAY set. */
static void loopback_pair(int *cfd, int *sfd) {
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  socklen_t alen = sizeof a;
  if (lfd < 0 || bind(lfd, (void *)&a, sizeof a) || listen(lfd, 1) || getsockname(lfd, (void *)&a, &alen)) die("listen");
  *cfd = socket(AF_INET, SOCK_STREAM, 0);
  if (*cfd < 0 || connect(*cfd, (void *)&a, sizeof a)) die("connect");
  *sfd = accept(lfd, NULL, NULL);
  if (*sfd < 0) die("accept");
  close(lfd);
  int one = 1;
  setsockopt(*cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(*sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}
