/* Clocks and human-readable durations. */
#include "timeutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sp_mono_ns(void) { return clock_ns(CLOCK_MONOTONIC); }

uint64_t sp_real_ns(void) { return clock_ns(CLOCK_REALTIME); }

/* Units are chosen on the rounded value, so 999.96 ms reads "1.00 s", not "1000.0 ms". */
const char *sp_duration_str(uint64_t ns, char *out, size_t outlen)
{
	if (!out || outlen == 0)
		return "";
	uint64_t us = (ns + 500) / 1000;
	uint64_t tenth_ms = (ns + 50000) / 100000;
	if (us < 100) {
		snprintf(out, outlen, "%" PRIu64 " us", us);
	} else if (tenth_ms < 10000) {
		snprintf(out, outlen, "%" PRIu64 ".%" PRIu64 " ms", tenth_ms / 10, tenth_ms % 10);
	} else {
		uint64_t cs = ns / 10000000 + (ns % 10000000 >= 5000000);
		snprintf(out, outlen, "%" PRIu64 ".%02" PRIu64 " s", cs / 100, cs % 100);
	}
	return out;
}
