/* The #PF instruction profiler's machine-side hooks (machine_profile.h is the
 * public half). */
#ifndef FS_MACHINE_PROFILE_H
#define FS_MACHINE_PROFILE_H

#include <stddef.h>

struct machine;

/* Reads the kernel ELF's symbols and installs a UC_HOOK_CODE over the kernel
 * half; 0 or -1 with a reason in err. */
int profile_install(struct machine *m, char *err, size_t err_size);
void profile_free(struct machine *m);

#endif
