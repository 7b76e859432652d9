/* Answer scheduler of fakens: binary min-heap ordered by (due time, insertion order),
 * timerfd helpers and the final busy-wait. */
#include "sched.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "err.h"

void sched_init(sched_t *s, size_t max)
{
	s->v = NULL;
	s->n = s->cap = 0;
	s->max = max;
	s->seq = 0;
}

void sched_free(sched_t *s)
{
	free(s->v);
	sched_init(s, s->max);
}

static int before(const sched_slot_t *a, const sched_slot_t *b)
{
	if (a->due_ns != b->due_ns)
		return a->due_ns < b->due_ns;
	return a->seq < b->seq;
}

static void swap(sched_slot_t *a, sched_slot_t *b)
{
	sched_slot_t t = *a;
	*a = *b;
	*b = t;
}

int sched_push(sched_t *s, uint64_t due_ns, void *data)
{
	if (s->n >= s->max)
		return SP_ENOSPACE;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		if (cap > s->max)
			cap = s->max;
		sched_slot_t *v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return SP_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	size_t i = s->n++;
	s->v[i] = (sched_slot_t){.due_ns = due_ns, .seq = s->seq++, .data = data};
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(&s->v[i], &s->v[parent]))
			break;
		swap(&s->v[i], &s->v[parent]);
		i = parent;
	}
	return 0;
}

int sched_peek(const sched_t *s, uint64_t *due_ns, void **data)
{
	if (s->n == 0)
		return 0;
	if (due_ns)
		*due_ns = s->v[0].due_ns;
	if (data)
		*data = s->v[0].data;
	return 1;
}

void *sched_pop(sched_t *s, uint64_t *due_ns)
{
	if (s->n == 0)
		return NULL;
	void *data = s->v[0].data;
	if (due_ns)
		*due_ns = s->v[0].due_ns;
	s->v[0] = s->v[--s->n];
	size_t i = 0;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < s->n && before(&s->v[l], &s->v[m]))
			m = l;
		if (r < s->n && before(&s->v[r], &s->v[m]))
			m = r;
		if (m == i)
			break;
		swap(&s->v[i], &s->v[m]);
		i = m;
	}
	return data;
}

size_t sched_count(const sched_t *s) { return s->n; }

uint64_t sched_wake_ns(uint64_t due_ns, uint64_t spin_ns)
{
	if (due_ns <= spin_ns)
		return 1;
	return due_ns - spin_ns;
}

int sched_timer_open(void)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int sched_timer_arm(int fd, uint64_t at_ns)
{
	struct itimerspec its = {0};
	its.it_value.tv_sec = (time_t)(at_ns / 1000000000u);
	its.it_value.tv_nsec = (long)(at_ns % 1000000000u);
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return -errno;
	return 0;
}

uint64_t sched_timer_ack(int fd)
{
	uint64_t n = 0;
	if (read(fd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return 0;
	return n;
}

static uint64_t mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Eases the spin on the sibling hyperthread; a plain loop elsewhere. */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

uint64_t sched_spin_until(uint64_t due_ns, uint64_t quiet_ns, int (*stop)(void *), void *arg)
{
	uint64_t now;
	while ((now = mono_now()) < due_ns) {
		if (stop && due_ns - now > quiet_ns && stop(arg))
			return 0;
		cpu_relax();
	}
	return now;
}
