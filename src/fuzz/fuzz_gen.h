/*
 * faultsim fuzz: the programs and backing files the in-machine fuzzer runs.
 * Iteration i of seed S always gets the same program (splitmix64 of S and i),
 * so --jobs does not change what is tested and a finding can be regenerated.
 */
#ifndef FAULTSIM_FUZZ_GEN_H
#define FAULTSIM_FUZZ_GEN_H

#include <stddef.h>
#include <stdint.h>

#include <faultsim/fuzz_program.h>

/* Where the fuzz guest's image (with its BSS) lies: the generator keeps
 * layout calls and stores off it, and fuzz_machine_new checks the embedded
 * guest still fits. */
#define FUZZ_GUEST_IMAGE_START 0x400000ULL
#define FUZZ_GUEST_IMAGE_END   0x500000ULL

/* Ops per generated program, at most. */
#define FUZZ_GEN_MAX_OPS 48
/* /fuzz/f4: whole pages of 0xc3 (`ret`), the only bytes ever executable. */
#define FUZZ_RET_FILE      4u
#define FUZZ_RET_FILE_SIZE (4u * 4096u)

struct fuzz_program {
  struct fz_header header;
  struct fz_op ops[FZ_MAX_OPS];
};

/* The fixed backing files /fuzz/f0 .. /fuzz/f5 (static data). */
const uint8_t *fuzz_file_data(unsigned k, size_t *size);

void fuzz_generate(uint64_t seed, uint64_t iteration, struct fuzz_program *p);

/* Bytes of p as written to /fuzz/program (header and ops, no padding). */
size_t fuzz_program_size(const struct fuzz_program *p);

/* Parses a program file; returns 0, or -1 with a one-line reason. */
int fuzz_program_parse(const void *data, size_t size, struct fuzz_program *p, char *err,
                       size_t err_size);

#endif
