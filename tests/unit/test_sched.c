/* Unit tests for the fakens answer scheduler (fakens/sched.c). */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "err.h"
#include "sched.h"

static uint64_t mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void test_empty(void **state)
{
	sched_t s;
	sched_init(&s, 4);
	uint64_t due = 7;
	void *data = &due;
	assert_int_equal(sched_peek(&s, &due, &data), 0);
	assert_int_equal(due, 7);
	assert_null(sched_pop(&s, &due));
	assert_int_equal(sched_count(&s), 0);
	sched_free(&s);
}

/* A fixed pseudo-random sequence, so a failure repeats. */
static uint32_t lcg(uint32_t *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static void test_order(void **state)
{
	enum { N = 1000 };
	static int items[N];
	sched_t s;
	sched_init(&s, N);
	uint32_t x = 42;
	for (int i = 0; i < N; i++) {
		items[i] = i;
		assert_int_equal(sched_push(&s, lcg(&x) % 5000, &items[i]), 0);
	}
	assert_int_equal(sched_count(&s), N);
	uint64_t prev = 0, due, peeked;
	void *top;
	for (int i = 0; i < N; i++) {
		assert_int_equal(sched_peek(&s, &peeked, &top), 1);
		void *d = sched_pop(&s, &due);
		assert_non_null(d);
		assert_ptr_equal(d, top);
		assert_int_equal(due, peeked);
		assert_true(due >= prev);
		prev = due;
	}
	assert_null(sched_pop(&s, NULL));
	sched_free(&s);
}

static void test_ties_fifo(void **state)
{
	int a = 1, b = 2, c = 3, early = 0;
	sched_t s;
	sched_init(&s, 8);
	assert_int_equal(sched_push(&s, 100, &a), 0);
	assert_int_equal(sched_push(&s, 100, &b), 0);
	assert_int_equal(sched_push(&s, 100, &c), 0);
	assert_int_equal(sched_push(&s, 50, &early), 0);
	assert_ptr_equal(sched_pop(&s, NULL), &early);
	assert_ptr_equal(sched_pop(&s, NULL), &a);
	assert_ptr_equal(sched_pop(&s, NULL), &b);
	assert_ptr_equal(sched_pop(&s, NULL), &c);
	sched_free(&s);
}

static void test_full(void **state)
{
	int v[3];
	sched_t s;
	sched_init(&s, 2);
	assert_int_equal(sched_push(&s, 30, &v[0]), 0);
	assert_int_equal(sched_push(&s, 10, &v[1]), 0);
	assert_int_equal(sched_push(&s, 5, &v[2]), SP_ENOSPACE);
	assert_int_equal(sched_count(&s), 2);
	uint64_t due;
	assert_ptr_equal(sched_pop(&s, &due), &v[1]);
	assert_int_equal(due, 10);
	assert_int_equal(sched_push(&s, 5, &v[2]), 0);
	assert_ptr_equal(sched_pop(&s, NULL), &v[2]);
	assert_ptr_equal(sched_pop(&s, NULL), &v[0]);
	sched_free(&s);
	/* Usable again after free. */
	assert_int_equal(sched_push(&s, 1, &v[0]), 0);
	assert_ptr_equal(sched_pop(&s, NULL), &v[0]);
	sched_free(&s);
}

static void test_wake_ns(void **state)
{
	assert_int_equal(sched_wake_ns(1000, 200), 800);
	assert_int_equal(sched_wake_ns(1000, 0), 1000);
	/* Never 0: a timerfd armed at 0 would be disarmed and the answer never sent. */
	assert_int_equal(sched_wake_ns(200, 200), 1);
	assert_int_equal(sched_wake_ns(0, 0), 1);
	assert_int_equal(sched_wake_ns(100, 500), 1);
}

static int readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static void test_timer(void **state)
{
	int fd = sched_timer_open();
	assert_true(fd >= 0);
	assert_int_equal(sched_timer_ack(fd), 0); /* not fired: nothing to consume */

	/* A time already passed fires at once. */
	assert_int_equal(sched_timer_arm(fd, sched_wake_ns(mono(), 1000000)), 0);
	assert_true(readable(fd, 5000));
	assert_int_equal(sched_timer_ack(fd), 1);
	assert_false(readable(fd, 0));

	/* Arming at 0 disarms: the hour-away expiry it replaced never fires. */
	assert_int_equal(sched_timer_arm(fd, mono() + 3600ull * 1000000000u), 0);
	assert_int_equal(sched_timer_arm(fd, 0), 0);
	assert_false(readable(fd, 20));
	assert_int_equal(sched_timer_ack(fd), 0);
	close(fd);

	assert_int_equal(sched_timer_arm(-1, 1), -EBADF);
	assert_int_equal(sched_timer_ack(-1), 0);
}

static int always(void *arg)
{
	int *calls = arg;
	(*calls)++;
	return 1;
}

static int never(void *arg)
{
	int *calls = arg;
	(*calls)++;
	return 0;
}

static void test_spin(void **state)
{
	uint64_t past = mono();
	assert_true(sched_spin_until(past, 0, NULL, NULL) >= past);
	uint64_t due = mono() + 200000; /* 200 us */
	assert_true(sched_spin_until(due, 0, NULL, NULL) >= due);
	assert_true(mono() >= due);
}

static void test_spin_stop(void **state)
{
	int calls = 0;
	/* Far off: the first "stop" ends the wait with 0. */
	assert_int_equal(sched_spin_until(mono() + 3600ull * 1000000000u, 1000, always, &calls), 0);
	assert_int_equal(calls, 1);

	/* Within the quiet window stop is not asked: the wait runs to the end. */
	calls = 0;
	uint64_t due = mono() + 100000;
	assert_true(sched_spin_until(due, 1000000, always, &calls) >= due);
	assert_int_equal(calls, 0);

	/* A stop that says 0 is asked and ignored. */
	calls = 0;
	due = mono() + 100000;
	assert_true(sched_spin_until(due, 0, never, &calls) >= due);
	assert_true(calls > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_empty),     cmocka_unit_test(test_order),
	    cmocka_unit_test(test_ties_fifo), cmocka_unit_test(test_full),
	    cmocka_unit_test(test_wake_ns),   cmocka_unit_test(test_timer),
	    cmocka_unit_test(test_spin),      cmocka_unit_test(test_spin_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
