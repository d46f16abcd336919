/*
 * data_bss_split: the page where initialised .data ends and .bss begins is
 * half file-backed, half zero-fill.  The loader must copy the file bytes up
 * to p_filesz and zero the rest of that page; copying a whole page from the
 * file would drag in whatever follows .data in the ELF (.comment, symbol
 * tables: non-zero bytes) as fake .bss contents.
 *
 * data_arr (DATA_BYTES, a byte pattern computed by the preprocessor so the
 * file holds it) is the last thing in .data and bss_arr (BSS_BYTES) the first
 * thing in .bss: the runtime has no .data/.bss of its own, and ld emits .bss
 * right after .data.  DATA_BYTES is not a page multiple, and the program
 * checks from link-time addresses that data_arr's end and bss_arr's start
 * share a page, instead of trusting the layout.
 *
 * Prints "data end and bss start share a page: yes", "data bytes exact:
 * 9556", "data checksum=<hex>", "bss bytes zero: 12388", "after writes:
 * ok"; exits 0.
 * faultsim: lazy_data >= 3 (data_arr spans 3+ pages, one of them shared
 * with .bss), lazy_bss >= 3 (bss_arr's pages past the shared one),
 * file_pages_read >= 3.
 */
#include "rt.h"

#define DATA_BYTES 9556 /* 2 pages + 1364 bytes */
#define BSS_BYTES  (3 * 4096 + 100)

/* The pattern: varies with position within a page and with the page, so a
 * page read from the wrong file offset or a shifted copy shows up. */
#define P(n)     (unsigned char)((n)*167u + ((n) >> 12) * 29u + 1u)
#define E1(n)    P(n),
#define E4(n)    E1(n) E1((n) + 1) E1((n) + 2) E1((n) + 3)
#define E16(n)   E4(n) E4((n) + 4) E4((n) + 8) E4((n) + 12)
#define E64(n)   E16(n) E16((n) + 16) E16((n) + 32) E16((n) + 48)
#define E256(n)  E64(n) E64((n) + 64) E64((n) + 128) E64((n) + 192)
#define E1024(n) E256(n) E256((n) + 256) E256((n) + 512) E256((n) + 768)
#define E4096(n) E1024(n) E1024((n) + 1024) E1024((n) + 2048) E1024((n) + 3072)

static unsigned char data_arr[DATA_BYTES] = {E4096(0) E4096(4096) E1024(8192) E256(9216) E64(9472)
                                                 E16(9536) E4(9552)};
static unsigned char bss_arr[BSS_BYTES];

_Static_assert(DATA_BYTES == 4096 + 4096 + 1024 + 256 + 64 + 16 + 4, "initialiser size");

int main(void) {
  volatile unsigned char *d = data_arr, *z = bss_arr;
  unsigned long data_end_page = ((unsigned long)&data_arr[DATA_BYTES - 1]) / RT_PAGE_SIZE;
  unsigned long bss_start_page = ((unsigned long)&bss_arr[0]) / RT_PAGE_SIZE;
  unsigned long i, sum = RT_HASH_INIT, good = 0, zero = 0;

  rt_printf("data end and bss start share a page: %s\n",
            data_end_page == bss_start_page ? "yes" : "no");

  for (i = 0; i < DATA_BYTES; i++) {
    if (d[i] != P(i))
      rt_fail("data_arr[%lu] = %u, expected %u", i, d[i], P(i));
    good++;
    sum = rt_hash_byte(sum, d[i]);
  }
  rt_printf("data bytes exact: %lu\n", good);
  rt_printf("data checksum=%lx\n", sum);

  for (i = 0; i < BSS_BYTES; i++) {
    if (z[i] != 0)
      rt_fail("bss_arr[%lu] = %u, expected 0", i, z[i]);
    zero++;
  }
  rt_printf("bss bytes zero: %lu\n", zero);

  /* Both sides of the shared page must also be writable, privately. */
  for (i = 0; i < DATA_BYTES; i++)
    d[i] = (unsigned char)~P(i);
  for (i = 0; i < BSS_BYTES; i++)
    z[i] = (unsigned char)i;
  for (i = 0; i < DATA_BYTES; i++)
    RT_CHECK(d[i] == (unsigned char)~P(i));
  for (i = 0; i < BSS_BYTES; i++)
    RT_CHECK(z[i] == (unsigned char)i);
  rt_printf("after writes: ok\n");
  return 0;
}
