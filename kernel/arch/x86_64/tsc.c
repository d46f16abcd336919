/* rdtsc emulation.  The machine's CPU would return the host's TSC, which is
 * not deterministic, so CR4.TSD (set in kmain) makes a ring-3 rdtsc/rdtscp
 * raise #GP(0), and we answer with the virtual clock instead.  The kernel
 * itself never executes rdtsc. */
#include <faultsim/abi.h>
#include <kernel/cpu.h>
#include <kernel/tsc.h>
#include <kernel/uaccess.h>

uint64_t virtual_clock(void) {
  /* Reading LO latches the count; HI returns the rest of that same value. */
  uint32_t lo = inl(FS_PORT_CLOCK_LO);
  uint32_t hi = inl(FS_PORT_CLOCK_HI);
  return (uint64_t)hi << 32 | lo;
}

bool tsc_emulate(struct trap_frame *tf) {
  if (tf->error != 0)
    return false;
  uint8_t insn[3];
  /* The instruction may sit at the very end of a mapped range: fetch the
   * 2-byte form first. */
  if (copy_from_user(insn, tf->rip, 2) != 0 || insn[0] != 0x0f)
    return false;
  if (insn[1] == 0x31) { /* rdtsc */
    uint64_t t = virtual_clock();
    tf->rax = (uint32_t)t;
    tf->rdx = t >> 32;
    tf->rip += 2;
    return true;
  }
  if (insn[1] == 0x01 && copy_from_user(insn, tf->rip, 3) == 0 && insn[2] == 0xf9) { /* rdtscp */
    uint64_t t = virtual_clock();
    tf->rax = (uint32_t)t;
    tf->rdx = t >> 32;
    tf->rcx = 0; /* IA32_TSC_AUX: CPU 0 */
    tf->rip += 3;
    return true;
  }
  return false;
}
