// SPDX-License-Identifier: GPL-2.0
/*
 * vbfailnth: one write with the N-th fault-injection point failing.
 *   vbfailnth N FILE STRING   write STRING to FILE (e.g. a driver's bind
 *                             file) with /proc/self/task/TID/fail-nth = N
 * Both files are opened first, so that the only system call made with
 * the fault armed is the write itself (see "Systematic faults using
 * fail-nth" in Documentation/fault-injection/fault-injection.rst).
 * Prints "injected=1 err=ERRNO" if the N-th point was reached (ERRNO is
 * the write's, 0 if it succeeded), "injected=0 err=ERRNO" if the write
 * made fewer than N calls to should_fail().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[64], buf[32];
	int nth, fd, err = 0;
	ssize_t n;

	if (argc != 4) {
		fprintf(stderr, "usage: vbfailnth N FILE STRING\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/self/task/%ld/fail-nth",
		 (long)syscall(SYS_gettid));
	nth = open(path, O_RDWR);
	fd = open(argv[2], O_WRONLY);
	if (nth < 0 || fd < 0) {
		perror("vbfailnth: open");
		return 2;
	}
	if (write(nth, argv[1], strlen(argv[1])) < 0) {
		perror("vbfailnth: arm");
		return 2;
	}
	if (write(fd, argv[3], strlen(argv[3])) < 0)
		err = errno;
	n = pread(nth, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = 0;
	if (write(nth, "0", 1) < 0)	/* disarm */
		perror("vbfailnth: disarm");
	printf("injected=%d err=%d\n", n > 0 && atoi(buf) == 0, err);
	return 0;
}
