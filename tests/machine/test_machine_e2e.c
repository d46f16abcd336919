/* End-to-end: tiny assembly kernels (guests/guest.S) run on the whole machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "machine.h"
#include "test_machine_support.h"

struct run {
  struct machine_result result;
  char log[8192];
  char out[256];
};

static void run_guest(const char *name, uint64_t ram_mib, struct run *run) {
  char path[512];
  size_t size = 0;
  snprintf(path, sizeof path, "%s/%s.elf", GUEST_DIR, name);
  void *elf = read_whole_file(path, &size);
  assert_non_null(elf);
  FILE *out = tmpfile();
  assert_non_null(out);
  char *const argv[] = {"/bin/test"};
  struct machine_config cfg = {.ram_mib = ram_mib,
                               .kernel_elf = elf,
                               .kernel_elf_size = size,
                               .argc = 1,
                               .argv = argv,
                               .guest_stdout = out,
                               .guest_stderr = out};
  char err[256] = "";
  struct machine *m = machine_create(&cfg, err, sizeof err);
  if (!m)
    fail_msg("machine_create: %s", err);
  machine_run(m, &run->result);
  snprintf(run->log, sizeof run->log, "%s", machine_kernel_log(m));
  machine_destroy(m);
  rewind(out);
  size_t n = fread(run->out, 1, sizeof run->out - 1, out);
  run->out[n] = '\0';
  fclose(out);
  free(elf);
}

/* The architectural error codes, in the order the guest provokes them. */
static const char *const expected_fault_log =
    "V=06 E=0000 C=00000000 P=0\n" /* syscall with EFER.SCE clear: #UD */
    "V=0e E=0000 C=00403000 P=0\n" /* supervisor read, not present */
    "V=0e E=0003 C=00402000 P=0\n" /* supervisor write, read-only page (CR0.WP) */
    "V=0e E=0011 C=00405000 P=0\n" /* supervisor fetch, NX */
    "V=06 E=0000 C=00000000 P=0\n" /* ud2 */
    "V=00 E=0000 C=00000000 P=0\n" /* div by zero */
    "T=";
static const char *const expected_user_log =
    " U=ffffffff\n"                /* unknown port reads all ones */
    "V=0e E=0004 C=00403000 P=3\n" /* user read, not present */
    "V=0e E=0006 C=00403000 P=3\n" /* user write, not present */
    "V=0e E=0014 C=00403000 P=3\n" /* user fetch, not present */
    "V=0e E=0007 C=00402000 P=3\n" /* user write, read-only */
    "V=0e E=0005 C=00404000 P=3\n" /* user read, supervisor page */
    "V=0e E=0007 C=00404000 P=3\n" /* user write, supervisor page */
    "V=0e E=0015 C=00404000 P=3\n" /* user fetch, supervisor page */
    "V=0e E=0015 C=00405000 P=3\n" /* user fetch, NX */
    "V=03 E=0000 C=00000000 P=3\n" /* int3 through a DPL-3 gate */
    "V=0d E=0102 C=00000000 P=3\n" /* int 0x20 through a DPL-0 gate: #GP(0x20*8+2) */
    "S=1234 R=1 K=0008 F=0 I=1\n"  /* syscall: RCX, CS from STAR, FMASK, R11 */
    "H=0012 fff7\n";               /* hostio: 18 bytes written; fd 5: -EBADF */

static void test_faults_and_syscalls(void **state) {
  (void)state;
  static struct run run;
  run_guest("guest_faults", 16, &run);
  if (run.result.outcome != MACHINE_EXITED)
    fail_msg("outcome %d: %s\nlog:\n%s", run.result.outcome, run.result.diagnosis, run.log);
  assert_int_equal(run.result.code, 42);
  const char *user = strstr(run.log, expected_user_log);
  if (strncmp(run.log, expected_fault_log, strlen(expected_fault_log)) != 0 || !user)
    fail_msg("kernel log differs:\n%s", run.log);
  assert_string_equal(run.out, "hello from ring 3\n");
  assert_true(run.result.instructions > 500);
}

static void test_deterministic(void **state) {
  (void)state;
  static struct run a, b;
  run_guest("guest_faults", 16, &a);
  run_guest("guest_faults", 32, &b);
  assert_int_equal(a.result.outcome, MACHINE_EXITED);
  assert_int_equal(a.result.instructions, b.result.instructions);
  assert_string_equal(a.log, b.log);
}

static void test_double_fault_on_unmapped_kernel_stack(void **state) {
  (void)state;
  static struct run run;
  run_guest("guest_df", 16, &run);
  if (run.result.outcome != MACHINE_EXITED)
    fail_msg("outcome %d: %s\nlog:\n%s", run.result.outcome, run.result.diagnosis, run.log);
  assert_string_equal(run.log, "V=08 E=0000 C=00000000 P=3\n");
}

static void test_triple_fault(void **state) {
  (void)state;
  static struct run run;
  run_guest("guest_triple", 16, &run);
  if (run.result.outcome != MACHINE_TRIPLE_FAULT)
    fail_msg("outcome %d: %s\nlog:\n%s", run.result.outcome, run.result.diagnosis, run.log);
  const char *d = run.result.diagnosis;
  if (!strstr(d, "triple fault") || !strstr(d, "mov rax, qword ptr [0x403000]") ||
      !strstr(d, "vector: 8") || !strstr(d, "CR2=0000000000403000") || !strstr(d, "R15="))
    fail_msg("diagnosis lacks something:\n%s", d);
}

static void test_halt_without_exit(void **state) {
  (void)state;
  static struct run run;
  run_guest("guest_halt", 8, &run);
  assert_int_equal(run.result.outcome, MACHINE_ERROR);
  if (!strstr(run.result.diagnosis, "halted without reporting an exit"))
    fail_msg("diagnosis: %s", run.result.diagnosis);
  assert_non_null(strstr(run.result.diagnosis, "hlt"));
}

static void test_rejects_bad_config(void **state) {
  (void)state;
  char err[256] = "";
  static const uint8_t not_elf[64] = {'x'};
  struct machine_config cfg = {
      .ram_mib = 2, .kernel_elf = not_elf, .kernel_elf_size = sizeof not_elf};
  assert_null(machine_create(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "RAM"));
  cfg.ram_mib = 8;
  err[0] = '\0';
  assert_null(machine_create(&cfg, err, sizeof err));
  assert_non_null(strstr(err, "ELF"));
}

/* Not a timing assertion (sanitizer builds are slower): it reports the cost of
 * a ring-3 #PF round trip and checks that the fault path is deterministic. */
static void test_page_fault_round_trips(void **state) {
  (void)state;
  static struct run a, b;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  run_guest("guest_bench", 16, &a);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (a.result.outcome != MACHINE_EXITED)
    fail_msg("outcome %d: %s", a.result.outcome, a.result.diagnosis);
  double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
  print_message("100000 ring-3 #PF round trips: %.2f us each (whole run, boot included)\n",
                seconds * 1e6 / 100000);
  run_guest("guest_bench", 16, &b);
  assert_int_equal(a.result.instructions, b.result.instructions);
  /* Per round trip: lea, (the faulting mov does not retire), stub push + jmp, handler
   * mov + add + iretq, dec, jnz = 8; plus under 2000 for boot and exit. */
  assert_true(a.result.instructions >= 800000 && a.result.instructions < 802000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_faults_and_syscalls),
      cmocka_unit_test(test_deterministic),
      cmocka_unit_test(test_double_fault_on_unmapped_kernel_stack),
      cmocka_unit_test(test_triple_fault),
      cmocka_unit_test(test_halt_without_exit),
      cmocka_unit_test(test_rejects_bad_config),
      cmocka_unit_test(test_page_fault_round_trips),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
