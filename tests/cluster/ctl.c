/*
 * ctl.c: membership requests to a dqlite cluster over the dqlite client
 * wire protocol (version 1), which the C header of libdqlite does not offer.
 *
 *   cc -std=c11 -o build/cluster/cluster-ctl tests/cluster/ctl.c
 *   cluster-ctl SERVERS leader            print the leader's id and address
 *   cluster-ctl SERVERS join ID ADDRESS   add node ID at ADDRESS, as a voter
 *   cluster-ctl SERVERS transfer ID       hand leadership to node ID
 *
 * SERVERS is a comma-separated list of HOST:PORT (IPv4). The leader is found
 * by asking each server in turn (LEADER request); JOIN then sends ADD and
 * ASSIGN (role voter) to the leader, TRANSFER sends TRANSFER to it. Requests
 * are retried until a leader answers, for at most thirty seconds. Exit status 0
 * on success, 1 on failure with a message on standard error.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum {
  PROTOCOL_VERSION = 1,
  REQUEST_LEADER = 0,
  REQUEST_ADD = 12,
  REQUEST_ASSIGN = 13,
  REQUEST_TRANSFER = 17,
  RESPONSE_FAILURE = 0,
  RESPONSE_NODE = 1,
  RESPONSE_EMPTY = 8,
  ROLE_VOTER = 0,
  MAX_BODY = 4096,
  RETRY_SECONDS = 30, /* an election on two loaded cores can take over 10 s */
};

/* A message body being written or read, in 8-byte words. */
struct body {
  uint8_t data[MAX_BODY];
  size_t len; /* bytes written, or bytes available when reading */
  size_t pos; /* read position */
  uint8_t type;
};

/* Append a little-endian 64-bit integer. */
static int put_u64(struct body *b, uint64_t v) {
  if (b->len + 8 > MAX_BODY) {
    return -1;
  }
  for (int i = 0; i < 8; i++) {
    b->data[b->len++] = (uint8_t)(v >> (8 * i));
  }
  return 0;
}

/* Append a NUL-terminated string padded with zeros to a word boundary. */
static int put_text(struct body *b, const char *s) {
  size_t n = strlen(s) + 1;
  size_t padded = (n + 7) / 8 * 8;
  if (b->len + padded > MAX_BODY) {
    return -1;
  }
  memset(b->data + b->len, 0, padded);
  memcpy(b->data + b->len, s, n - 1);
  b->len += padded;
  return 0;
}

/* Read a little-endian 64-bit integer, or 0 past the end. */
static uint64_t get_u64(struct body *b) {
  uint64_t v = 0;
  if (b->pos + 8 > b->len) {
    return 0;
  }
  for (int i = 0; i < 8; i++) {
    v |= (uint64_t)b->data[b->pos++] << (8 * i);
  }
  return v;
}

/* Read a string in place (NUL-terminated inside the body), or "". */
static const char *get_text(struct body *b) {
  if (b->pos >= b->len) {
    return "";
  }
  const char *s = (const char *)b->data + b->pos;
  size_t n = strnlen(s, b->len - b->pos);
  if (n == b->len - b->pos) {
    return "";
  }
  b->pos += (n + 1 + 7) / 8 * 8;
  return s;
}

/* Write all of BUF to FD. */
static int write_all(int fd, const void *buf, size_t len) {
  const uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n <= 0) {
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Read exactly LEN bytes from FD. */
static int read_all(int fd, void *buf, size_t len) {
  uint8_t *p = buf;
  while (len > 0) {
    ssize_t n = read(fd, p, len);
    if (n <= 0) {
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Connect to HOST:PORT with five-second send and receive timeouts and send
 * the protocol version; return the socket or -1. */
static int dial(const char *address) {
  char host[64];
  const char *colon = strrchr(address, ':');
  if (colon == NULL || (size_t)(colon - address) >= sizeof host) {
    return -1;
  }
  memcpy(host, address, (size_t)(colon - address));
  host[colon - address] = '\0';
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
    return -1;
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  struct timeval tv = {.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct body hello = {.len = 0};
  put_u64(&hello, PROTOCOL_VERSION);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
      write_all(fd, hello.data, hello.len) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Send request REQ (type and body) and read the response into RES. */
static int roundtrip(int fd, const struct body *req, struct body *res) {
  uint8_t header[8] = {0};
  uint32_t words = (uint32_t)(req->len / 8);
  for (int i = 0; i < 4; i++) {
    header[i] = (uint8_t)(words >> (8 * i));
  }
  header[4] = req->type;
  if (write_all(fd, header, 8) != 0 ||
      write_all(fd, req->data, req->len) != 0 || read_all(fd, header, 8) != 0) {
    return -1;
  }
  words = (uint32_t)header[0] | (uint32_t)header[1] << 8 |
          (uint32_t)header[2] << 16 | (uint32_t)header[3] << 24;
  if ((size_t)words * 8 > MAX_BODY) {
    return -1;
  }
  res->type = header[4];
  res->len = (size_t)words * 8;
  res->pos = 0;
  return read_all(fd, res->data, res->len);
}

/* Ask the server at ADDRESS who leads; copy the leader's address to OUT
 * and its id to ID. Return 0 if a leader is known. */
static int ask_leader(const char *address, char *out, size_t size,
                      uint64_t *id) {
  int fd = dial(address);
  if (fd < 0) {
    return -1;
  }
  struct body req = {.len = 0, .type = REQUEST_LEADER};
  struct body res;
  put_u64(&req, 0);
  int rc = roundtrip(fd, &req, &res);
  close(fd);
  if (rc != 0 || res.type != RESPONSE_NODE) {
    return -1;
  }
  *id = get_u64(&res);
  snprintf(out, size, "%s", get_text(&res));
  return (*id != 0 && out[0] != '\0') ? 0 : -1;
}

/* Find the leader among the comma-separated SERVERS, confirmed by the
 * leader itself. Return 0 and fill OUT and ID on success. */
static int find_leader(const char *servers, char *out, size_t size,
                       uint64_t *id) {
  char list[1024];
  snprintf(list, sizeof list, "%s", servers);
  char *save = NULL;
  for (char *s = strtok_r(list, ",", &save); s != NULL;
       s = strtok_r(NULL, ",", &save)) {
    char again[256];
    uint64_t again_id = 0;
    if (ask_leader(s, out, size, id) == 0 &&
        ask_leader(out, again, sizeof again, &again_id) == 0 &&
        strcmp(out, again) == 0) {
      return 0;
    }
  }
  return -1;
}

/* Send REQ to the leader and expect an EMPTY response; a FAILURE response
 * is printed and returned as -2 (not retried), a network error as -1. */
static int leader_request(const char *leader, const struct body *req) {
  int fd = dial(leader);
  if (fd < 0) {
    return -1;
  }
  struct body res;
  int rc = roundtrip(fd, req, &res);
  close(fd);
  if (rc != 0) {
    return -1;
  }
  if (res.type == RESPONSE_FAILURE) {
    uint64_t code = get_u64(&res);
    fprintf(stderr, "cluster-ctl: leader %s refused: %s (%llu)\n", leader,
            get_text(&res), (unsigned long long)code);
    return -2;
  }
  return res.type == RESPONSE_EMPTY ? 0 : -1;
}

/* Sleep for a tenth of a second. */
static void pause_briefly(void) {
  struct timespec ts = {.tv_sec = 0, .tv_nsec = 100 * 1000 * 1000};
  nanosleep(&ts, NULL);
}

/* Send REQ to the current leader, retrying while none answers. */
static int with_leader(const char *servers, const struct body *req) {
  time_t deadline = time(NULL) + RETRY_SECONDS;
  do {
    char leader[256];
    uint64_t id = 0;
    if (find_leader(servers, leader, sizeof leader, &id) == 0) {
      int rc = leader_request(leader, req);
      if (rc != -1) {
        return rc;
      }
    }
    pause_briefly();
  } while (time(NULL) < deadline);
  fprintf(stderr, "cluster-ctl: no leader answered in %d s\n", RETRY_SECONDS);
  return -1;
}

/* Parse a decimal node id, or return 0. */
static uint64_t parse_id(const char *text) {
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  return (errno == 0 && end != text && *end == '\0') ? v : 0;
}

/* Print the leader's id and address. */
static int cmd_leader(const char *servers) {
  time_t deadline = time(NULL) + RETRY_SECONDS;
  do {
    char leader[256];
    uint64_t id = 0;
    if (find_leader(servers, leader, sizeof leader, &id) == 0) {
      printf("%llu %s\n", (unsigned long long)id, leader);
      return 0;
    }
    pause_briefly();
  } while (time(NULL) < deadline);
  fprintf(stderr, "cluster-ctl: no leader found\n");
  return -1;
}

/* Add node ID at ADDRESS and make it a voter. */
static int cmd_join(const char *servers, uint64_t id, const char *address) {
  struct body add = {.len = 0, .type = REQUEST_ADD};
  struct body assign = {.len = 0, .type = REQUEST_ASSIGN};
  if (put_u64(&add, id) != 0 || put_text(&add, address) != 0) {
    return -1;
  }
  put_u64(&assign, id);
  put_u64(&assign, ROLE_VOTER);
  if (with_leader(servers, &add) != 0) {
    return -1;
  }
  return with_leader(servers, &assign);
}

/* Hand leadership to node ID. */
static int cmd_transfer(const char *servers, uint64_t id) {
  struct body req = {.len = 0, .type = REQUEST_TRANSFER};
  put_u64(&req, id);
  return with_leader(servers, &req);
}

int main(int argc, char **argv) {
  int rc = -1;
  if (argc == 3 && strcmp(argv[2], "leader") == 0) {
    rc = cmd_leader(argv[1]);
  } else if (argc == 5 && strcmp(argv[2], "join") == 0 &&
             parse_id(argv[3]) != 0) {
    rc = cmd_join(argv[1], parse_id(argv[3]), argv[4]);
  } else if (argc == 4 && strcmp(argv[2], "transfer") == 0 &&
             parse_id(argv[3]) != 0) {
    rc = cmd_transfer(argv[1], parse_id(argv[3]));
  } else {
    fprintf(stderr, "usage: cluster-ctl SERVERS leader\n"
                    "       cluster-ctl SERVERS join ID ADDRESS\n"
                    "       cluster-ctl SERVERS transfer ID\n");
    return 2;
  }
  return rc == 0 ? 0 : 1;
}
