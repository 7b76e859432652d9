/* Small pieces the programs share at their edges: option numbers and the readiness pipe. */
#ifndef SP_CLI_H
#define SP_CLI_H

/* A decimal option value: digits only (no sign, no spaces, nothing after), at most max.
 * Returns 0, SP_ESYNTAX (not a number) or SP_ERANGE (above max). */
int sp_parse_uint(const char *text, unsigned long max, unsigned long *out);

/* Tells a harness waiting on fd that the program is ready: writes "ready\n" and closes fd
 * (closed on failure too). Returns 0 or -errno (-EIO for a short write). */
int sp_ready_signal(int fd);

#endif
