#include "gdb_stub.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdb_packet.h"
#include "machine/machine_debug.h"

#define SIG_INT  2
#define SIG_TRAP 5
#define SIG_SEGV 11

struct gdb_stub {
  int listen_fd;
  int fd; /* the connected gdb, -1 when none */
  char host[64];
  unsigned port;
  struct machine *machine;
  struct gdb_decoder dec;
  uint8_t out[GDB_PACKET_MAX * 2 + 8];
  size_t out_length; /* last framed packet, for retransmission on '-' */
  char reply[GDB_PACKET_MAX + 1];
  char last_stop[128];
  bool killed;
};

/* Target description: GDB's x86-64 core and SSE features (names and order as
 * gdb expects them), the segment bases, and our control registers. */
static const char target_xml_head[] = "<?xml version=\"1.0\"?>\n"
                                      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                      "<target version=\"1.0\">\n"
                                      "<architecture>i386:x86-64</architecture>\n"
                                      "<feature name=\"org.gnu.gdb.i386.core\">\n";

static char target_xml[8192];
static size_t target_xml_length;

static void build_target_xml(void) {
  static const char *const gprs[] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                                     "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
  static const char *const segs[] = {"cs", "ss", "ds", "es", "fs", "gs"};
  if (target_xml_length)
    return;
  char *p = target_xml;
  size_t left = sizeof target_xml;
#define ADD(...)                                                                                   \
  do {                                                                                             \
    int n_ = snprintf(p, left, __VA_ARGS__);                                                       \
    p += n_;                                                                                       \
    left -= (size_t)n_;                                                                            \
  } while (0)
  ADD("%s", target_xml_head);
  for (int i = 0; i < 16; i++)
    ADD("<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%d\"/>\n", gprs[i],
        i == 6 || i == 7 ? "data_ptr" : "int64", i);
  ADD("<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\"/>\n");
  ADD("<reg name=\"eflags\" bitsize=\"32\" type=\"int32\" regnum=\"17\"/>\n");
  for (int i = 0; i < 6; i++)
    ADD("<reg name=\"%s\" bitsize=\"32\" type=\"int32\" regnum=\"%d\"/>\n", segs[i], 18 + i);
  for (int i = 0; i < 8; i++)
    ADD("<reg name=\"st%d\" bitsize=\"80\" type=\"i387_ext\" regnum=\"%d\"/>\n", i, 24 + i);
  /* gdb's order for the x87 control words. */
  static const char *const fpu_order[] = {"fctrl", "fstat", "ftag",  "fiseg",
                                          "fioff", "foseg", "fooff", "fop"};
  for (int i = 0; i < 8; i++)
    ADD("<reg name=\"%s\" bitsize=\"32\" type=\"int\" group=\"float\" regnum=\"%d\"/>\n",
        fpu_order[i], 32 + i);
  ADD("</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n");
  ADD("<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
      "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
      "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
      "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
      "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
      "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
      "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
      "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
      "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
      "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/>"
      "</union>\n");
  for (int i = 0; i < 16; i++)
    ADD("<reg name=\"xmm%d\" bitsize=\"128\" type=\"vec128\" regnum=\"%d\"/>\n", i, 40 + i);
  ADD("<reg name=\"mxcsr\" bitsize=\"32\" type=\"int\" group=\"vector\" regnum=\"56\"/>\n");
  ADD("</feature>\n<feature name=\"org.gnu.gdb.i386.segments\">\n");
  ADD("<reg name=\"fs_base\" bitsize=\"64\" type=\"int\" regnum=\"57\"/>\n");
  ADD("<reg name=\"gs_base\" bitsize=\"64\" type=\"int\" regnum=\"58\"/>\n");
  ADD("</feature>\n<feature name=\"org.faultsim.x86.control\">\n");
  static const char *const ctrl[] = {"cr0", "cr2", "cr3", "cr4", "efer"};
  for (int i = 0; i < 5; i++)
    ADD("<reg name=\"%s\" bitsize=\"64\" type=\"int\" group=\"system\" regnum=\"%d\"/>\n", ctrl[i],
        59 + i);
  ADD("</feature>\n</target>\n");
#undef ADD
  target_xml_length = (size_t)(p - target_xml);
}

/* ---- transport ---------------------------------------------------------- */

struct gdb_stub *gdb_stub_listen(const char *host, unsigned port, char *err, size_t err_size) {
  struct gdb_stub *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  s->fd = -1;
  snprintf(s->host, sizeof s->host, "%s", host);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    snprintf(err, err_size, "'%s' is not an IPv4 address", host);
    free(s);
    return NULL;
  }
  s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  socklen_t len = sizeof addr;
  if (s->listen_fd < 0 ||
      setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
      listen(s->listen_fd, 1) != 0 ||
      getsockname(s->listen_fd, (struct sockaddr *)&addr, &len) != 0) {
    snprintf(err, err_size, "cannot listen on %s:%u: %s", host, port, strerror(errno));
    if (s->listen_fd >= 0)
      close(s->listen_fd);
    free(s);
    return NULL;
  }
  s->port = ntohs(addr.sin_port);
  build_target_xml();
  /* A gdb that goes away must not kill us with SIGPIPE. */
  signal(SIGPIPE, SIG_IGN);
  return s;
}

unsigned gdb_stub_port(const struct gdb_stub *s) {
  return s->port;
}

void gdb_stub_write_script(const struct gdb_stub *s, FILE *out, const char *kernel_elf,
                           const char *program) {
  fprintf(out, "# faultsim: symbols of the kernel and of the program, then connect.\n");
  fprintf(out, "set architecture i386:x86-64\n");
  /* Both are linked at their run addresses (kernel in the higher half,
   * program static non-PIE), so no offsets are needed. */
  if (kernel_elf)
    fprintf(out, "file %s\n", kernel_elf);
  if (program)
    fprintf(out, "add-symbol-file %s\n", program);
  fprintf(out, "target remote %s:%u\n", s->host, s->port);
}

static void drop_connection(struct gdb_stub *s) {
  if (s->fd >= 0)
    close(s->fd);
  s->fd = -1;
  gdb_decoder_init(&s->dec);
}

static bool accept_connection(struct gdb_stub *s) {
  fprintf(stderr, "faultsim: waiting for gdb on %s:%u\n", s->host, s->port);
  fflush(stderr);
  for (;;) {
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0) {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      s->fd = fd;
      gdb_decoder_init(&s->dec);
      return true;
    }
    if (errno != EINTR)
      return false;
  }
}

static bool send_all(struct gdb_stub *s, const uint8_t *data, size_t length) {
  while (length) {
    ssize_t n = send(s->fd, data, length, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    data += n;
    length -= (size_t)n;
  }
  return true;
}

static bool send_packet_bytes(struct gdb_stub *s, const void *payload, size_t length) {
  if (s->fd < 0)
    return false;
  s->out_length = gdb_frame(payload, length, s->out, sizeof s->out);
  if (s->out_length == 0)
    s->out_length = gdb_frame((const uint8_t *)"E01", 3, s->out, sizeof s->out);
  return send_all(s, s->out, s->out_length);
}

static bool send_packet(struct gdb_stub *s, const char *text) {
  return send_packet_bytes(s, text, strlen(text));
}

/* Blocks for the next packet.  False when the connection is gone. */
static bool read_packet(struct gdb_stub *s) {
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = recv(s->fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    for (ssize_t i = 0; i < n; i++) {
      enum gdb_event ev = gdb_decoder_feed(&s->dec, buf[i]);
      if (ev == GDB_EV_PACKET) {
        send_all(s, (const uint8_t *)"+", 1);
        /* gdb sends one packet and waits for the reply: anything after it
         * in this read would be a protocol error, so it is dropped. */
        return true;
      }
      if (ev == GDB_EV_BAD_CHECKSUM || ev == GDB_EV_BAD_PACKET)
        send_all(s, (const uint8_t *)"-", 1);
      else if (ev == GDB_EV_NACK && s->out_length)
        send_all(s, s->out, s->out_length);
    }
  }
}

/* Polled while the machine runs: Ctrl-C from gdb, or gdb gone. */
static bool poll_interrupt(void *opaque) {
  struct gdb_stub *s = opaque;
  if (s->fd < 0)
    return false;
  struct pollfd p = {.fd = s->fd, .events = POLLIN};
  if (poll(&p, 1, 0) <= 0)
    return false;
  uint8_t buf[256];
  ssize_t n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    /* gdb went away while the machine ran: stop, and wait for the next. */
    drop_connection(s);
    return true;
  }
  bool interrupt = false;
  for (ssize_t i = 0; i < n; i++)
    interrupt |= gdb_decoder_feed(&s->dec, buf[i]) == GDB_EV_INTERRUPT;
  return interrupt;
}

/* ---- packet handlers ---------------------------------------------------- */

static void format_stop(struct gdb_stub *s, const struct mdbg_stop *stop) {
  char *r = s->last_stop;
  size_t n = sizeof s->last_stop;
  switch (stop->reason) {
  case MDBG_BREAKPOINT:
    snprintf(r, n, "T%02xswbreak:;thread:1;", SIG_TRAP);
    break;
  case MDBG_WATCH: {
    const char *kind = stop->watch_kind == MDBG_WATCH_WRITE  ? "watch"
                       : stop->watch_kind == MDBG_WATCH_READ ? "rwatch"
                                                             : "awatch";
    snprintf(r, n, "T%02x%s:%llx;thread:1;", SIG_TRAP, kind, (unsigned long long)stop->address);
    break;
  }
  case MDBG_FAULT: {
    /* SIGSEGV, CR2 expedited as register 0x3c, and the address again in a
     * field gdb skips but a human reading `set debug remote 1` sees. */
    uint8_t cr2[8];
    char hex[17];
    memcpy(cr2, &stop->address, 8);
    gdb_hex_encode(cr2, 8, hex);
    snprintf(r, n, "T%02xthread:1;%x:%s;faultaddr:%llx;", SIG_SEGV, MDBG_CR2, hex,
             (unsigned long long)stop->address);
    break;
  }
  case MDBG_INTERRUPT:
    snprintf(r, n, "T%02xthread:1;", SIG_INT);
    break;
  case MDBG_EXITED:
    if (stop->end == MDBG_END_EXITED)
      snprintf(r, n, "W%02x", stop->code & 0xff);
    else if (stop->end == MDBG_END_SIGNALED)
      snprintf(r, n, "X%02x", stop->code & 0x7f);
    else
      snprintf(r, n, "X%02x", 9);
    break;
  default:
    snprintf(r, n, "T%02xthread:1;", SIG_TRAP);
    break;
  }
}

static void reply_registers(struct gdb_stub *s) {
  char *p = s->reply;
  for (int reg = 0; reg < MDBG_REG_COUNT; reg++) {
    uint8_t value[16];
    int size = machine_debug_reg_read(s->machine, reg, value);
    if (size < 0)
      size = 0;
    gdb_hex_encode(value, (size_t)size, p);
    p += 2 * size;
  }
  send_packet(s, s->reply);
}

static void write_registers(struct gdb_stub *s, const char *hex) {
  size_t have = strlen(hex) / 2;
  size_t at = 0;
  bool ok = true;
  for (int reg = 0; reg < MDBG_REG_COUNT; reg++) {
    size_t size = machine_debug_reg_size(reg);
    if (at + size > have)
      break;
    uint8_t value[16];
    gdb_hex_decode(hex + 2 * at, 2 * size, value, sizeof value);
    if (machine_debug_reg_write(s->machine, reg, value) != 0)
      ok = false;
    at += size;
  }
  send_packet(s, ok ? "OK" : "E01");
}

static void read_memory(struct gdb_stub *s, const char *args) {
  uint64_t addr, length;
  const char *p;
  if (!gdb_parse_hex(args, &addr, &p) || *p != ',' || !gdb_parse_hex(p + 1, &length, NULL)) {
    send_packet(s, "E01");
    return;
  }
  if (length > (GDB_PACKET_MAX - 16) / 2)
    length = (GDB_PACKET_MAX - 16) / 2;
  uint8_t data[GDB_PACKET_MAX / 2];
  /* Page by page so a read that runs into a hole returns what precedes it. */
  size_t got = 0;
  while (got < length) {
    size_t chunk = 4096 - ((addr + got) & 0xfff);
    if (chunk > length - got)
      chunk = length - got;
    if (machine_debug_mem_read(s->machine, addr + got, data + got, chunk) != 0)
      break;
    got += chunk;
  }
  if (got == 0 && length > 0) {
    send_packet(s, "E14"); /* EFAULT */
    return;
  }
  gdb_hex_encode(data, got, s->reply);
  send_packet(s, s->reply);
}

static void write_memory(struct gdb_stub *s, const char *args, size_t args_length, bool binary) {
  uint64_t addr, length;
  const char *p;
  if (!gdb_parse_hex(args, &addr, &p) || *p != ',' || !gdb_parse_hex(p + 1, &length, &p) ||
      *p != ':') {
    send_packet(s, "E01");
    return;
  }
  p++;
  size_t data_length = args_length - (size_t)(p - args);
  uint8_t data[GDB_PACKET_MAX];
  if (binary) {
    if (data_length != length) {
      send_packet(s, "E01");
      return;
    }
    memcpy(data, p, data_length);
  } else if (gdb_hex_decode(p, data_length, data, sizeof data) != (long)length) {
    send_packet(s, "E01");
    return;
  }
  if (length == 0) {
    send_packet(s, "OK"); /* gdb probes X support with an empty write */
    return;
  }
  send_packet(s, machine_debug_mem_write(s->machine, addr, data, length) == 0 ? "OK" : "E14");
}

static void breakpoint_packet(struct gdb_stub *s, const char *packet) {
  bool insert = packet[0] == 'Z';
  char type = packet[1];
  uint64_t addr, kind;
  const char *p;
  if (packet[2] != ',' || !gdb_parse_hex(packet + 3, &addr, &p) || *p != ',' ||
      !gdb_parse_hex(p + 1, &kind, NULL)) {
    send_packet(s, "E01");
    return;
  }
  int rc;
  switch (type) {
  case '0':
  case '1':
    rc = insert ? machine_debug_break_insert(s->machine, addr)
                : machine_debug_break_remove(s->machine, addr);
    break;
  case '2':
  case '3':
  case '4': {
    enum mdbg_watch_kind k = type == '2'   ? MDBG_WATCH_WRITE
                             : type == '3' ? MDBG_WATCH_READ
                                           : MDBG_WATCH_ACCESS;
    rc = insert ? machine_debug_watch_insert(s->machine, k, addr, kind)
                : machine_debug_watch_remove(s->machine, k, addr, kind);
    break;
  }
  default:
    send_packet(s, "");
    return;
  }
  send_packet(s, rc == 0 ? "OK" : "E01");
}

static void xfer_features(struct gdb_stub *s, const char *args) {
  /* args: "target.xml:OFFSET,LENGTH" */
  const char *colon = strchr(args, ':');
  uint64_t offset, length;
  const char *p;
  if (strncmp(args, "target.xml:", 11) != 0 || !colon || !gdb_parse_hex(colon + 1, &offset, &p) ||
      *p != ',' || !gdb_parse_hex(p + 1, &length, NULL)) {
    send_packet(s, "E00");
    return;
  }
  if (offset >= target_xml_length) {
    send_packet(s, "l");
    return;
  }
  size_t n = target_xml_length - offset;
  if (n > length)
    n = length;
  if (n > GDB_PACKET_MAX - 2)
    n = GDB_PACKET_MAX - 2;
  s->reply[0] = offset + n < target_xml_length ? 'm' : 'l';
  memcpy(s->reply + 1, target_xml + offset, n);
  send_packet_bytes(s, s->reply, n + 1);
}

static void monitor(struct gdb_stub *s, const char *hex) {
  char command[512];
  long n = gdb_hex_decode(hex, strlen(hex), (uint8_t *)command, sizeof command - 1);
  if (n < 0) {
    send_packet(s, "E01");
    return;
  }
  command[n] = '\0';
  static char text[8192];
  machine_debug_monitor(s->machine, command, text, sizeof text);
  /* Console output goes in 'O' packets, hex-encoded, in pieces. */
  size_t length = strlen(text);
  for (size_t at = 0; at < length; at += 1024) {
    size_t chunk = length - at < 1024 ? length - at : 1024;
    s->reply[0] = 'O';
    gdb_hex_encode((const uint8_t *)text + at, chunk, s->reply + 1);
    send_packet(s, s->reply);
  }
  send_packet(s, "OK");
}

/* vCont;ACTION[:thread][;...]: the first action applies (one thread). */
static int vcont_action(const char *args) {
  if (args[0] != ';')
    return -1;
  char a = args[1];
  if (a == 'c' || a == 'C')
    return MDBG_CONTINUE;
  if (a == 's' || a == 'S')
    return MDBG_STEP_ONE;
  return -1;
}

/* Serves packets until gdb resumes, detaches, kills or goes away.  Returns
 * the action, or -1 when the connection dropped. */
static int serve(struct gdb_stub *s) {
  while (read_packet(s)) {
    const char *pkt = (const char *)s->dec.payload;
    size_t length = s->dec.length;
    switch (pkt[0]) {
    case '?':
      send_packet(s, s->last_stop);
      break;
    case 'g':
      reply_registers(s);
      break;
    case 'G':
      write_registers(s, pkt + 1);
      break;
    case 'p': {
      uint64_t reg;
      uint8_t value[16];
      int size;
      if (!gdb_parse_hex(pkt + 1, &reg, NULL) || reg >= MDBG_REG_COUNT ||
          (size = machine_debug_reg_read(s->machine, (int)reg, value)) < 0) {
        send_packet(s, "E01");
        break;
      }
      gdb_hex_encode(value, (size_t)size, s->reply);
      send_packet(s, s->reply);
      break;
    }
    case 'P': {
      uint64_t reg;
      const char *p;
      uint8_t value[16] = {0};
      if (!gdb_parse_hex(pkt + 1, &reg, &p) || *p != '=' || reg >= MDBG_REG_COUNT ||
          gdb_hex_decode(p + 1, strlen(p + 1), value, sizeof value) !=
              (long)machine_debug_reg_size((int)reg) ||
          machine_debug_reg_write(s->machine, (int)reg, value) != 0) {
        send_packet(s, "E01");
        break;
      }
      send_packet(s, "OK");
      break;
    }
    case 'm':
      read_memory(s, pkt + 1);
      break;
    case 'M':
      write_memory(s, pkt + 1, length - 1, false);
      break;
    case 'X':
      write_memory(s, pkt + 1, length - 1, true);
      break;
    case 'c':
    case 'C':
      /* An address to resume at is not supported (gdb never sends one). */
      return MDBG_CONTINUE;
    case 's':
    case 'S':
      return MDBG_STEP_ONE;
    case 'Z':
    case 'z':
      breakpoint_packet(s, pkt);
      break;
    case 'D':
      send_packet(s, "OK");
      drop_connection(s);
      return MDBG_DETACH;
    case 'k':
      s->killed = true;
      drop_connection(s);
      return MDBG_KILL;
    case 'H':
    case 'T':
      send_packet(s, "OK");
      break;
    case 'q':
      if (strncmp(pkt, "qSupported", 10) == 0) {
        char features[128];
        snprintf(features, sizeof features,
                 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;vContSupported+",
                 GDB_PACKET_MAX);
        send_packet(s, features);
      } else if (strncmp(pkt, "qXfer:features:read:", 20) == 0) {
        xfer_features(s, pkt + 20);
      } else if (strcmp(pkt, "qAttached") == 0) {
        send_packet(s, "1");
      } else if (strcmp(pkt, "qC") == 0) {
        send_packet(s, "QC1");
      } else if (strcmp(pkt, "qfThreadInfo") == 0) {
        send_packet(s, "m1");
      } else if (strcmp(pkt, "qsThreadInfo") == 0) {
        send_packet(s, "l");
      } else if (strncmp(pkt, "qRcmd,", 6) == 0) {
        monitor(s, pkt + 6);
      } else {
        send_packet(s, "");
      }
      break;
    case 'v':
      if (strcmp(pkt, "vCont?") == 0) {
        send_packet(s, "vCont;c;C;s;S");
      } else if (strncmp(pkt, "vCont", 5) == 0) {
        int action = vcont_action(pkt + 5);
        if (action >= 0)
          return action;
        send_packet(s, "E01");
      } else if (strncmp(pkt, "vKill", 5) == 0) {
        send_packet(s, "OK");
        s->killed = true;
        drop_connection(s);
        return MDBG_KILL;
      } else {
        send_packet(s, "");
      }
      break;
    default:
      send_packet(s, "");
      break;
    }
  }
  drop_connection(s);
  return -1;
}

static enum mdbg_action on_stopped(void *opaque, struct machine *m, const struct mdbg_stop *stop) {
  struct gdb_stub *s = opaque;
  (void)m;
  bool was_running = stop->reason != MDBG_START;
  format_stop(s, stop);
  if (stop->reason == MDBG_EXITED) {
    if (s->fd >= 0) {
      send_packet(s, s->last_stop);
      drop_connection(s);
    }
    return MDBG_CONTINUE;
  }
  /* gdb waits for this reply after c/s; a new gdb asks with '?'. */
  if (was_running && s->fd >= 0)
    send_packet(s, s->last_stop);
  for (;;) {
    if (s->fd < 0) {
      /* The next gdb knows nothing of the last one's breakpoints. */
      machine_debug_clear_points(s->machine);
      if (!accept_connection(s))
        return MDBG_KILL;
    }
    int action = serve(s);
    if (action >= 0)
      return (enum mdbg_action)action;
    /* The connection dropped with the machine stopped: it stays stopped for
     * the next gdb, which learns why with '?'. */
    fprintf(stderr, "faultsim: gdb disconnected; the machine stays stopped\n");
  }
}

int gdb_stub_attach(struct gdb_stub *s, struct machine *m, uint64_t break_on_fault) {
  s->machine = m;
  snprintf(s->last_stop, sizeof s->last_stop, "S%02x", SIG_TRAP);
  struct machine_debugger d = {.stopped = on_stopped,
                               .poll_interrupt = poll_interrupt,
                               .opaque = s,
                               .break_on_fault = break_on_fault};
  return machine_debug_attach(m, &d);
}

void gdb_stub_close(struct gdb_stub *s) {
  if (!s)
    return;
  drop_connection(s);
  if (s->listen_fd >= 0)
    close(s->listen_fd);
  free(s);
}
