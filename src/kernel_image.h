/* The kernel ELF to boot: the one linked into faultsim (kernel_image.S) or a
 * --kernel FILE.  Every command chooses it here, so an unusable file is
 * refused the same way everywhere. */
#ifndef FAULTSIM_KERNEL_IMAGE_H
#define FAULTSIM_KERNEL_IMAGE_H

#include <stddef.h>

#include "host_file.h"

struct kernel_image {
  const void *elf; /* never NULL after kernel_image_load */
  size_t size;
  struct host_file file; /* --kernel's bytes; empty for the embedded kernel */
};

/* path NULL: the embedded kernel; else reads the file at path.  Returns 0,
 * or -1 with "PATH: reason" in err when it is unreadable or empty (a usage
 * error, exit status 2).  Free with kernel_image_free once no machine uses
 * it. */
int kernel_image_load(const char *path, struct kernel_image *image, char *err, size_t err_size);
void kernel_image_free(struct kernel_image *image);

#endif /* FAULTSIM_KERNEL_IMAGE_H */
