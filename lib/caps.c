/* Giving up Linux capabilities with the raw system calls (no libcap needed). */
#define _GNU_SOURCE
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* capget(2)/capset(2) with the 64-bit layout: two 32-bit words per set. */
static int caps_read(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	memset(d, 0, 2 * sizeof(*d));
	return syscall(SYS_capget, &h, d) < 0 ? -errno : 0;
}

static uint64_t join(uint32_t lo, uint32_t hi) { return (uint64_t)hi << 32 | lo; }

/* The highest capability the running kernel knows, which may be above the headers'. */
static int last_cap(void)
{
	int last = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		int v;
		if (fscanf(f, "%d", &v) == 1 && v > 0 && v < 64)
			last = v;
		fclose(f);
	}
	return last;
}

int caps_limit(uint64_t keep, int bounding)
{
	struct __user_cap_data_struct d[2];
	int rc = caps_read(d);
	if (rc < 0)
		return rc;

	/* Before anything else: ambient capabilities survive execve of an ordinary program. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (bounding) {
		int last = last_cap();
		for (int cap = 0; cap <= last; cap++) {
			int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
			if (in < 0 && errno == EINVAL)
				break; /* the kernel knows no more */
			if (in > 0 && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
				return -errno;
		}
	}
	uint64_t eff = join(d[0].effective, d[1].effective) & keep;
	uint64_t prm = join(d[0].permitted, d[1].permitted) & keep;
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct n[2] = {
	    {(uint32_t)eff, (uint32_t)prm, 0},
	    {(uint32_t)(eff >> 32), (uint32_t)(prm >> 32), 0},
	};
	if (syscall(SYS_capset, &h, n) < 0)
		return -errno;

	/* Trust, but check: the kernel is the one that says what is left. */
	uint64_t e, p, b;
	if ((rc = caps_get(&e, &p, &b)) < 0)
		return rc;
	if ((e | p) & ~keep || (bounding && b != 0))
		return -EPERM;
	return 0;
}

int caps_drop_all(void)
{
	uint64_t e, p, b;
	int rc = caps_get(&e, &p, &b);
	if (rc < 0)
		return rc;
	if (!(e | p))
		return 0;
	return caps_limit(0, (p & CAPS_BIT(CAP_SETPCAP)) != 0);
}

int caps_get(uint64_t *effective, uint64_t *permitted, uint64_t *bounding)
{
	struct __user_cap_data_struct d[2];
	int rc = caps_read(d);
	if (rc < 0)
		return rc;
	*effective = join(d[0].effective, d[1].effective);
	*permitted = join(d[0].permitted, d[1].permitted);
	uint64_t b = 0;
	for (int cap = 0; cap < 64; cap++) {
		int in = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);
		if (in < 0)
			break;
		if (in)
			b |= CAPS_BIT(cap);
	}
	*bounding = b;
	return 0;
}
