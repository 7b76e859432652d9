/* Clocks and durations. */
#ifndef SP_TIMEUTIL_H
#define SP_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

uint64_t sp_mono_ns(void); /* CLOCK_MONOTONIC */
uint64_t sp_real_ns(void); /* CLOCK_REALTIME, since the epoch */
/* "40 us" below 100 us, "0.4 ms" / "50.3 ms" below 1 s, "2.00 s" above; returns out. */
const char *sp_duration_str(uint64_t ns, char *out, size_t outlen);

#endif
