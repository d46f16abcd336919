/*
 * faultsim guest <-> host ABI: every record and number that crosses between the
 * kernel running inside the machine and the host program.  Included by both
 * sides (the kernel compiles it freestanding), so it holds only fixed-width
 * types, enums and macros.  Changing a layout here is an ABI change: bump
 * FS_BOOT_INFO_VERSION or FS_TRACE_ABI_VERSION.
 */
#ifndef FAULTSIM_ABI_H
#define FAULTSIM_ABI_H

#include <stdint.h>

/* ---------------------------------------------------------------------------
 * Address-space layout shared by boot code, kernel and host tools.
 * ------------------------------------------------------------------------- */
#define FS_PAGE_SIZE 4096ULL

/* The kernel is linked at FS_KERNEL_VMA + its physical load address. */
#define FS_KERNEL_VMA  0xffffffff80000000ULL
#define FS_KERNEL_PHYS 0x100000ULL
/* All of RAM is mapped read/write at FS_DIRECT_MAP + physical address. */
#define FS_DIRECT_MAP 0xffff800000000000ULL
/* User space is the lower canonical half, below this address. */
#define FS_USER_TOP 0x0000800000000000ULL

/* Physical placement of what the host builds before the first instruction. */
#define FS_BOOT_INFO_PHYS 0x1000ULL /* struct fs_boot_info, one page        */
#define FS_BOOT_ARGS_PHYS 0x2000ULL /* argv/envp strings, FS_BOOT_ARGS_MAX  */
#define FS_BOOT_ARGS_MAX  0x4000ULL
#define FS_BOOT_PT_PHYS   0x8000ULL /* boot page tables, up to the kernel   */

/* RAM size limits accepted by the machine (--ram). */
#define FS_RAM_MIN_MIB 4
#define FS_RAM_MAX_MIB 4096

/* GDT layout used by the kernel (syscall/sysret dictate the user order). */
#define FS_SEL_KERNEL_CS 0x08
#define FS_SEL_KERNEL_DS 0x10
#define FS_SEL_USER_CS32 0x18 /* placeholder: STAR[63:48] base for sysret */
#define FS_SEL_USER_DS   0x23 /* 0x20 | RPL 3                          */
#define FS_SEL_USER_CS   0x2b /* 0x28 | RPL 3                          */
#define FS_SEL_TSS       0x30

/* ---------------------------------------------------------------------------
 * Boot information: the host writes it at FS_BOOT_INFO_PHYS and enters the
 * kernel with RDI = FS_BOOT_INFO_PHYS (the boot page tables identity-map low
 * memory and map all RAM at FS_DIRECT_MAP).
 * ------------------------------------------------------------------------- */
#define FS_BOOT_MAGIC          0x544f4f424d495346ULL /* "FSIMBOOT" */
#define FS_BOOT_INFO_VERSION   1
#define FS_BOOT_MEM_RANGES_MAX 16
#define FS_BOOT_CMDLINE_MAX    1024

enum fs_mem_type {
  FS_MEM_USABLE = 1,    /* free for the kernel's frame allocator        */
  FS_MEM_RESERVED = 2,  /* never touch (page 0)                         */
  FS_MEM_BOOT = 3,      /* boot info, args, boot page tables            */
  FS_MEM_KERNEL = 4,    /* the kernel image (its PT_LOAD segments)      */
  FS_MEM_INITRAMFS = 5, /* the cpio archive                             */
};

struct fs_mem_range {
  uint64_t base;
  uint64_t length;
  uint32_t type; /* enum fs_mem_type */
  uint32_t reserved;
};

/* Flags in fs_boot_info.flags. */
#define FS_BOOT_SELFTEST_PF 0x1u /* run the #PF error-code self-test first */
#define FS_BOOT_TRACE       0x2u /* send struct fs_trace_record to FS_PORT_TRACE */
/* Stop once at FS_PORT_SNAPSHOT, after kernel init and before the program is
 * looked up, so the host can snapshot the booted machine (faultsim fuzz). */
#define FS_BOOT_SNAPSHOT 0x4u

/* Log levels (fs_boot_info.log_level and the kernel's klog). */
enum fs_log_level {
  FS_LOG_ERROR = 0,
  FS_LOG_WARN = 1,
  FS_LOG_INFO = 2,  /* -v                                      */
  FS_LOG_DEBUG = 3, /* every fault decision, -v -v             */
};

struct fs_boot_info {
  uint64_t magic;   /* FS_BOOT_MAGIC          */
  uint32_t version; /* FS_BOOT_INFO_VERSION   */
  uint32_t flags;   /* FS_BOOT_*              */
  uint64_t ram_bytes;
  uint32_t mem_range_count;
  uint32_t log_level; /* enum fs_log_level */
  struct fs_mem_range mem[FS_BOOT_MEM_RANGES_MAX];
  uint64_t initramfs_phys;
  uint64_t initramfs_size;
  /* argv then envp as consecutive NUL-terminated strings at args_phys. */
  uint64_t args_phys;
  uint64_t args_size;
  uint32_t argc;
  uint32_t envc;
  /* Machine configuration the kernel must honour. */
  uint64_t stack_guard_pages;        /* guard below the stack (default 256)    */
  uint64_t fail_alloc_nth;           /* 0: off; fail the Nth frame allocation  */
  uint64_t fail_alloc_every;         /* 0: off; fail every Kth allocation      */
  char cmdline[FS_BOOT_CMDLINE_MAX]; /* human-readable, NUL-terminated */
};

/* ---------------------------------------------------------------------------
 * I/O ports.  All are 32-bit `out`/`in` unless noted.
 * ------------------------------------------------------------------------- */
#define FS_PORT_COM1 0x3f8 /* 16550-style UART: the kernel log (8-bit) */

/* Debug exit: the kernel writes FS_EXIT_VALUE(kind, code) and then halts. */
#define FS_PORT_EXIT 0x501
enum fs_exit_kind {
  FS_EXIT_NORMAL = 0,   /* code = exit status (0..255)              */
  FS_EXIT_SIGNALED = 1, /* code = the signal that killed the process */
  FS_EXIT_PANIC = 2,    /* code = 0; the reason is in the kernel log */
};
#define FS_EXIT_VALUE(kind, code) (((uint32_t)(kind) << 8) | ((uint32_t)(code)&0xffu))
#define FS_EXIT_KIND(value)       (((value) >> 8) & 0xffu)
#define FS_EXIT_CODE(value)       ((value)&0xffu)

/* Host I/O: the kernel writes the physical address of a struct fs_hostio;
 * the host performs the write (fd 1 -> stdout, fd 2 -> stderr) before the
 * `out` instruction completes, and stores the result in .result. */
#define FS_PORT_HOSTIO 0x502
struct fs_hostio {
  uint32_t fd;
  uint32_t length;
  uint64_t buf_phys; /* physically contiguous */
  int64_t result;    /* bytes written, or -errno (filled by the host) */
};

/* Virtual clock: `in` from FS_PORT_CLOCK_LO latches the guest instruction
 * count and returns its low 32 bits; FS_PORT_CLOCK_HI returns the high 32
 * bits of the latched value.  Deterministic: no wall clock anywhere. */
#define FS_PORT_CLOCK_LO 0x503
#define FS_PORT_CLOCK_HI 0x504

/* Kernel report: the physical address of a struct fs_kernel_report, written
 * once just before the kernel writes FS_PORT_EXIT (counters for --stats). */
#define FS_PORT_REPORT 0x505

/* Snapshot point (FS_BOOT_SNAPSHOT): the kernel writes 0 here, then executes
 * `hlt`; the host stops there with the CPU between two instructions, and a
 * later run resumes after the `hlt`.  Nothing in the guest has read a file
 * or created a process yet. */
#define FS_PORT_SNAPSHOT 0x506

/* Zero a frame: the physical address of a 4 KiB frame (below 4 GiB, as all
 * RAM is).  The host clears it and drops any translated code from it: an
 * emulated rep stosb costs one block dispatch per byte. */
#define FS_PORT_ZERO_FRAME 0x507

/* Trace: the physical address of one struct fs_trace_record (defined below),
 * sent only when FS_BOOT_TRACE is set.  The host copies it during the `out`. */
#define FS_PORT_TRACE 0x510

/* ---------------------------------------------------------------------------
 * Fault decisions and region types: shared by the kernel's handler, the host
 * build of the handler core, the trace format and the fuzzing oracle.
 * ------------------------------------------------------------------------- */
enum fs_region_type {
  FS_REGION_NONE = 0, /* no region: the address is invalid */
  FS_REGION_TEXT = 1,
  FS_REGION_DATA = 2, /* includes read-only data segments */
  FS_REGION_BSS = 3,
  FS_REGION_HEAP = 4,
  FS_REGION_STACK = 5,
  FS_REGION_MMAP_ANON = 6,
  FS_REGION_MMAP_FILE = 7,
  FS_REGION_GUARD = 8,
  FS_REGION_TYPE_COUNT
};

enum fs_decision {
  FS_DECISION_LAZY = 0,       /* populated now: retry the access            */
  FS_DECISION_SPURIOUS = 1,   /* already present with the right rights      */
  FS_DECISION_GUARD = 2,      /* guard region: SIGSEGV                      */
  FS_DECISION_PROTECTION = 3, /* region forbids the access: SIGSEGV/ACCERR  */
  FS_DECISION_INVALID = 4,    /* no region: SIGSEGV/MAPERR                  */
  FS_DECISION_OOM = 5,        /* no frame: SIGKILL                          */
  FS_DECISION_COUNT
};

enum fs_populate {
  FS_POPULATE_NONE = 0,  /* nothing mapped                           */
  FS_POPULATE_ZERO = 1,  /* fresh zeroed frame                       */
  FS_POPULATE_FILE = 2,  /* frame filled from the backing file       */
  FS_POPULATE_CACHE = 3, /* frame taken from (or copied from) the page cache */
};

/* Protection bits (regions, traces). */
#define FS_PROT_READ  0x1u
#define FS_PROT_WRITE 0x2u
#define FS_PROT_EXEC  0x4u

/* x86 #PF error code bits (Intel SDM Vol. 3A, 4.7). */
#define FS_PF_P    0x01u /* 1: protection violation; 0: not present */
#define FS_PF_W    0x02u /* write access                             */
#define FS_PF_U    0x04u /* user-mode access                         */
#define FS_PF_RSVD 0x08u /* reserved bit set in a paging entry       */
#define FS_PF_I    0x10u /* instruction fetch                        */

/* ---------------------------------------------------------------------------
 * Counters the kernel keeps; the host prints them with --stats and the trace
 * summary line carries them.  /proc/self/faultstat prints the same names.
 * ------------------------------------------------------------------------- */
struct fs_fault_stats {
  uint64_t faults_total;
  uint64_t lazy_by_type[FS_REGION_TYPE_COUNT];
  uint64_t file_pages_read;
  uint64_t page_cache_hits;
  uint64_t guard_hits;
  uint64_t protection_violations;
  uint64_t invalid_addresses;
  uint64_t oom_kills;
  uint64_t spurious;
  uint64_t kernel_mode_faults; /* faults taken in ring 0 on user addresses */
  uint64_t efault_fixups;      /* bad user pointers turned into -EFAULT    */
};

/* Every scalar counter with its printed name, in print order: `--stats`,
 * /proc/self/faultstat and the trace summary all use this one list.  The
 * per-type lazy counters print as lazy_<type> (see FS_REGION_TYPE_NAMES). */
#define FS_FAULT_STATS_SCALARS(X)                                                                  \
  X(faults_total)                                                                                  \
  X(file_pages_read)                                                                               \
  X(page_cache_hits)                                                                               \
  X(guard_hits)                                                                                    \
  X(protection_violations)                                                                         \
  X(invalid_addresses)                                                                             \
  X(oom_kills)                                                                                     \
  X(spurious)                                                                                      \
  X(kernel_mode_faults)                                                                            \
  X(efault_fixups)

/* Names used in logs, traces and counters, indexed by the enums above. */
#define FS_REGION_TYPE_NAMES                                                                       \
  { "none", "text", "data", "bss", "heap", "stack", "mmap_anon", "mmap_file", "guard" }
#define FS_DECISION_NAMES                                                                          \
  { "lazy", "spurious", "guard", "protection", "invalid", "oom" }
#define FS_POPULATE_NAMES                                                                          \
  { "none", "zero", "file", "cache" }

#define FS_REPORT_MAGIC 0x54524f5045525346ULL /* "FSREPORT" */
struct fs_kernel_report {
  uint64_t magic;
  uint64_t frames_total;     /* frames the allocator manages           */
  uint64_t frames_free_boot; /* free right before the first process    */
  uint64_t frames_free_exit; /* free after the last process was reaped */
  uint64_t frame_allocs;     /* frame allocations attempted            */
  uint64_t frame_alloc_failures;
  struct fs_fault_stats stats;
  /* Frame allocations attempted from the first process's creation on: the
   * ones --fail-alloc N / --fail-alloc-every K count (an injection sweep
   * tries N = 1 .. this). */
  uint64_t frame_allocs_run;
};

/* ---------------------------------------------------------------------------
 * Trace records: one per fault decision and per change of a process's region
 * layout.  The kernel fills a record and sends its physical address to
 * FS_PORT_TRACE; the host does all formatting (JSON Lines, disassembly).
 * ------------------------------------------------------------------------- */
#define FS_TRACE_ABI_VERSION 1

enum fs_trace_kind {
  FS_TRACE_FAULT = 1,  /* a #PF and the handler's decision                 */
  FS_TRACE_EXEC = 2,   /* a new image; region_count REGION records follow  */
  FS_TRACE_REGION = 3, /* one region of the layout the last EXEC announced */
  FS_TRACE_BRK = 4,
  FS_TRACE_MMAP = 5,
  FS_TRACE_MUNMAP = 6,
  FS_TRACE_MPROTECT = 7,
  FS_TRACE_EXIT = 8, /* the process ended: exit status or signal         */
};

/* A region as the trace sees it.  file_id is the VFS inode number of the
 * backing file (0 for anonymous memory); file_length is how many bytes of the
 * file back the region from file_offset on (the rest reads as zeros). */
struct fs_trace_region {
  uint64_t start;
  uint64_t end; /* exclusive */
  uint64_t file_offset;
  uint64_t file_length;
  uint32_t type;  /* enum fs_region_type; FS_REGION_NONE: no region */
  uint32_t prot;  /* FS_PROT_*                                        */
  uint32_t flags; /* the kernel's region flags (lazy, grows-down...)  */
  uint32_t file_id;
};

struct fs_trace_fault {
  uint64_t rip;
  uint64_t addr;       /* CR2 */
  uint64_t frame;      /* physical frame mapped, 0 when none */
  uint32_t error_code; /* FS_PF_* */
  uint32_t decision;   /* enum fs_decision */
  uint32_t populate;   /* enum fs_populate */
  uint32_t reserved;
  struct fs_trace_region region;
};

#define FS_TRACE_PATH_MAX 64
struct fs_trace_exec {
  uint64_t entry;
  uint32_t region_count;
  uint32_t file_id;
  char path[FS_TRACE_PATH_MAX]; /* guest path, NUL-terminated, truncated */
};

/* brk, mmap, munmap and mprotect share one shape: the arguments and the
 * syscall's result (an address or a negative errno). */
struct fs_trace_layout_call {
  uint64_t addr;
  uint64_t length;
  uint64_t offset; /* mmap: file offset */
  int64_t result;
  uint32_t prot;
  uint32_t flags;   /* mmap: MAP_* */
  uint32_t file_id; /* mmap: the file's inode, 0 when anonymous */
  uint32_t reserved;
};

struct fs_trace_exit {
  uint32_t kind; /* enum fs_exit_kind */
  uint32_t code; /* status or signal  */
};

struct fs_trace_record {
  uint32_t size; /* sizeof(struct fs_trace_record): the host checks it */
  uint32_t kind; /* enum fs_trace_kind */
  uint32_t pid;
  uint32_t reserved;
  union {
    struct fs_trace_fault fault;
    struct fs_trace_exec exec;
    struct fs_trace_region region;
    struct fs_trace_layout_call call;
    struct fs_trace_exit exit;
  } u;
};

#endif /* FAULTSIM_ABI_H */
