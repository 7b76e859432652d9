/* Clocks and human-readable durations. */
#include "timeutil.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
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
/* Decimal digits of v at out (room for 20), returning how many. */
static size_t put_dec(char *out, uint64_t v, int min_digits)
{
	char d[20];
	size_t n = sizeof d;
	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
		min_digits--;
	} while (v || min_digits > 0);
	memcpy(out, d + n, sizeof d - n);
	return sizeof d - n;
}

/* Without snprintf: evidence lines print one each, tens of thousands in a big capture. */
const char *sp_duration_str(uint64_t ns, char *out, size_t outlen)
{
	if (!out || outlen == 0)
		return "";
	char buf[64];
	size_t n;
	uint64_t us = (ns + 500) / 1000;
	uint64_t tenth_ms = (ns + 50000) / 100000;
	if (us < 100) {
		n = put_dec(buf, us, 1);
		memcpy(buf + n, " us", 3);
		n += 3;
	} else if (tenth_ms < 10000) {
		n = put_dec(buf, tenth_ms / 10, 1);
		buf[n++] = '.';
		n += put_dec(buf + n, tenth_ms % 10, 1);
		memcpy(buf + n, " ms", 3);
		n += 3;
	} else {
		uint64_t cs = ns / 10000000 + (ns % 10000000 >= 5000000);
		n = put_dec(buf, cs / 100, 1);
		buf[n++] = '.';
		n += put_dec(buf + n, cs % 100, 2);
		memcpy(buf + n, " s", 2);
		n += 2;
	}
	if (n > outlen - 1)
		n = outlen - 1; /* cut as snprintf cuts */
	memcpy(out, buf, n);
	out[n] = '\0';
	return out;
}
