/* Option numbers and the readiness pipe shared by fakens, sniff and probe. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"

int sp_parse_uint(const char *text, unsigned long max, unsigned long *out)
{
	/* strtoul alone would take "-1", " 7" and "+7". */
	if (text[0] < '0' || text[0] > '9')
		return SP_ESYNTAX;
	errno = 0;
	char *end;
	unsigned long v = strtoul(text, &end, 10);
	if (*end)
		return SP_ESYNTAX;
	if (errno == ERANGE || v > max)
		return SP_ERANGE;
	*out = v;
	return 0;
}

int sp_ready_signal(int fd)
{
	static const char ready[] = "ready\n";
	ssize_t n;
	do
		n = write(fd, ready, sizeof ready - 1);
	while (n < 0 && errno == EINTR);
	int rc = n < 0 ? -errno : n != (ssize_t)(sizeof ready - 1) ? -EIO : 0;
	close(fd);
	return rc;
}
