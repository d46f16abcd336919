#include "trace_json.h"

#include <stdint.h>
#include <stdlib.h>

#define ARENA_BYTES (1u << 20)

static struct {
  _Alignas(16) unsigned char bytes[ARENA_BYTES];
  size_t used;
  int spilled; /* some node of the current tree came from malloc */
  int hooks_installed;
} arena;

static void *arena_alloc(size_t size) {
  size_t rounded = (size + 15) & ~(size_t)15;
  if (rounded < size || ARENA_BYTES - arena.used < rounded) {
    arena.spilled = 1;
    return malloc(size); /* a huge line: fall back, freed by arena_release */
  }
  void *p = arena.bytes + arena.used;
  arena.used += rounded;
  return p;
}

static void arena_release(void *p) {
  uintptr_t at = (uintptr_t)p, base = (uintptr_t)arena.bytes;
  if (at < base || at >= base + ARENA_BYTES)
    free(p);
}

cJSON *trace_json_parse(const char *text, size_t length, size_t *error_column) {
  if (!arena.hooks_installed) {
    cJSON_Hooks hooks = {arena_alloc, arena_release};
    cJSON_InitHooks(&hooks);
    arena.hooks_installed = 1;
  }
  arena.used = 0;
  arena.spilled = 0;
  cJSON *tree = cJSON_ParseWithLength(text, length);
  if (tree == NULL && error_column != NULL) {
    const char *at = cJSON_GetErrorPtr();
    *error_column = at != NULL && at >= text && at <= text + length ? (size_t)(at - text) + 1 : 0;
  }
  return tree;
}

void trace_json_free(cJSON *tree) {
  /* Arena nodes need nothing; malloc'd ones (past the arena) are freed. */
  if (tree != NULL && arena.spilled)
    cJSON_Delete(tree);
}
