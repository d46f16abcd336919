/*
 * The region set: an intrusive AVL tree keyed by region start.  Because
 * regions never overlap, ordering by start also orders them by end, and the
 * only region that can contain an address is the one with the greatest start
 * at or below it.  No parent links: in-order steps are searches from the
 * root, O(log n) each, which keeps every structural change local to one
 * recursive path.
 */
#include <kernel/errno.h>
#include <kernel/vm_region.h>

static int height_of(const struct vm_region *n) {
  return n ? n->height : 0;
}

static void update_height(struct vm_region *n) {
  int l = height_of(n->left), r = height_of(n->right);
  n->height = 1 + (l > r ? l : r);
}

static struct vm_region *rotate_right(struct vm_region *top) {
  struct vm_region *pivot = top->left;
  top->left = pivot->right;
  pivot->right = top;
  update_height(top);
  update_height(pivot);
  return pivot;
}

static struct vm_region *rotate_left(struct vm_region *top) {
  struct vm_region *pivot = top->right;
  top->right = pivot->left;
  pivot->left = top;
  update_height(top);
  update_height(pivot);
  return pivot;
}

/* Restores |height(left) - height(right)| <= 1 at n after one insert/remove
 * below it; returns the subtree's new root. */
static struct vm_region *rebalance(struct vm_region *n) {
  update_height(n);
  int balance = height_of(n->left) - height_of(n->right);
  if (balance > 1) {
    if (height_of(n->left->left) < height_of(n->left->right))
      n->left = rotate_left(n->left);
    return rotate_right(n);
  }
  if (balance < -1) {
    if (height_of(n->right->right) < height_of(n->right->left))
      n->right = rotate_right(n->right);
    return rotate_left(n);
  }
  return n;
}

static struct vm_region *insert_below(struct vm_region *n, struct vm_region *r) {
  if (!n)
    return r;
  if (r->start < n->start)
    n->left = insert_below(n->left, r);
  else
    n->right = insert_below(n->right, r);
  return rebalance(n);
}

static struct vm_region *detach_min(struct vm_region *n, struct vm_region **min) {
  if (!n->left) {
    *min = n;
    return n->right;
  }
  n->left = detach_min(n->left, min);
  return rebalance(n);
}

static struct vm_region *remove_below(struct vm_region *n, const struct vm_region *r) {
  if (!n)
    return NULL; /* not in the set: the caller broke the contract */
  if (r->start < n->start) {
    n->left = remove_below(n->left, r);
  } else if (r->start > n->start) {
    n->right = remove_below(n->right, r);
  } else {
    struct vm_region *left = n->left, *right = n->right, *successor;
    if (!right)
      return left;
    right = detach_min(right, &successor);
    successor->left = left;
    successor->right = right;
    return rebalance(successor);
  }
  return rebalance(n);
}

void vm_region_set_init(struct vm_region_set *set) {
  set->root = NULL;
  set->count = 0;
}

int vm_region_insert(struct vm_region_set *set, struct vm_region *r) {
  if (r->start >= r->end || (r->start | r->end) & (PAGE_SIZE - 1) || r->end > FS_USER_TOP)
    return -EINVAL;
  if (vm_region_find_intersecting(set, r->start, r->end))
    return -EEXIST;
  r->left = r->right = NULL;
  r->height = 1;
  set->root = insert_below(set->root, r);
  set->count++;
  return 0;
}

void vm_region_remove(struct vm_region_set *set, struct vm_region *r) {
  set->root = remove_below(set->root, r);
  set->count--;
  r->left = r->right = NULL;
}

struct vm_region *vm_region_last_below(const struct vm_region_set *set, uint64_t addr) {
  struct vm_region *n = set->root, *best = NULL;
  while (n) {
    if (n->start < addr) {
      best = n;
      n = n->right;
    } else {
      n = n->left;
    }
  }
  return best;
}

/* The region with the smallest start >= addr. */
static struct vm_region *first_at_or_after(const struct vm_region_set *set, uint64_t addr) {
  struct vm_region *n = set->root, *best = NULL;
  while (n) {
    if (n->start >= addr) {
      best = n;
      n = n->left;
    } else {
      n = n->right;
    }
  }
  return best;
}

struct vm_region *vm_region_find(const struct vm_region_set *set, uint64_t addr) {
  struct vm_region *n = set->root, *best = NULL;
  while (n) {
    if (n->start <= addr) {
      best = n;
      n = n->right;
    } else {
      n = n->left;
    }
  }
  return best && addr < best->end ? best : NULL;
}

struct vm_region *vm_region_find_intersecting(const struct vm_region_set *set, uint64_t lo,
                                              uint64_t hi) {
  if (lo >= hi)
    return NULL;
  struct vm_region *r = vm_region_find(set, lo);
  if (r)
    return r;
  r = first_at_or_after(set, lo);
  return r && r->start < hi ? r : NULL;
}

struct vm_region *vm_region_first(const struct vm_region_set *set) {
  struct vm_region *n = set->root;
  while (n && n->left)
    n = n->left;
  return n;
}

struct vm_region *vm_region_next(const struct vm_region_set *set, const struct vm_region *r) {
  return first_at_or_after(set, r->end);
}

struct vm_region *vm_region_prev(const struct vm_region_set *set, const struct vm_region *r) {
  return vm_region_last_below(set, r->start);
}

int vm_region_split(struct vm_region_set *set, struct vm_region *r, uint64_t addr,
                    struct vm_region *upper) {
  if (addr <= r->start || addr >= r->end || (addr & (PAGE_SIZE - 1)))
    return -EINVAL;
  uint64_t lower_len = addr - r->start;
  *upper = *r;
  upper->start = addr;
  upper->file_offset = r->file_offset + lower_len;
  upper->file_length = r->file_length > lower_len ? r->file_length - lower_len : 0;
  r->end = addr;
  if (r->file_length > lower_len)
    r->file_length = lower_len;
  /* Both halves inherit the bound: it only has to be an upper bound. */
  /* Keys are unchanged for r and upper fits the gap r just left: no overlap. */
  upper->left = upper->right = NULL;
  upper->height = 1;
  set->root = insert_below(set->root, upper);
  set->count++;
  return 0;
}

/* Checks the subtree's keys lie in (lo_end_bound, hi_start) and returns its
 * height, or -1 when an invariant is broken. */
static int check_subtree(const struct vm_region *n, uint64_t min_start, uint64_t max_end,
                         size_t *count) {
  if (!n)
    return 0;
  if (n->start >= n->end || n->start < min_start || n->end > max_end)
    return -1;
  int l = check_subtree(n->left, min_start, n->start, count);
  int r = check_subtree(n->right, n->end, max_end, count);
  if (l < 0 || r < 0 || l - r > 1 || r - l > 1)
    return -1;
  int h = 1 + (l > r ? l : r);
  if (h != n->height)
    return -1;
  (*count)++;
  return h;
}

bool vm_region_set_valid(const struct vm_region_set *set) {
  size_t count = 0;
  return check_subtree(set->root, 0, UINT64_MAX, &count) >= 0 && count == set->count;
}
