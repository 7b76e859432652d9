/* Dropping root after binding: setgroups, setgid, setuid, with a user-namespace escape. */
#define _GNU_SOURCE
#include "privdrop.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "err.h"

int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid)
{
	struct passwd pw, *res = NULL;
	long size = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = size > 0 ? (size_t)size : 16384;
	char *buf = malloc(len);
	if (!buf)
		return SP_ENOMEM;
	int rc = getpwnam_r(user, &pw, buf, len, &res);
	if (rc == 0 && res) {
		*uid = pw.pw_uid;
		*gid = pw.pw_gid;
	}
	free(buf);
	if (rc != 0 && rc != ENOENT && rc != ESRCH)
		return -rc;
	return res ? 0 : SP_ENOTFOUND;
}

/* 1 when this process is in a user namespace other than the first one: its uid map is not
 * the identity over the whole range. Unreadable means no (the strict answer). */
static int in_child_userns(void)
{
	FILE *f = fopen("/proc/self/uid_map", "r");
	if (!f)
		return 0;
	unsigned long inside, outside, count;
	int n = fscanf(f, "%lu %lu %lu", &inside, &outside, &count);
	fclose(f);
	return !(n == 3 && inside == 0 && outside == 0 && count == 4294967295ul);
}

int privdrop_apply(const char *user, uid_t uid, gid_t gid, char *note, size_t notelen)
{
	if (geteuid() != 0) {
		snprintf(note, notelen, "kept: not started as root (uid %u)", (unsigned)geteuid());
		return 0;
	}
	if (uid == 0) {
		snprintf(note, notelen, "kept: --user %s is root", user);
		return 0;
	}
	/* A change of credentials clears the parent-death signal a harness asked for. */
	int pdeath = 0;
	prctl(PR_GET_PDEATHSIG, &pdeath);
	pid_t parent = getppid();

	const char *step = "setgroups";
	int rc = setgroups(1, &gid);
	if (rc == 0) {
		step = "setgid";
		rc = setgid(gid);
	}
	if (rc == 0) {
		step = "setuid";
		rc = setuid(uid);
	}
	if (rc < 0) {
		int e = errno;
		if ((e == EPERM || e == EINVAL) && in_child_userns()) {
			snprintf(note, notelen,
				 "skipped: %s: %s inside a user namespace, whose root has no "
				 "power outside it",
				 step, strerror(e));
			return 0;
		}
		snprintf(note, notelen, "failed: %s: %s", step, strerror(e));
		return -e;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(note, notelen, "failed: root could be taken back after setuid");
		return -EPERM;
	}
	if (pdeath > 0) {
		prctl(PR_SET_PDEATHSIG, pdeath);
		if (getppid() != parent)
			raise(pdeath); /* the parent died during the drop */
	}
	snprintf(note, notelen, "dropped to %s (%u:%u)", user, (unsigned)uid, (unsigned)gid);
	return 0;
}
