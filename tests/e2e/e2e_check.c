/*
 * e2e_check: runs one guest workload, natively or under `faultsim run`, and
 * compares its stdout and exit status with the expectations in
 * tests/e2e/expectations.txt (the one table both kinds of test read).
 *
 *   e2e_check --table FILE --test NAME --mode native|faultsim --program PATH
 *             --data-dir DIR [--faultsim PATH]
 *
 * Native runs must see what faultsim gives the program: argv[0] "/bin/NAME"
 * and only the table's environment.  run_capture (tests/support) execs its
 * argv[0] with our environment, so native runs go through this program's
 * internal trampoline, which also ptraces the workload to record why a
 * signal was sent (si_code), something the exit status alone cannot show:
 *
 *   e2e_check --exec-traced ARGV0 [--env NAME=VALUE]... -- PATH [ARGS...]
 *
 * The trampoline ends the same way as the workload (same exit status, or the
 * same fatal signal re-raised) and reports the first fatal signal's si_code
 * on stderr as "e2e-siginfo: <signal> <code>".
 *
 * Table format, one directive per line, '#' comments, tokens separated by
 * blanks, "double-quoted" tokens with C escapes (\n \t \\ \" \xHH):
 *   test NAME WORKLOAD MODES   starts an entry; MODES: both, native, faultsim
 *   args TOKEN...              arguments after argv[0]; @FILE is an input
 *                              file from --data-dir: its host path natively,
 *                              /data/FILE under faultsim (passed with --file)
 *   env NAME=VALUE...          the whole environment
 *   stdout STRING              expected stdout; several lines concatenate
 *   exit N | signal SEGV|KILL|BUS|ILL|ABRT   expected end (signal S is exit
 *                              status 128+S from faultsim)
 *   native-siginfo CODE        natively, the fatal signal's si_code
 *                              (SEGV_MAPERR, SEGV_ACCERR)
 *   ram MIB                    faultsim --ram
 *   stat NAME OP VALUE         faultsim only: a --stats counter; OP is one
 *                              of == >= <= > <
 *   faultsim-args TOKEN...     faultsim only: options before the program
 *                              (--stack-guard 16, --selftest-pf, -v ...)
 *   stderr STRING              faultsim only: stderr (the kernel log with -v)
 *                              must contain STRING; may repeat
 *   stderr-absent STRING       faultsim only: stderr must not contain it
 *   timeout SECONDS            default 30 native, 300 under faultsim
 *
 * Every faultsim run also gets --stats, and must report a kernel report with
 * frames_free_exit == frames_free_boot: frames never leak, whatever the
 * workload did or however it ended.
 */
#include "run_capture.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_TOKENS          64
#define MAX_STATS           32
#define GUEST_DATA_DIR      "/data/"
#define NATIVE_STACK_LIMIT  (8UL << 20)
#define SIGINFO_UNAVAILABLE "e2e-siginfo: unavailable"

struct stat_check {
  char name[64];
  char op[3];
  unsigned long long value;
};

struct entry {
  char name[128];
  char workload[128];
  char modes[16];
  char *args[MAX_TOKENS];
  int argc;
  char *env[MAX_TOKENS];
  int envc;
  char *stdout_text; /* malloc'd, grows */
  size_t stdout_len;
  int exit_status;  /* -1 when a signal is expected */
  int signal;       /* 0 when an exit status is expected */
  char siginfo[32]; /* "" when not checked */
  unsigned ram_mib; /* 0: faultsim's default */
  struct stat_check stats[MAX_STATS];
  int stat_count;
  char *fs_args[MAX_TOKENS]; /* faultsim-args */
  int fs_argc;
  char *err_want[MAX_TOKENS]; /* stderr */
  int err_want_count;
  char *err_absent[MAX_TOKENS]; /* stderr-absent */
  int err_absent_count;
  unsigned timeout_s; /* 0: the mode's default */
};

static const struct {
  const char *name;
  int sig;
} signals[] = {{"SEGV", SIGSEGV}, {"KILL", SIGKILL}, {"BUS", SIGBUS},
               {"ILL", SIGILL},   {"ABRT", SIGABRT}, {"FPE", SIGFPE}};

static const struct {
  const char *name;
  int sig;
  int code;
} si_codes[] = {{"SEGV_MAPERR", SIGSEGV, SEGV_MAPERR},
                {"SEGV_ACCERR", SIGSEGV, SEGV_ACCERR},
                {"BUS_ADRERR", SIGBUS, BUS_ADRERR},
                {"ILL_ILLOPN", SIGILL, ILL_ILLOPN},
                {"ILL_ILLOPC", SIGILL, ILL_ILLOPC}};

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("e2e_check: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(2);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    die("out of memory");
  return p;
}

static char *xstrdup(const char *s) {
  char *p = xmalloc(strlen(s) + 1);
  strcpy(p, s);
  return p;
}

static void entry_free(struct entry *e) {
  for (int i = 0; i < e->argc; i++)
    free(e->args[i]);
  for (int i = 0; i < e->envc; i++)
    free(e->env[i]);
  free(e->stdout_text);
  for (int i = 0; i < e->fs_argc; i++)
    free(e->fs_args[i]);
  for (int i = 0; i < e->err_want_count; i++)
    free(e->err_want[i]);
  for (int i = 0; i < e->err_absent_count; i++)
    free(e->err_absent[i]);
  e->fs_argc = e->err_want_count = e->err_absent_count = 0;
  e->argc = e->envc = 0;
  e->stdout_text = NULL;
}

static const char *signal_name(int sig) {
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (signals[i].sig == sig)
      return signals[i].name;
  return "?";
}

static const char *si_code_name(int sig, int code) {
  for (size_t i = 0; i < sizeof si_codes / sizeof si_codes[0]; i++)
    if (si_codes[i].sig == sig && si_codes[i].code == code)
      return si_codes[i].name;
  return "other";
}

/* ------------------------------------------------------------------------
 * Trampoline for native runs.
 * ---------------------------------------------------------------------- */

static int exec_traced(int argc, char **argv) {
  const char *argv0 = NULL;
  char *envp[MAX_TOKENS + 1];
  int envc = 0, i;
  for (i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--argv0") && i + 1 < argc)
      argv0 = argv[++i];
    else if (!strcmp(argv[i], "--env") && i + 1 < argc && envc < MAX_TOKENS)
      envp[envc++] = argv[++i];
    else if (!strcmp(argv[i], "--"))
      break;
    else
      die("--exec-traced: unexpected %s", argv[i]);
  }
  envp[envc] = NULL;
  if (++i >= argc || !argv0)
    die("--exec-traced: missing --argv0 or program");
  char **child_argv = argv + i;
  const char *path = child_argv[0];
  child_argv[0] = (char *)argv0;

  pid_t pid = fork();
  if (pid < 0)
    die("fork: %s", strerror(errno));
  if (pid == 0) {
    /* stack_overflow recurses until RLIMIT_STACK: with an unlimited stack
     * it would eat the host's memory instead of crashing.  8 MiB is the
     * usual default. */
    struct rlimit stack;
    if (getrlimit(RLIMIT_STACK, &stack) == 0 &&
        (stack.rlim_cur == RLIM_INFINITY || stack.rlim_cur > NATIVE_STACK_LIMIT)) {
      stack.rlim_cur = NATIVE_STACK_LIMIT;
      setrlimit(RLIMIT_STACK, &stack);
    }
    /* Without ptrace (some sandboxes forbid it) the run still counts; only
     * the si_code check is skipped. */
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
      fprintf(stderr, "%s (PTRACE_TRACEME: %s)\n", SIGINFO_UNAVAILABLE, strerror(errno));
    execve(path, child_argv, envp);
    fprintf(stderr, "e2e_check: cannot execute %s: %s\n", path, strerror(errno));
    _exit(127);
  }

  int reported = 0;
  for (;;) {
    int status;
    if (waitpid(pid, &status, 0) < 0) {
      if (errno == EINTR)
        continue;
      die("waitpid: %s", strerror(errno));
    }
    if (WIFEXITED(status))
      exit(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
      /* Die the same way, without leaving a core file behind. */
      int sig = WTERMSIG(status);
      struct rlimit no_core = {0, 0};
      sigset_t set;
      setrlimit(RLIMIT_CORE, &no_core);
      signal(sig, SIG_DFL);
      sigemptyset(&set);
      sigaddset(&set, sig);
      sigprocmask(SIG_UNBLOCK, &set, NULL);
      fflush(NULL);
      raise(sig);
      exit(128 + sig);
    }
    if (!WIFSTOPPED(status))
      continue;
    int sig = WSTOPSIG(status), deliver = sig;
    if (sig == SIGTRAP) {
      deliver = 0; /* the stop after execve, not a signal for the program */
    } else if (!reported) {
      siginfo_t si;
      if (ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) == 0) {
        fprintf(stderr, "e2e-siginfo: %s %s\n", signal_name(sig), si_code_name(sig, si.si_code));
        fflush(stderr);
        reported = 1;
      }
    }
    ptrace(PTRACE_CONT, pid, NULL, (void *)(long)deliver);
  }
}

/* ------------------------------------------------------------------------
 * The table.
 * ---------------------------------------------------------------------- */

/* Splits line into tokens in place (quoted tokens are unescaped into the
 * same storage, which only shrinks).  Returns the count, or -1. */
static int tokenize(char *line, char **tok, int max, const char *where) {
  int n = 0;
  char *p = line;
  for (;;) {
    while (*p == ' ' || *p == '\t')
      p++;
    if (!*p || *p == '\n' || *p == '#')
      return n;
    if (n == max)
      die("%s: too many tokens", where);
    if (*p != '"') {
      tok[n++] = p;
      while (*p && !isspace((unsigned char)*p))
        p++;
      if (*p)
        *p++ = '\0';
      continue;
    }
    char *out = ++p;
    tok[n++] = out;
    for (;;) {
      char c = *p++;
      if (!c || c == '\n')
        die("%s: unterminated string", where);
      if (c == '"')
        break;
      if (c == '\\') {
        c = *p++;
        switch (c) {
        case 'n':
          c = '\n';
          break;
        case 't':
          c = '\t';
          break;
        case '\\':
        case '"':
          break;
        case 'x': {
          char hex[3] = {p[0], p[0] ? p[1] : 0, 0};
          char *end;
          c = (char)strtol(hex, &end, 16);
          if (end != hex + 2)
            die("%s: bad \\x escape", where);
          p += 2;
          break;
        }
        default:
          die("%s: unknown escape \\%c", where, c);
        }
      }
      *out++ = c;
    }
    /* The closing quote's slot may be the separator; terminate after it. */
    if (*p && !isspace((unsigned char)*p))
      die("%s: text right after a closing quote", where);
    if (*p)
      p++;
    *out = '\0';
  }
}

static int signal_by_name(const char *name) {
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (!strcmp(signals[i].name, name))
      return signals[i].sig;
  return 0;
}

static unsigned long parse_number(const char *s, const char *where) {
  char *end;
  errno = 0;
  unsigned long v = strtoul(s, &end, 0);
  if (errno || end == s || *end)
    die("%s: bad number %s", where, s);
  return v;
}

/* Reads the table and fills e for test `name`.  Every entry is parsed (and so
 * validated) even when another one is wanted: a typo anywhere fails every
 * test, not just the one that uses it. */
static void load_entry(const char *table, const char *name, struct entry *e) {
  FILE *f = fopen(table, "r");
  if (!f)
    die("cannot open %s: %s", table, strerror(errno));
  char line[4096], where[512];
  int lineno = 0, found = 0;
  struct entry cur;
  int have_cur = 0;
  memset(e, 0, sizeof *e);

  for (;;) {
    char *got = fgets(line, sizeof line, f);
    char *tok[MAX_TOKENS];
    int n = 0;
    if (got) {
      lineno++;
      snprintf(where, sizeof where, "%s:%d", table, lineno);
      if (!strchr(line, '\n') && !feof(f))
        die("%s: line too long", where);
      n = tokenize(line, tok, MAX_TOKENS, where);
      if (n == 0)
        continue;
    }
    if (!got || !strcmp(tok[0], "test")) {
      if (have_cur) {
        if (cur.exit_status < 0 && !cur.signal)
          die("%s: test %s has neither exit nor signal", table, cur.name);
        if (!strcmp(cur.name, name)) {
          if (found)
            die("%s: test %s defined twice", table, name);
          *e = cur;
          found = 1;
        } else {
          entry_free(&cur); /* everything is freed: the ASan build checks leaks */
        }
      }
      if (!got)
        break;
      if (n != 4)
        die("%s: expected: test NAME WORKLOAD MODES", where);
      memset(&cur, 0, sizeof cur);
      have_cur = 1;
      cur.exit_status = -1;
      snprintf(cur.name, sizeof cur.name, "%s", tok[1]);
      snprintf(cur.workload, sizeof cur.workload, "%s", tok[2]);
      snprintf(cur.modes, sizeof cur.modes, "%s", tok[3]);
      if (strcmp(cur.modes, "both") && strcmp(cur.modes, "native") && strcmp(cur.modes, "faultsim"))
        die("%s: MODES must be both, native or faultsim", where);
      cur.stdout_text = xstrdup("");
      continue;
    }
    if (!have_cur)
      die("%s: %s before the first test line", where, tok[0]);
    if (!strcmp(tok[0], "args")) {
      for (int i = 1; i < n; i++)
        cur.args[cur.argc++] = xstrdup(tok[i]);
    } else if (!strcmp(tok[0], "env")) {
      for (int i = 1; i < n; i++) {
        if (!strchr(tok[i], '='))
          die("%s: env entries are NAME=VALUE", where);
        cur.env[cur.envc++] = xstrdup(tok[i]);
      }
    } else if (!strcmp(tok[0], "stdout") && n == 2) {
      size_t add = strlen(tok[1]);
      cur.stdout_text = realloc(cur.stdout_text, cur.stdout_len + add + 1);
      if (!cur.stdout_text)
        die("out of memory");
      memcpy(cur.stdout_text + cur.stdout_len, tok[1], add + 1);
      cur.stdout_len += add;
    } else if (!strcmp(tok[0], "exit") && n == 2) {
      cur.exit_status = (int)parse_number(tok[1], where);
      if (cur.exit_status > 255)
        die("%s: exit status above 255", where);
    } else if (!strcmp(tok[0], "signal") && n == 2) {
      cur.signal = signal_by_name(tok[1]);
      if (!cur.signal)
        die("%s: unknown signal %s", where, tok[1]);
    } else if (!strcmp(tok[0], "native-siginfo") && n == 2) {
      snprintf(cur.siginfo, sizeof cur.siginfo, "%s", tok[1]);
    } else if (!strcmp(tok[0], "ram") && n == 2) {
      cur.ram_mib = (unsigned)parse_number(tok[1], where);
    } else if (!strcmp(tok[0], "faultsim-args")) {
      for (int i = 1; i < n && cur.fs_argc < MAX_TOKENS; i++)
        cur.fs_args[cur.fs_argc++] = xstrdup(tok[i]);
    } else if (!strcmp(tok[0], "stderr") && n == 2) {
      if (cur.err_want_count == MAX_TOKENS)
        die("%s: too many stderr lines", where);
      cur.err_want[cur.err_want_count++] = xstrdup(tok[1]);
    } else if (!strcmp(tok[0], "stderr-absent") && n == 2) {
      if (cur.err_absent_count == MAX_TOKENS)
        die("%s: too many stderr-absent lines", where);
      cur.err_absent[cur.err_absent_count++] = xstrdup(tok[1]);
    } else if (!strcmp(tok[0], "timeout") && n == 2) {
      cur.timeout_s = (unsigned)parse_number(tok[1], where);
    } else if (!strcmp(tok[0], "stat") && n == 4) {
      struct stat_check *s;
      if (cur.stat_count == MAX_STATS)
        die("%s: too many stat lines", where);
      s = &cur.stats[cur.stat_count++];
      snprintf(s->name, sizeof s->name, "%s", tok[1]);
      snprintf(s->op, sizeof s->op, "%s", tok[2]);
      if (strcmp(s->op, "==") && strcmp(s->op, ">=") && strcmp(s->op, "<=") && strcmp(s->op, ">") &&
          strcmp(s->op, "<"))
        die("%s: unknown comparison %s", where, tok[2]);
      s->value = parse_number(tok[3], where);
    } else {
      die("%s: unknown or malformed directive %s", where, tok[0]);
    }
  }
  fclose(f);
  if (!found)
    die("%s: no test named %s", table, name);
}

/* ------------------------------------------------------------------------
 * Running and comparing.
 * ---------------------------------------------------------------------- */

/* Prints text with C escapes, one source line per output line. */
static void show(const char *label, const char *text, size_t len) {
  fprintf(stderr, "  %s (%zu bytes):\n    \"", label, len);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c == '\n')
      fputs(i + 1 < len ? "\\n\"\n    \"" : "\\n", stderr);
    else if (c == '\\' || c == '"')
      fprintf(stderr, "\\%c", c);
    else if (c < 0x20 || c >= 0x7f)
      fprintf(stderr, "\\x%02x", c);
    else
      fputc(c, stderr);
  }
  fputs("\"\n", stderr);
}

/* Finds counter `name` in faultsim's --stats block on stderr. */
static int find_stat(const char *err, const char *name, unsigned long long *value) {
  const char *block = strstr(err, "faultsim stats:");
  size_t len = strlen(name);
  if (!block)
    return -1;
  for (const char *line = block; line; line = strchr(line, '\n')) {
    if (*line == '\n')
      line++;
    while (*line == ' ' || *line == '\t')
      line++;
    if (!strncmp(line, name, len) && (line[len] == ' ' || line[len] == '\t')) {
      *value = strtoull(line + len, NULL, 0);
      return 0;
    }
  }
  return -1;
}

static int compare(const char *op, unsigned long long a, unsigned long long b) {
  if (!strcmp(op, "=="))
    return a == b;
  if (!strcmp(op, ">="))
    return a >= b;
  if (!strcmp(op, "<="))
    return a <= b;
  if (!strcmp(op, ">"))
    return a > b;
  return a < b;
}

static void describe_end(char *buf, size_t size, const struct run_output *out) {
  if (out->timed_out)
    snprintf(buf, size, "timed out");
  else if (out->exited)
    snprintf(buf, size, "exit status %d", out->exit_status);
  else
    snprintf(buf, size, "killed by signal %d (SIG%s)", out->signal, signal_name(out->signal));
}

int main(int argc, char **argv) {
  const char *table = NULL, *test = NULL, *mode = NULL, *program = NULL, *data_dir = NULL;
  const char *faultsim = NULL;

  if (argc > 1 && !strcmp(argv[1], "--exec-traced"))
    return exec_traced(argc - 2, argv + 2);
  for (int i = 1; i < argc; i++) {
    const char **slot = !strcmp(argv[i], "--table")      ? &table
                        : !strcmp(argv[i], "--test")     ? &test
                        : !strcmp(argv[i], "--mode")     ? &mode
                        : !strcmp(argv[i], "--program")  ? &program
                        : !strcmp(argv[i], "--data-dir") ? &data_dir
                        : !strcmp(argv[i], "--faultsim") ? &faultsim
                                                         : NULL;
    if (!slot || i + 1 == argc)
      die("usage: e2e_check --table FILE --test NAME --mode native|faultsim --program PATH "
          "--data-dir DIR [--faultsim PATH]");
    *slot = argv[++i];
  }
  if (!table || !test || !mode || !program || !data_dir)
    die("missing option (see the header of e2e_check.c)");
  int native = !strcmp(mode, "native");
  if (!native && strcmp(mode, "faultsim"))
    die("--mode must be native or faultsim");
  if (!native && !faultsim)
    die("--mode faultsim needs --faultsim PATH");

  struct entry e;
  load_entry(table, test, &e);
  if (strcmp(e.modes, "both") && strcmp(e.modes, mode))
    die("test %s is not for mode %s", test, mode);

  /* Build the command line; owned[] holds what it allocates. */
  char *cmd[6 * MAX_TOKENS + 16], *owned[2 * MAX_TOKENS + 4];
  int n = 0, n_owned = 0;
  char *argv0 = owned[n_owned++] = xmalloc(strlen(e.workload) + 6);
  sprintf(argv0, "/bin/%s", e.workload);
  if (native) {
    /* This program again, in --exec-traced mode. */
    static char self[4096];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (len <= 0)
      die("readlink /proc/self/exe: %s", strerror(errno));
    self[len] = '\0';
    cmd[n++] = self;
    cmd[n++] = "--exec-traced";
    cmd[n++] = "--argv0";
    cmd[n++] = argv0;
    for (int i = 0; i < e.envc; i++) {
      cmd[n++] = "--env";
      cmd[n++] = e.env[i];
    }
    cmd[n++] = "--";
  } else {
    char buf[64];
    cmd[n++] = (char *)faultsim;
    cmd[n++] = "run";
    if (e.ram_mib) {
      snprintf(buf, sizeof buf, "%u", e.ram_mib);
      cmd[n++] = "--ram";
      cmd[n++] = owned[n_owned++] = xstrdup(buf);
    }
    for (int i = 0; i < e.argc; i++) {
      if (e.args[i][0] != '@')
        continue;
      char *spec = owned[n_owned++] =
          xmalloc(strlen(data_dir) + 2 * strlen(e.args[i]) + sizeof GUEST_DATA_DIR + 4);
      sprintf(spec, "%s/%s:%s%s", data_dir, e.args[i] + 1, GUEST_DATA_DIR, e.args[i] + 1);
      cmd[n++] = "--file";
      cmd[n++] = spec;
    }
    for (int i = 0; i < e.envc; i++) {
      cmd[n++] = "--env";
      cmd[n++] = e.env[i];
    }
    for (int i = 0; i < e.fs_argc; i++)
      cmd[n++] = e.fs_args[i];
    cmd[n++] = "--stats"; /* always: the frame-leak check below needs it */
  }
  cmd[n++] = (char *)program;
  for (int i = 0; i < e.argc; i++) {
    const char *a = e.args[i];
    if (a[0] != '@') {
      cmd[n++] = (char *)a;
      continue;
    }
    const char *dir = native ? data_dir : GUEST_DATA_DIR;
    char *path = owned[n_owned++] = xmalloc(strlen(dir) + strlen(a) + 2);
    sprintf(path, native ? "%s/%s" : "%s%s", dir, a + 1);
    cmd[n++] = path;
  }
  cmd[n] = NULL;

  fprintf(stderr, "e2e_check: %s:", test);
  for (int i = 0; i < n; i++)
    fprintf(stderr, " %s", cmd[i]);
  fputc('\n', stderr);

  unsigned timeout_s = e.timeout_s ? e.timeout_s : native ? 30 : 300;
  struct run_output out;
  if (run_capture_timeout(cmd, NULL, timeout_s * 1000u, &out) != 0)
    die("cannot run %s: %s", cmd[0], strerror(errno));

  int ok = 1;
  if (out.out_len != e.stdout_len || memcmp(out.out, e.stdout_text, e.stdout_len) != 0) {
    size_t i = 0;
    while (i < out.out_len && i < e.stdout_len && out.out[i] == e.stdout_text[i])
      i++;
    fprintf(stderr, "FAIL: stdout differs (first difference at byte %zu)\n", i);
    show("expected", e.stdout_text, e.stdout_len);
    show("actual", out.out, out.out_len);
    ok = 0;
  }

  /* Natively a signal is a signal; faultsim reports it as 128+signal. */
  char got[96], want[96];
  describe_end(got, sizeof got, &out);
  int end_ok;
  if (e.signal && native) {
    end_ok = !out.exited && !out.timed_out && out.signal == e.signal;
    snprintf(want, sizeof want, "killed by signal %d (SIG%s)", e.signal, signal_name(e.signal));
  } else {
    int status = e.signal ? 128 + e.signal : e.exit_status;
    end_ok = out.exited && !out.timed_out && out.exit_status == status;
    snprintf(want, sizeof want, "exit status %d", status);
  }
  if (!end_ok) {
    fprintf(stderr, "FAIL: expected %s, got %s\n", want, got);
    ok = 0;
  }

  if (native && e.siginfo[0]) {
    char line[128];
    snprintf(line, sizeof line, "e2e-siginfo: %s %s\n", signal_name(e.signal), e.siginfo);
    if (strstr(out.err, SIGINFO_UNAVAILABLE)) {
      fprintf(stderr, "note: si_code not checked: ptrace is unavailable\n");
    } else if (!strstr(out.err, line)) {
      fprintf(stderr, "FAIL: expected the workload to get %s", line + strlen("e2e-siginfo: "));
      ok = 0;
    }
  }

  if (!native) {
    unsigned long long boot, exit_free;
    if (find_stat(out.err, "frames_free_boot", &boot) != 0 ||
        find_stat(out.err, "frames_free_exit", &exit_free) != 0) {
      fprintf(stderr, "FAIL: no kernel report (frames_free_boot/exit) in --stats\n");
      ok = 0;
    } else if (boot != exit_free) {
      fprintf(stderr, "FAIL: frames leaked: %llu free at boot, %llu at exit\n", boot, exit_free);
      ok = 0;
    }
    for (int i = 0; i < e.err_want_count; i++) {
      if (!strstr(out.err, e.err_want[i])) {
        fprintf(stderr, "FAIL: stderr lacks \"%s\"\n", e.err_want[i]);
        ok = 0;
      }
    }
    for (int i = 0; i < e.err_absent_count; i++) {
      if (strstr(out.err, e.err_absent[i])) {
        fprintf(stderr, "FAIL: stderr contains \"%s\"\n", e.err_absent[i]);
        ok = 0;
      }
    }
    for (int i = 0; i < e.stat_count; i++) {
      const struct stat_check *s = &e.stats[i];
      unsigned long long v;
      if (find_stat(out.err, s->name, &v) != 0) {
        fprintf(stderr, "FAIL: counter %s missing from --stats\n", s->name);
        ok = 0;
      } else if (!compare(s->op, v, s->value)) {
        fprintf(stderr, "FAIL: counter %s is %llu, expected %s %llu\n", s->name, v, s->op,
                s->value);
        ok = 0;
      }
    }
  }

  if (out.err_len) {
    fprintf(stderr, "--- stderr of the run ---\n");
    fwrite(out.err, 1, out.err_len, stderr);
    if (out.err[out.err_len - 1] != '\n')
      fputc('\n', stderr);
  }
  fprintf(stderr, "e2e_check: %s (%s): %s\n", test, mode, ok ? "PASS" : "FAIL");
  run_output_free(&out);
  entry_free(&e);
  while (n_owned)
    free(owned[--n_owned]);
  return ok ? 0 : 1;
}
