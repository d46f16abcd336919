/* Pseudo-files under /proc (fs/procfs.c). */
#ifndef KERNEL_PROCFS_H
#define KERNEL_PROCFS_H

/* Adds /proc/self/faultstat to the VFS; call after vfs_init. */
void procfs_init(void);

#endif /* KERNEL_PROCFS_H */
