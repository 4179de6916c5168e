// SPDX-License-Identifier: GPL-2.0
/*
 * vbbig: large O_DIRECT requests from or into one big buffer.
 *   vbbig [-H] w|r DEV OFFSET SIZE REQS TAG SEED
 * Writes (w) or reads (r) SIZE bytes of DEV at byte OFFSET with O_DIRECT,
 * in requests whose sizes cycle through REQS (a comma list of byte counts,
 * e.g. 262144,524288,1048576; the last request may be shorter), from or
 * into ONE buffer of SIZE bytes: with -H an anonymous MAP_HUGETLB mapping
 * (physically contiguous 2 MiB pages, so the block layer can build large
 * segments; no fallback: exit 1 if it cannot be had), else
 * posix_memalign(2 MiB).
 *
 * Pattern: 64-bit little-endian words; the word at absolute disk byte
 * offset o (a multiple of 8) is splitmix64(SEED ^ (o / 8)), where
 * splitmix64(x) = mix(x + 0x9e3779b97f4a7c15) (the first output of the
 * splitmix64 generator seeded with x).  scripts/vbtest.py computes the
 * same.
 *
 * Prints VBVAL TAG-bytes N (bytes moved) and, when reading, VBVAL
 * TAG-diff N (bytes that differ from the pattern) and TAG-firstdiff.
 * On an error or a short transfer: the reason on stderr, VBVAL TAG-err
 * and exit 1.  Exit 0 only when every byte moved (and, when reading,
 * matched); 3 when a read moved every byte but some differ; 2 on usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_SZ		(2UL << 20)
#define MAX_REQS	64

static uint64_t splitmix64(uint64_t x)
{
	uint64_t z = x + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void put_le64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

/* The pattern of disk bytes [off, off + size) into @buf (off, size: x8). */
static void fill(unsigned char *buf, uint64_t off, size_t size, uint64_t seed)
{
	size_t i;

	for (i = 0; i < size; i += 8)
		put_le64(buf + i, splitmix64(seed ^ ((off + i) / 8)));
}

static int parse_reqs(char *s, size_t *reqs)
{
	char *tok, *end;
	int n = 0;

	for (tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		if (n == MAX_REQS)
			return -1;
		reqs[n] = strtoull(tok, &end, 0);
		if (*end || !reqs[n] || reqs[n] % 512)
			return -1;
		n++;
	}
	return n;
}

static void *get_buffer(int huge, size_t size)
{
	void *buf;

	if (huge) {
		size_t len = (size + HUGE_SZ - 1) & ~(HUGE_SZ - 1);

		buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		return buf == MAP_FAILED ? NULL : buf;
	}
	errno = posix_memalign(&buf, HUGE_SZ, size);
	return errno ? NULL : buf;
}

static void usage(void)
{
	fprintf(stderr, "usage: vbbig [-H] w|r DEV OFFSET SIZE REQS TAG SEED\n");
	exit(2);
}

int main(int argc, char **argv)
{
	size_t reqs[MAX_REQS], size, done = 0, diff = 0, first = 0, i;
	int huge = 0, nreq, r = 0, fd, wr;
	uint64_t off, seed;
	unsigned char *buf, *want = NULL;
	const char *tag;

	if (argc > 1 && !strcmp(argv[1], "-H")) {
		huge = 1;
		argv++;
		argc--;
	}
	if (argc != 8 || (strcmp(argv[1], "w") && strcmp(argv[1], "r")))
		usage();
	wr = argv[1][0] == 'w';
	off = strtoull(argv[3], NULL, 0);
	size = strtoull(argv[4], NULL, 0);
	nreq = parse_reqs(argv[5], reqs);
	tag = argv[6];
	seed = strtoull(argv[7], NULL, 0);
	if (nreq <= 0 || !size || size % 512 || off % 512)
		usage();

	buf = get_buffer(huge, size);
	if (!buf) {
		fprintf(stderr, "vbbig %s: %s buffer of %zu bytes: %s\n", tag,
			huge ? "MAP_HUGETLB" : "posix_memalign", size,
			strerror(errno));
		printf("VBVAL %s-err buffer-errno-%d\n", tag, errno);
		return 1;
	}
	fd = open(argv[2], (wr ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "vbbig %s: open %s: %s\n", tag, argv[2],
			strerror(errno));
		printf("VBVAL %s-err open-errno-%d\n", tag, errno);
		return 1;
	}
	if (wr) {
		fill(buf, off, size, seed);
	} else {
		/* Not the pattern: a read that moves nothing must not match. */
		want = malloc(size);
		if (!want) {
			printf("VBVAL %s-err malloc\n", tag);
			return 1;
		}
		fill(want, off, size, seed);
		for (i = 0; i < size; i++)
			buf[i] = ~want[i];
	}

	for (i = 0; done < size; i++) {
		size_t n = reqs[i % nreq];
		ssize_t got;

		if (n > size - done)
			n = size - done;
		errno = 0;
		got = wr ? pwrite(fd, buf + done, n, off + done) :
			   pread(fd, buf + done, n, off + done);
		if (got != (ssize_t)n) {
			int e = got < 0 ? errno : 0;

			fprintf(stderr, "vbbig %s: %s of %zu bytes at %llu: %s\n",
				tag, wr ? "pwrite" : "pread", n,
				(unsigned long long)(off + done),
				got < 0 ? strerror(e) : "short transfer");
			printf("VBVAL %s-err %s-at-%llu-len-%zu-got-%zd-errno-%d\n",
			       tag, wr ? "write" : "read",
			       (unsigned long long)(off + done), n, got, e);
			printf("VBVAL %s-bytes %zu\n", tag,
			       done + (got > 0 ? got : 0));
			r = 1;
			break;
		}
		done += n;
	}
	if (!r && wr && fsync(fd)) {
		fprintf(stderr, "vbbig %s: fsync: %s\n", tag, strerror(errno));
		printf("VBVAL %s-err fsync-errno-%d\n", tag, errno);
		r = 1;
	}
	if (!r)
		printf("VBVAL %s-bytes %zu\n", tag, done);
	if (!wr && !r) {
		for (i = 0; i < size; i++) {
			if (buf[i] != want[i] && !diff++)
				first = i;
		}
		printf("VBVAL %s-diff %zu\n", tag, diff);
		if (diff)
			printf("VBVAL %s-firstdiff %llu\n", tag,
			       (unsigned long long)(off + first));
		if (diff)
			r = 3;
	}
	close(fd);
	return r;
}
