/* musl-gai: one getaddrinfo through musl's resolver, reported as one line that probe reads. */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static unsigned long long mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* Output, one line: "families=A,AAAA naddrs=N elapsed_ns=N error=TEXT" ("-" for none,
 * families "-" when none); exit 0 when a lookup was made, 2 on a usage error. The hints
 * are glibc_lookup's, so that the two libraries answer the same question. */
int main(int argc, char **argv)
{
	if (argc != 2 || !argv[1][0]) {
		fprintf(stderr, "musl-gai: give one name to look up, e.g. musl-gai t1.lab.test\n");
		return 2;
	}
	struct addrinfo hints, *res = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	unsigned long long t0 = mono_ns();
	int rc = getaddrinfo(argv[1], NULL, &hints, &res);
	unsigned long long elapsed = mono_ns() - t0;
	int v4 = 0, v6 = 0;
	unsigned n = 0;
	for (const struct addrinfo *ai = rc == 0 ? res : NULL; ai; ai = ai->ai_next) {
		v4 |= ai->ai_family == AF_INET;
		v6 |= ai->ai_family == AF_INET6;
		n++;
	}
	printf("families=%s naddrs=%u elapsed_ns=%llu error=%s\n",
	       v4 && v6 ? "A,AAAA"
	       : v4     ? "A"
	       : v6     ? "AAAA"
			: "-",
	       n, elapsed, rc == 0 ? "-" : gai_strerror(rc));
	if (res)
		freeaddrinfo(res);
	return 0;
}
