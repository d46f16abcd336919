/* The I/O-port devices.  Each runs entirely inside the IN/OUT hook because
 * RIP seen from there is stale. */
#ifndef FS_MACHINE_DEVICES_H
#define FS_MACHINE_DEVICES_H

#include <stdint.h>

struct machine;

#define SERIAL_LOG_CAPACITY (256u * 1024u)

void serial_out(struct machine *m, uint16_t offset, uint8_t value);
uint32_t serial_in(struct machine *m, uint16_t offset);
void exit_out(struct machine *m, uint32_t value);
void hostio_out(struct machine *m, uint32_t request_phys);
uint32_t clock_in(struct machine *m, uint16_t port);
void report_out(struct machine *m, uint32_t report_phys);
void trace_out(struct machine *m, uint32_t record_phys);
void zero_frame_out(struct machine *m, uint32_t frame_phys);
void snapshot_out(struct machine *m);

/* Appends host-side notes to the kernel log (e.g. a malformed request). */
void serial_note(struct machine *m, const char *text);

int ports_install(struct machine *m);

#endif
