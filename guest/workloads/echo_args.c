/*
 * echo_args: checks the initial stack the kernel builds (argc, argv, envp
 * per the SysV ABI).
 * Prints "argc=N", then "argv[i]=<arg>" for every argument and
 * "envp[j]=<NAME=VALUE>" for every environment string, one per line, in
 * order; exits 0.  Under faultsim argv[0] is "/bin/echo_args" and the
 * environment holds only what --env gave; the native test execs it with the
 * same argv[0] and environment.
 */
#include "rt.h"

int main(int argc, char **argv, char **envp) {
  int i;
  rt_printf("argc=%d\n", argc);
  for (i = 0; i < argc; i++)
    rt_printf("argv[%d]=%s\n", i, argv[i]);
  /* argv must be NULL-terminated, with envp right after it. */
  RT_CHECK(argv[argc] == 0);
  RT_CHECK(envp == argv + argc + 1);
  for (i = 0; envp[i]; i++)
    rt_printf("envp[%d]=%s\n", i, envp[i]);
  return 0;
}
