#include "fuzz_text.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAGIC "faultsim-fuzz-program"
#define FIELDS     11

/* Indexed by enum fz_op_kind. */
static const char *const kind_names[FZ_OP_KIND_MAX + 1] = {
    [FZ_OP_MMAP] = "mmap", [FZ_OP_MUNMAP] = "munmap", [FZ_OP_MPROTECT] = "mprotect",
    [FZ_OP_BRK] = "brk",   [FZ_OP_READ] = "read",     [FZ_OP_WRITE] = "write",
    [FZ_OP_EXEC] = "exec", [FZ_OP_KREAD] = "kread",   [FZ_OP_KWRITE] = "kwrite",
};

const char *fuzz_op_kind_name(unsigned kind) {
  return kind <= FZ_OP_KIND_MAX && kind_names[kind] ? kind_names[kind] : "?";
}

static const char *const base_names[] = {
    [FZ_BASE_ABS] = "abs", [FZ_BASE_SLOT] = "slot", [FZ_BASE_BRK] = "brk"};

static const char *file_name(uint8_t file, char *buf, size_t size) {
  switch (file) {
  case FZ_FILE_ANON:
    return "anon";
  case FZ_FILE_CONSOLE:
    return "console";
  case FZ_FILE_BADFD:
    return "badfd";
  default:
    snprintf(buf, size, "%u", file);
    return buf;
  }
}

int fuzz_program_write_text(FILE *out, const struct fuzz_program *p) {
  fprintf(out, TEXT_MAGIC " %u\n# kind base slot file dest prot flags addr len off value\n",
          FZ_VERSION);
  for (uint32_t i = 0; i < p->header.op_count; i++) {
    const struct fz_op *op = &p->ops[i];
    char file[8];
    fprintf(out,
            "%s %s %u %s %u 0x%" PRIx32 " 0x%" PRIx32 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64
            " 0x%" PRIx64 "\n",
            fuzz_op_kind_name(op->kind), base_names[op->base], op->slot,
            file_name(op->file, file, sizeof file), op->dest, op->prot, op->flags, op->addr,
            op->len, op->off, op->value);
  }
  return ferror(out) ? -1 : 0;
}

static int name_index(const char *word, const char *const *names, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (names[i] && strcmp(word, names[i]) == 0)
      return (int)i;
  return -1;
}

/* A whole-token number no larger than max. */
static bool number(const char *word, uint64_t max, uint64_t *value) {
  if (word[0] < '0' || word[0] > '9')
    return false;
  char *end;
  unsigned long long v = strtoull(word, &end, 0);
  if (*end != '\0' || v > max)
    return false;
  *value = v;
  return true;
}

/* One op line split into its FIELDS words; NULL on success, else what is
 * wrong with it. */
static const char *parse_op(char **w, struct fz_op *op) {
  uint64_t v[FIELDS];
  int kind = name_index(w[0], kind_names, FZ_OP_KIND_MAX + 1);
  int base = name_index(w[1], base_names, sizeof base_names / sizeof base_names[0]);
  if (kind < 0)
    return "unknown op kind";
  if (base < 0)
    return "unknown base";
  if (strcmp(w[3], "anon") == 0)
    v[3] = FZ_FILE_ANON;
  else if (strcmp(w[3], "console") == 0)
    v[3] = FZ_FILE_CONSOLE;
  else if (strcmp(w[3], "badfd") == 0)
    v[3] = FZ_FILE_BADFD;
  else if (!number(w[3], FZ_FILES - 1, &v[3]))
    return "bad file";
  if (!number(w[2], UINT8_MAX, &v[2]) || !number(w[4], UINT8_MAX, &v[4]) ||
      !number(w[5], UINT32_MAX, &v[5]) || !number(w[6], UINT32_MAX, &v[6]))
    return "bad slot, dest, prot or flags";
  for (int i = 7; i < FIELDS; i++)
    if (!number(w[i], UINT64_MAX, &v[i]))
      return "bad addr, len, off or value";
  *op = (struct fz_op){.kind = (uint8_t)kind,
                       .base = (uint8_t)base,
                       .slot = (uint8_t)v[2],
                       .file = (uint8_t)v[3],
                       .dest = (uint8_t)v[4],
                       .prot = (uint32_t)v[5],
                       .flags = (uint32_t)v[6],
                       .addr = v[7],
                       .len = v[8],
                       .off = v[9],
                       .value = v[10]};
  return NULL;
}

static int parse_text(char *text, struct fuzz_program *p, char *err, size_t err_size) {
  unsigned line_no = 0;
  bool have_magic = false;
  for (char *line = text, *next; line; line = next) {
    line_no++;
    next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    char *w[FIELDS + 1];
    int n = 0;
    for (char *save, *word = strtok_r(line, " \t\r", &save); word && n <= FIELDS;
         word = strtok_r(NULL, " \t\r", &save))
      w[n++] = word;
    if (n == 0 || w[0][0] == '#')
      continue;
    if (!have_magic) {
      if (n != 2 || strcmp(w[0], TEXT_MAGIC) != 0 || strcmp(w[1], "1") != 0) {
        snprintf(err, err_size, "line %u: not a faultsim fuzz program (" TEXT_MAGIC " 1)", line_no);
        return -1;
      }
      have_magic = true;
      continue;
    }
    const char *why = n != FIELDS                        ? "expected 11 fields"
                      : p->header.op_count >= FZ_MAX_OPS ? "too many ops"
                                                         : parse_op(w, &p->ops[p->header.op_count]);
    if (why) {
      snprintf(err, err_size, "line %u: %s", line_no, why);
      return -1;
    }
    p->header.op_count++;
  }
  if (!have_magic) {
    snprintf(err, err_size, "empty: not a faultsim fuzz program");
    return -1;
  }
  return 0;
}

int fuzz_program_load(const void *data, size_t size, struct fuzz_program *p, char *err,
                      size_t err_size) {
  uint32_t magic = 0;
  if (size >= sizeof magic)
    memcpy(&magic, data, sizeof magic);
  if (magic == FZ_MAGIC)
    return fuzz_program_parse(data, size, p, err, err_size);
  if (memchr(data, '\0', size)) {
    snprintf(err, err_size, "neither a program image nor program text");
    return -1;
  }
  memset(p, 0, sizeof *p);
  p->header = (struct fz_header){.magic = FZ_MAGIC, .version = FZ_VERSION};
  char *text = malloc(size + 1);
  if (!text) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  memcpy(text, data, size);
  text[size] = '\0';
  int r = parse_text(text, p, err, err_size);
  free(text);
  return r;
}
