/* Fuzz target for the capture-reading path: the input is a pcap or pcapng file that sniff -r
 * reads in-process (capfile, the dissector on every frame, the analyzer, the output and the
 * annotated copy). The input's length picks the options, so every file keeps its meaning. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int sniff_main(int argc, char **argv);

/* getopt wants char *; these are never written. */
static char a_sniff[] = "sniff";
static char a_q[] = "-q";
static char a_r[] = "-r";
static char a_json[] = "--json";
static char a_w[] = "-w";
static char a_f[] = "-f";
static char a_empty[] = "";
static char a_window[] = "--window";
static char a_one[] = "1";
static char a_all[] = "--all-trials";
static int capture_fd = -1, null_fd = -1, saved_stdout = -1;
static char capture_path[64];
static char out_dir[] = "/tmp/fuzz_capture.XXXXXX";
static char out_path[64];

static void remove_out_dir(void)
{
	unlink(out_path);
	rmdir(out_dir);
}

/* A memory-backed file sniff opens by name, and a directory for -w. */
static int setup(void)
{
	capture_fd = memfd_create("capture", 0);
	if (capture_fd < 0 || !mkdtemp(out_dir))
		return -1;
	snprintf(capture_path, sizeof capture_path, "/proc/self/fd/%d", capture_fd);
	snprintf(out_path, sizeof out_path, "%s/annotated.pcapng", out_dir);
	atexit(remove_out_dir);
	null_fd = open("/dev/null", O_WRONLY);
	saved_stdout = dup(1);
	return null_fd < 0 || saved_stdout < 0 ? -1 : 0;
}

/* Frames capfile reads from a capture (as sniff does, interfaces of any link type mixed)
 * before its end or the first damage; -1 when it does not open it. */
static long count_frames(int fd)
{
	capfile_t *c;
	capfile_pkt_t pk;
	const char *why;
	long n = 0;

	if (fd < 0)
		return -1;
	if (capfile_open(&c, fd, &why) < 0) {
		close(fd);
		return -1;
	}
	while (capfile_next(c, &pk) == 1)
		n++;
	capfile_close(c);
	close(fd);
	return n;
}

/* The input as a file descriptor capfile can read. */
static int input_fd(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-capture", 0);

	if (fd < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Length bits: 1 --json, 2 -w, 4 the default BPF filter (else every frame), 8 a one-second
 * window and every trial listed. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[16];
	int argc = 0;

	if (capture_fd < 0 && setup() < 0)
		abort();
	if (ftruncate(capture_fd, 0) != 0 || pwrite(capture_fd, data, size, 0) != (ssize_t)size)
		abort();
	argv[argc++] = a_sniff;
	argv[argc++] = a_q;
	argv[argc++] = a_r;
	argv[argc++] = capture_path;
	if (size & 1)
		argv[argc++] = a_json;
	if (size & 2) {
		argv[argc++] = a_w;
		argv[argc++] = out_path;
	}
	if (!(size & 4)) {
		argv[argc++] = a_f;
		argv[argc++] = a_empty;
	}
	if (size & 8) {
		argv[argc++] = a_window;
		argv[argc++] = a_one;
		argv[argc++] = a_all;
	}
	argv[argc] = NULL;
	optind = 0; /* glibc: start getopt afresh */
	/* sniff's results go nowhere, but the replay program's own line still shows. */
	fflush(stdout);
	dup2(null_fd, 1);
	int rc = sniff_main(argc, argv);
	fflush(stdout);
	dup2(saved_stdout, 1);
	if (rc < 0 || rc > 2)
		__builtin_trap();
	/* -w: exit 2 (a file capfile refuses) leaves no annotated copy; otherwise the copy holds
	 * every frame sniff read. */
	if (size & 2) {
		if (rc == 2 && access(out_path, F_OK) == 0)
			__builtin_trap();
		if (rc != 2 &&
		    count_frames(open(out_path, O_RDONLY)) != count_frames(input_fd(data, size)))
			__builtin_trap();
		unlink(out_path);
	}
	return 0;
}
