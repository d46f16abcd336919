/* The kernel ELF linked into the faultsim binary (kernel_image.S). */
#ifndef FAULTSIM_KERNEL_IMAGE_H
#define FAULTSIM_KERNEL_IMAGE_H

extern const unsigned char faultsim_kernel_elf_start[];
extern const unsigned char faultsim_kernel_elf_end[];

#endif /* FAULTSIM_KERNEL_IMAGE_H */
