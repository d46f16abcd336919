/*
 * The text form of a fuzz program: what a reproducer is kept as in the
 * source tree (the .txt files of tests/fuzz/inmachine), readable in a review and in a
 * diff.  One op per line, the fields of struct fz_op in order:
 *
 *   faultsim-fuzz-program 1
 *   # kind base slot file dest prot flags addr len off value
 *   mmap abs 0 anon 0 0x3 0x22 0x0 0x3000 0x0 0x0
 *
 * kind: mmap munmap mprotect brk read write exec kread kwrite; base: abs slot
 * brk; file: 0..5, anon, console or badfd; numbers in decimal or 0x hex;
 * '#' starts a comment line.
 */
#ifndef FAULTSIM_FUZZ_TEXT_H
#define FAULTSIM_FUZZ_TEXT_H

#include <stddef.h>
#include <stdio.h>

#include "fuzz_gen.h"

/* An op kind's name in the text ("mmap", ...), "?" for no kind. */
const char *fuzz_op_kind_name(unsigned kind);

/* Writes p as text; 0, or -1 on a write error. */
int fuzz_program_write_text(FILE *out, const struct fuzz_program *p);

/* Parses a program file in either form (the binary /fuzz/program image or
 * the text above); 0, or -1 with a one-line reason (naming the line). */
int fuzz_program_load(const void *data, size_t size, struct fuzz_program *p, char *err,
                      size_t err_size);

#endif
