#include "run_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct buffer {
  char *data;
  size_t len;
  size_t cap;
};

static int buffer_append(struct buffer *b, const char *bytes, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    while (b->len + n + 1 > cap)
      cap *= 2;
    char *grown = realloc(b->data, cap);
    if (grown == NULL)
      return -1;
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, bytes, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

static char *buffer_take(struct buffer *b, size_t *len) {
  if (b->data == NULL)
    b->data = calloc(1, 1);
  *len = b->len;
  return b->data;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_pair(int fds[2]) {
  for (int i = 0; i < 2; i++)
    if (fds[i] >= 0)
      close(fds[i]);
}

int run_capture_timeout(char *const argv[], const char *stdin_text, unsigned timeout_ms,
                        struct run_output *out) {
  memset(out, 0, sizeof(*out));
  out->exit_status = -1;
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    int error = errno;
    close_pair(in_pipe);
    close_pair(out_pipe);
    close_pair(err_pipe);
    errno = error;
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    int error = errno;
    close_pair(in_pipe);
    close_pair(out_pipe);
    close_pair(err_pipe);
    errno = error;
    return -1;
  }
  if (pid == 0) {
    /* dup2 clears close-on-exec on the copies; the originals close at exec. */
    if (dup2(in_pipe[0], 0) < 0 || dup2(out_pipe[1], 1) < 0 || dup2(err_pipe[1], 2) < 0)
      _exit(127);
    signal(SIGPIPE, SIG_DFL);
    execv(argv[0], argv);
    dprintf(2, "run_capture: cannot execute %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);

  /* A child that stops reading stdin must not kill the test with SIGPIPE. */
  struct sigaction ignore = {.sa_handler = SIG_IGN}, previous;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, &previous);

  const char *pending = stdin_text ? stdin_text : "";
  size_t pending_len = strlen(pending);
  int in_fd = in_pipe[1];
  if (pending_len == 0) {
    close(in_fd);
    in_fd = -1;
  } else {
    fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  }
  struct buffer out_buf = {0}, err_buf = {0};
  int out_fd = out_pipe[0], err_fd = err_pipe[0];
  long long deadline = timeout_ms ? now_ms() + timeout_ms : 0;
  int failed = 0;
  while ((out_fd >= 0 || err_fd >= 0) && !failed) {
    struct pollfd fds[3] = {
        {.fd = out_fd, .events = POLLIN},
        {.fd = err_fd, .events = POLLIN},
        {.fd = in_fd, .events = POLLOUT},
    };
    int wait_ms = -1;
    if (deadline) {
      long long left = deadline - now_ms();
      if (left <= 0) {
        kill(pid, SIGKILL);
        out->timed_out = 1;
        break;
      }
      wait_ms = (int)left;
    }
    int ready = poll(fds, 3, wait_ms);
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready < 0)
      break;
    char chunk[65536];
    for (int i = 0; i < 2; i++) {
      int *fd = i == 0 ? &out_fd : &err_fd;
      struct buffer *b = i == 0 ? &out_buf : &err_buf;
      if (*fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
        continue;
      ssize_t got = read(*fd, chunk, sizeof(chunk));
      if (got < 0 && errno == EINTR)
        continue;
      if (got <= 0) {
        close(*fd);
        *fd = -1;
      } else if (buffer_append(b, chunk, (size_t)got) != 0) {
        failed = 1;
      }
    }
    if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t put = write(in_fd, pending, pending_len);
      if (put > 0) {
        pending += put;
        pending_len -= (size_t)put;
      }
      if ((put < 0 && errno != EAGAIN && errno != EINTR) || pending_len == 0) {
        close(in_fd);
        in_fd = -1;
      }
    }
  }
  if (failed)
    kill(pid, SIGKILL);
  if (in_fd >= 0)
    close(in_fd);
  if (out_fd >= 0)
    close(out_fd);
  if (err_fd >= 0)
    close(err_fd);

  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
    ;
  sigaction(SIGPIPE, &previous, NULL);
  if (WIFEXITED(status)) {
    out->exited = 1;
    out->exit_status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    out->signal = WTERMSIG(status);
  }
  out->out = buffer_take(&out_buf, &out->out_len);
  out->err = buffer_take(&err_buf, &out->err_len);
  if (failed || out->out == NULL || out->err == NULL) {
    run_output_free(out);
    errno = ENOMEM;
    return -1;
  }
  return 0;
}

int run_capture(char *const argv[], const char *stdin_text, struct run_output *out) {
  return run_capture_timeout(argv, stdin_text, 0, out);
}

void run_output_free(struct run_output *out) {
  free(out->out);
  free(out->err);
  out->out = out->err = NULL;
  out->out_len = out->err_len = 0;
}

int text_has_line_starting_with(const char *text, const char *prefix) {
  size_t prefix_len = strlen(prefix);
  for (const char *line = text; line != NULL && *line != '\0';) {
    if (strncmp(line, prefix, prefix_len) == 0)
      return 1;
    line = strchr(line, '\n');
    if (line != NULL)
      line++;
  }
  return 0;
}

size_t text_line_count(const char *text) {
  size_t lines = 0;
  for (const char *p = text; *p; p++)
    if (*p == '\n')
      lines++;
  size_t len = strlen(text);
  if (len > 0 && text[len - 1] != '\n')
    lines++;
  return lines;
}
