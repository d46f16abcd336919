/*
 * text_fault: code is populated lazily page by page, so calling a function
 * that lives in a text page nothing has executed yet takes a fault on the
 * instruction fetch.
 *
 * Layout (link order in guest/CMakeLists.txt): this file, then
 * text_fault_pad.S (64 KiB of int3 in .text that nothing ever executes),
 * then text_fault_far.c, whose far_function is page-aligned, then
 * text_fault_pad_end.S, which starts a new page so that the runtime linked
 * after it does not share far_function's page.  So far_function sits at
 * least 16 pages past main, in a page of its own; the program checks that
 * from link-time addresses (identical natively and in faultsim) rather than
 * trusting the linker.
 *
 * Prints "far_function is 16+ pages past main: yes", "far_function(7)=<n>"
 * and "far_function(7) again=<n>"; exits 0.
 * faultsim: lazy_text >= 2 (main's page and far_function's page); the
 * padding pages in between are never populated, and the second call takes
 * no new fault.
 */
#include "rt.h"

unsigned long far_function(unsigned long x);

int main(void) {
  unsigned long main_page = (unsigned long)&main / RT_PAGE_SIZE;
  unsigned long far_page = (unsigned long)&far_function / RT_PAGE_SIZE;
  unsigned long printf_page = (unsigned long)&rt_printf / RT_PAGE_SIZE;
  int far_enough = far_page >= main_page + 16 && printf_page != far_page;
  rt_printf("far_function is 16+ pages past main: %s\n", far_enough ? "yes" : "no");
  if (!far_enough)
    return 1;
  rt_printf("far_function(7)=%lu\n", far_function(7));
  rt_printf("far_function(7) again=%lu\n", far_function(7));
  return 0;
}
