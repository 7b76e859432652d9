/* fakens gives up root once its sockets are bound: the user to become and the drop itself. */
#ifndef FAKENS_PRIVDROP_H
#define FAKENS_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* uid and gid of a user name. Returns 0, SP_ENOTFOUND when there is no such user, or
 * -errno when the user database cannot be read. */
int privdrop_lookup(const char *user, uid_t *uid, gid_t *gid);

/* When the effective uid is 0, becomes uid/gid for good: supplementary groups set to gid
 * alone, then setgid, then setuid, and checks that root cannot be taken back. Not root:
 * changes nothing. Inside a user namespace that does not allow it (setgroups denied, the
 * user not mapped, as under `unshare -U -r`), the drop is skipped: nothing outside the
 * namespace is reachable with that "root" anyway. note gets one phrase for the log
 * ("dropped to nobody (65534:65534)", "skipped: ..."). Returns 0, or -errno when a drop
 * that should have worked failed (the caller must not go on as root). */
int privdrop_apply(const char *user, uid_t uid, gid_t gid, char *note, size_t notelen);

#endif
