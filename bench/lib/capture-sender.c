/* capture benchmark sender: 64-byte frames on an AF_PACKET socket at a fixed rate, sendmmsg
 * batches paced in 1 ms ticks. Built by bench/capture.bench.mjs with cc at bench time.
 * usage: capture-sender IFNAME DSTMAC RATE SECONDS  ->  prints {"sent":N,"seconds":S} */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define FRAME 64
#define MAXB 1024

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 5) { fprintf(stderr, "usage: %s IFNAME DSTMAC RATE SECONDS\n", argv[0]); return 2; }
  unsigned mac[6];
  if (sscanf(argv[2], "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5]) != 6) return 2;
  double rate = atof(argv[3]), seconds = atof(argv[4]);
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) { perror("socket"); return 1; }
  struct sockaddr_ll sll = {0};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = if_nametoindex(argv[1]);
  sll.sll_protocol = htons(0x88b5);
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror("bind"); return 1; }
  static unsigned char frames[MAXB][FRAME];
  static struct mmsghdr msgs[MAXB];
  static struct iovec iov[MAXB];
  for (int i = 0; i < MAXB; i++) {
    for (int k = 0; k < 6; k++) frames[i][k] = mac[k];
    frames[i][6] = 0x02; frames[i][11] = 0x01;
    frames[i][12] = 0x88; frames[i][13] = 0xb5;
    iov[i].iov_base = frames[i];
    iov[i].iov_len = FRAME;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long long sent = 0, seq = 0;
  double start = now(), end = start + seconds;
  struct timespec tick;
  clock_gettime(CLOCK_MONOTONIC, &tick);
  for (;;) {
    double t = now();
    if (t >= end) break;
    unsigned long long due = (unsigned long long)((t - start) * rate);
    while (sent < due) {
      unsigned n = due - sent > MAXB ? MAXB : (unsigned)(due - sent);
      for (unsigned i = 0; i < n; i++) { unsigned long long s = seq++; memcpy(frames[i] + 14, &s, 8); }
      int r = sendmmsg(fd, msgs, n, 0);
      if (r <= 0) break;
      sent += r;
    }
    tick.tv_nsec += 1000000;
    if (tick.tv_nsec >= 1000000000) { tick.tv_nsec -= 1000000000; tick.tv_sec++; }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL);
  }
  printf("{\"sent\":%llu,\"seconds\":%.3f}\n", sent, now() - start);
  return 0;
}
