/* Answer scheduler of fakens: a min-heap of pending sends, a timerfd to wake for them and a
 * busy-wait for the last microseconds. */
#ifndef FAKENS_SCHED_H
#define FAKENS_SCHED_H

#include <stddef.h>
#include <stdint.h>

typedef struct sched_slot {
	uint64_t due_ns; /* CLOCK_MONOTONIC */
	uint64_t seq;    /* insertion order: equal due times leave first in, first out */
	void *data;      /* borrowed: the heap never frees it */
} sched_slot_t;

typedef struct sched {
	sched_slot_t *v;
	size_t n, cap;
	size_t max; /* pushes beyond this many entries fail with SP_ENOSPACE */
	uint64_t seq;
} sched_t;

void sched_init(sched_t *s, size_t max);
/* Frees the heap's own memory; the data pointers are the caller's (pop them first). */
void sched_free(sched_t *s);
/* 0, SP_ENOSPACE when max entries are pending, SP_ENOMEM. */
int sched_push(sched_t *s, uint64_t due_ns, void *data);
/* The earliest entry without removing it: 1 and *due_ns / *data set, or 0 when empty.
 * Either pointer may be NULL. */
int sched_peek(const sched_t *s, uint64_t *due_ns, void **data);
/* Removes and returns the earliest entry's data, or NULL when empty. */
void *sched_pop(sched_t *s, uint64_t *due_ns);
size_t sched_count(const sched_t *s);

/* The moment to wake for an entry due at due_ns when the last spin_ns are spent
 * busy-waiting: never 0, because a timerfd armed at 0 is disarmed instead. */
uint64_t sched_wake_ns(uint64_t due_ns, uint64_t spin_ns);
/* A non-blocking CLOCK_MONOTONIC timerfd, or a negative errno. */
int sched_timer_open(void);
/* Arms fd to fire once at the absolute CLOCK_MONOTONIC time at_ns (at once if it has
 * passed); at_ns 0 disarms. 0 or a negative errno. */
int sched_timer_arm(int fd, uint64_t at_ns);
/* Consumes the expiry count so the descriptor stops polling readable; returns the count
 * (0 when it had not fired). */
uint64_t sched_timer_ack(int fd);
/* Busy-waits until CLOCK_MONOTONIC reaches due_ns and returns the time read last (>= due_ns).
 * While more than quiet_ns remain it asks stop(arg) on every turn and returns 0 as soon as
 * that says 1, so the caller can serve what is waiting (a query) and come back; stop may be
 * NULL. */
uint64_t sched_spin_until(uint64_t due_ns, uint64_t quiet_ns, int (*stop)(void *), void *arg);

#endif
