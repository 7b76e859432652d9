/* Giving up Linux capabilities: what a process keeps once the step that needed them is done. */
#ifndef SP_CAPS_H
#define SP_CAPS_H

#include <stdint.h>

/* A capability number as a bit of a set: CAPS_BIT(CAP_NET_RAW). */
#define CAPS_BIT(cap) (UINT64_C(1) << (cap))

/* Leaves this process's effective and permitted sets holding at most keep (what it does
 * not hold stays out), its inheritable and ambient sets empty, and, when bounding is
 * nonzero, its bounding set empty, so that no program it executes (setuid root included)
 * gets a capability back. Dropping the bounding set needs CAP_SETPCAP, so it comes first.
 * Returns 0, or -errno when a set could not be changed; in that case the process may hold
 * more than asked, and must not go on as if it did not. */
int caps_limit(uint64_t keep, int bounding);

/* Gives up every capability this process holds; the bounding set goes too when the process
 * holds CAP_SETPCAP (root does). A process holding none (an ordinary user) has nothing to
 * give up: 0 without a change, where caps_limit(0, 1) would fail for want of CAP_SETPCAP.
 * Returns 0 or -errno as caps_limit. */
int caps_drop_all(void);

/* This process's effective, permitted and bounding sets, as the kernel shows them in
 * /proc/self/status (CapEff, CapPrm, CapBnd). Returns 0 or -errno. */
int caps_get(uint64_t *effective, uint64_t *permitted, uint64_t *bounding);

#endif
