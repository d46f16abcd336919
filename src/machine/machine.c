#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "devices.h"
#include "diagnosis.h"
#include "exceptions.h"
#include "io_guard.h"
#include "machine_internal.h"
#include "profile.h"

uint64_t msr_read(uc_engine *uc, uint32_t msr) {
  uc_x86_msr request = {.rid = msr, .value = 0};
  uc_reg_read(uc, UC_X86_REG_MSR, &request);
  return request.value;
}

int msr_write(uc_engine *uc, uint32_t msr, uint64_t value) {
  uc_x86_msr request = {.rid = msr, .value = value};
  return uc_reg_write(uc, UC_X86_REG_MSR, &request) == UC_ERR_OK ? 0 : -1;
}

void machine_stop_with(struct machine *m, enum machine_stop kind, const char *diagnosis) {
  if (m->run.stop != STOP_NONE)
    return;
  m->run.stop = kind;
  snprintf(m->diagnosis, sizeof m->diagnosis, "%s", diagnosis);
  uc_emu_stop(m->uc);
}

void machine_stop_diagnosed(struct machine *m, enum machine_stop kind, const char *headline,
                            const struct diagnosis_event *ev) {
  char text[sizeof m->diagnosis];
  diagnosis_format(m, ev, headline, text, sizeof text);
  machine_stop_with(m, kind, text);
}

/* A page-table entry naming a frame outside RAM: real hardware would take a
 * machine check; we stop with a diagnosis.  Returning false ends emulation. */
static bool on_unmapped(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value,
                        void *opaque) {
  struct machine *m = opaque;
  (void)uc;
  (void)value;
  const char *what = type == UC_MEM_FETCH_UNMAPPED   ? "fetch"
                     : type == UC_MEM_WRITE_UNMAPPED ? "write"
                                                     : "read";
  char headline[160];
  snprintf(headline, sizeof headline,
           "machine check: %s of %d bytes at physical %#llx, outside RAM (%llu MiB)", what, size,
           (unsigned long long)address, (unsigned long long)(m->ram.size >> 20));
  struct diagnosis_event ev = {.rip = reg_read(m, UC_X86_REG_RIP)};
  machine_stop_diagnosed(m, STOP_ERROR, headline, &ev);
  return false;
}

/* Event delivery, then the debugger's look at it (a #PF it breaks on). */
static void on_intr(uc_engine *uc, uint32_t vector, void *opaque) {
  struct machine *m = opaque;
  exceptions_on_intr(uc, vector, opaque);
  if (m->debug)
    machine_debug_after_intr(m, vector);
}

static int install_hooks(struct machine *m) {
  uc_hook h;
  if (uc_hook_add(m->uc, &h, UC_HOOK_INTR, (void *)on_intr, m, 1, 0) != UC_ERR_OK ||
      uc_hook_add(m->uc, &h, UC_HOOK_INSN_INVALID, (void *)exceptions_on_invalid, m, 1, 0) !=
          UC_ERR_OK ||
      uc_hook_add(m->uc, &h, UC_HOOK_INSN, (void *)syscall_on_insn, m, 1, 0, UC_X86_INS_SYSCALL) !=
          UC_ERR_OK ||
      uc_hook_add(m->uc, &h, UC_HOOK_MEM_UNMAPPED, (void *)on_unmapped, m, 1, 0) != UC_ERR_OK)
    return -1;
  if (ports_install(m) != 0)
    return -1;
  io_guard_install(m);
  return icount_install(&m->icount);
}

/* Loads CS and SS caches from the boot GDT the host wrote, so the first
 * instruction runs with the descriptors the kernel's GDT selectors name. */
static int load_boot_segments(struct machine *m, char *err, size_t err_size) {
  uint64_t descriptors[BOOT_GDT_ENTRIES];
  memcpy(descriptors, m->ram.base + BOOT_GDT_PHYS, sizeof descriptors);
  struct seg_cache cs, ss;
  if (!seg_cache_from_descriptor(descriptors[FS_SEL_KERNEL_CS / 8], FS_SEL_KERNEL_CS, &cs) ||
      !seg_cache_from_descriptor(descriptors[FS_SEL_KERNEL_DS / 8], FS_SEL_KERNEL_DS, &ss)) {
    snprintf(err, err_size, "boot GDT descriptors are invalid");
    return -1;
  }
  if (cpu_context_save(&m->cpu) != UC_ERR_OK) {
    snprintf(err, err_size, "uc_context_save failed");
    return -1;
  }
  cpu_set_seg(&m->cpu, SEG_CS, &cs);
  cpu_set_seg(&m->cpu, SEG_SS, &ss);
  cpu_set_seg(&m->cpu, SEG_DS, &ss);
  cpu_set_seg(&m->cpu, SEG_ES, &ss);
  cpu_set_cpl(&m->cpu, 0);
  if (cpu_context_restore(&m->cpu) != UC_ERR_OK) {
    snprintf(err, err_size, "uc_context_restore failed");
    return -1;
  }
  return 0;
}

struct machine *machine_create(const struct machine_config *config, char *err, size_t err_size) {
  struct machine *m = NULL;
  if (!config || !config->kernel_elf) {
    snprintf(err, err_size, "no kernel image");
    return NULL;
  }
  if (config->ram_mib < FS_RAM_MIN_MIB || config->ram_mib > FS_RAM_MAX_MIB) {
    snprintf(err, err_size, "RAM size %llu MiB is outside %d..%d MiB",
             (unsigned long long)config->ram_mib, FS_RAM_MIN_MIB, FS_RAM_MAX_MIB);
    return NULL;
  }
  m = calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, err_size, "out of memory");
    return NULL;
  }
  m->cfg = *config;
  m->ram.size = config->ram_mib << 20;
  m->serial.text = malloc(SERIAL_LOG_CAPACITY);
  if (!m->serial.text) {
    snprintf(err, err_size, "out of memory");
    goto fail;
  }
  m->serial.text[0] = '\0';
  /* Anonymous mmap: zero-filled, and untouched pages cost nothing. */
  void *ram = mmap(NULL, m->ram.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (ram == MAP_FAILED) {
    snprintf(err, err_size, "cannot allocate %llu MiB of guest RAM",
             (unsigned long long)config->ram_mib);
    goto fail;
  }
  m->ram.base = ram;
  /* Host huge pages where the host allows them: one host fault per 2 MiB of
   * guest RAM first touched instead of one per 4 KiB frame (advice only). */
  madvise(ram, m->ram.size, MADV_HUGEPAGE);

  uc_err e = uc_open(UC_ARCH_X86, UC_MODE_64, &m->uc);
  if (e != UC_ERR_OK) {
    snprintf(err, err_size, "uc_open: %s", uc_strerror(e));
    goto fail;
  }
  /* Must be the first call after uc_open.  QEMU64: the guest may set NXE and
   * SCE itself, and there is no RDRAND (host randomness). */
  e = uc_ctl_set_cpu_model(m->uc, UC_CPU_X86_QEMU64);
  if (e == UC_ERR_OK)
    e = uc_mem_map_ptr(m->uc, 0, m->ram.size, UC_PROT_ALL, m->ram.base);
  if (e != UC_ERR_OK) {
    snprintf(err, err_size, "Unicorn set-up: %s", uc_strerror(e));
    goto fail;
  }
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &m->capstone) != CS_ERR_OK) {
    snprintf(err, err_size, "Capstone initialisation failed");
    goto fail;
  }
  m->capstone_open = true;
  if (icount_init(&m->icount, m->uc, &m->ram, m->capstone) != 0) {
    snprintf(err, err_size, "out of memory");
    goto fail;
  }
  if (boot_prepare_memory(&m->ram, config, &m->boot, err, err_size) != 0 ||
      boot_set_registers(m->uc, &m->boot, err, err_size) != 0)
    goto fail;
  if (cpu_context_open(&m->cpu, m->uc, FS_SEL_KERNEL_CS, FS_SEL_KERNEL_DS, err, err_size) != 0 ||
      load_boot_segments(m, err, err_size) != 0)
    goto fail;
  if (install_hooks(m) != 0) {
    snprintf(err, err_size, "installing Unicorn hooks failed");
    goto fail;
  }
  if (config->profile_pf && profile_install(m, err, err_size) != 0)
    goto fail;
  return m;
fail:
  machine_destroy(m);
  return NULL;
}

bool machine_halted_at_hlt(struct machine *m) {
  uint64_t rip = reg_read(m, UC_X86_REG_RIP);
  uint8_t byte = 0;
  return rip > 0 && guest_virt_read(&m->ram, reg_read(m, UC_X86_REG_CR3), rip - 1, &byte, 1) == 0 &&
         byte == 0xf4;
}

uc_err machine_run_cpu(struct machine *m) {
  for (;;) {
    icount_forget_translations(&m->icount);
    /* No timeout and no count: both are wall-clock or unreliable in 2.1.1. */
    uc_err e = uc_emu_start(m->uc, reg_read(m, UC_X86_REG_RIP), 0, 0, 0);
    if (e != UC_ERR_OK || m->run.stop != STOP_NONE || !m->icount.stopped_at_io)
      return e;
    io_guard_resolve(m);
    if (m->run.stop != STOP_NONE || (m->debug && machine_debug_stop_pending(m)))
      return e;
  }
}

void machine_run(struct machine *m, struct machine_result *result) {
  memset(result, 0, sizeof *result);
  if (m->run.stop == STOP_NONE) {
    uc_err e = m->debug ? machine_debug_loop(m) : machine_run_cpu(m);
    if (m->run.stop == STOP_NONE) {
      char headline[128];
      struct diagnosis_event ev = {.rip = reg_read(m, UC_X86_REG_RIP)};
      if (e != UC_ERR_OK) {
        snprintf(headline, sizeof headline, "emulation error: %s", uc_strerror(e));
      } else if (machine_halted_at_hlt(m)) {
        snprintf(headline, sizeof headline, "kernel halted without reporting an exit");
        ev.rip--; /* RIP is past the hlt: show the hlt itself. */
      } else {
        snprintf(headline, sizeof headline, "the CPU stopped without reporting an exit");
      }
      machine_stop_diagnosed(m, STOP_ERROR, headline, &ev);
    }
  }
  if (m->cfg.kernel_log)
    fflush(m->cfg.kernel_log);
  result->instructions = m->icount.count;
  result->have_report = m->run.have_report;
  if (m->run.have_report)
    result->report = m->run.report;
  switch (m->run.stop) {
  case STOP_EXIT: {
    uint32_t kind = FS_EXIT_KIND(m->run.exit_value);
    result->code = (int)FS_EXIT_CODE(m->run.exit_value);
    if (kind == FS_EXIT_NORMAL) {
      result->outcome = MACHINE_EXITED;
    } else if (kind == FS_EXIT_SIGNALED) {
      result->outcome = MACHINE_SIGNALED;
    } else if (kind == FS_EXIT_PANIC) {
      result->outcome = MACHINE_PANIC;
      snprintf(result->diagnosis, sizeof result->diagnosis,
               "kernel panic (the reason is in the kernel log)");
    } else {
      result->outcome = MACHINE_ERROR;
      snprintf(result->diagnosis, sizeof result->diagnosis, "unknown exit kind %u", kind);
    }
    break;
  }
  case STOP_TRIPLE:
    result->outcome = MACHINE_TRIPLE_FAULT;
    snprintf(result->diagnosis, sizeof result->diagnosis, "%s", m->diagnosis);
    break;
  default:
    result->outcome = MACHINE_ERROR;
    snprintf(result->diagnosis, sizeof result->diagnosis, "%s", m->diagnosis);
    break;
  }
}

size_t machine_read_guest_virt(struct machine *m, uint64_t va, void *buf, size_t len) {
  return guest_virt_read_prefix(&m->ram, reg_read(m, UC_X86_REG_CR3), va, buf, len);
}

uint64_t machine_initramfs_phys(const struct machine *m) {
  return m->boot.initramfs_phys;
}

int machine_write_phys(struct machine *m, uint64_t pa, const void *buf, size_t len) {
  if (pa > m->ram.size || len > m->ram.size - pa)
    return -1;
  memcpy(m->ram.base + pa, buf, len);
  return 0;
}

const char *machine_kernel_log(const struct machine *m) {
  return m->serial.text ? m->serial.text : "";
}

void machine_destroy(struct machine *m) {
  if (!m)
    return;
  machine_debug_free(m);
  profile_free(m);
  cpu_context_close(&m->cpu);
  icount_destroy(&m->icount);
  if (m->uc)
    uc_close(m->uc);
  if (m->capstone_open)
    cs_close(&m->capstone);
  if (m->ram.base)
    munmap(m->ram.base, m->ram.size);
  free(m->serial.text);
  free(m);
}

/* Unicorn 2.1.1's uc_context_free leaks a small GArray (32 bytes per context:
 * the machine allocates one).  Tell LeakSanitizer, when it is linked in, so
 * sanitizer builds report our leaks rather than the library's. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void) {
  return "leak:g_array_new\n";
}

/* Using that suppression must not add a report to faultsim's stderr, which
 * carries the guest's own stderr. */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void) {
  return "print_suppressions=0";
}
