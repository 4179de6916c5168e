// SPDX-License-Identifier: GPL-2.0
/*
 * vbio: a known block workload for the trace test.
 *   vbio DEV SIZE COUNT   COUNT O_DIRECT reads of SIZE bytes from DEV into
 *                         one page-aligned buffer, at offsets i * SIZE
 * Each read is one request whose data segment is exactly SIZE bytes when
 * SIZE <= 4096 (one page).  Prints the number of reads done.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long size, count, i;
	void *buf;
	int fd;

	if (argc != 4) {
		fprintf(stderr, "usage: vbio DEV SIZE COUNT\n");
		return 2;
	}
	size = atol(argv[2]);
	count = atol(argv[3]);
	fd = open(argv[1], O_RDONLY | O_DIRECT);
	if (fd < 0 || posix_memalign(&buf, 4096, size)) {
		perror("vbio");
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (pread(fd, buf, size, i * size) != size) {
			perror("vbio: pread");
			return 1;
		}
	}
	printf("%ld\n", count);
	return 0;
}
