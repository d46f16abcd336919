#include "kernel_image.h"

#include <stdio.h>
#include <string.h>

/* kernel_image.S */
extern const unsigned char faultsim_kernel_elf_start[];
extern const unsigned char faultsim_kernel_elf_end[];

int kernel_image_load(const char *path, struct kernel_image *image, char *err, size_t err_size) {
  memset(image, 0, sizeof(*image));
  if (path == NULL) {
    image->elf = faultsim_kernel_elf_start;
    image->size = (size_t)(faultsim_kernel_elf_end - faultsim_kernel_elf_start);
    return 0;
  }
  char reason[256];
  if (host_file_read(path, &image->file, reason, sizeof(reason)) != 0) {
    snprintf(err, err_size, "%s: %s", path, reason);
    return -1;
  }
  /* An empty file reads as NULL data, which must not pass for "embedded". */
  if (image->file.size == 0) {
    snprintf(err, err_size, "%s: empty file, not a kernel ELF", path);
    return -1;
  }
  image->elf = image->file.data;
  image->size = image->file.size;
  return 0;
}

void kernel_image_free(struct kernel_image *image) {
  host_file_free(&image->file);
  memset(image, 0, sizeof(*image));
}
