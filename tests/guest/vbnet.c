// SPDX-License-Identifier: GPL-2.0
/*
 * vbnet: guest side of the virtio-net integrity test.
 *   vbnet send HOST PORT FILE   send FILE, half-close, wait for the peer to close
 *   vbnet recv HOST PORT FILE   receive until the peer closes, into FILE
 * Exit status 0 on success; byte counts on stdout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int dial(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int s, tries;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return -1;
	for (tries = 0; tries < 50; tries++) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		if (s < 0)
			return -1;
		if (!connect(s, (struct sockaddr *)&a, sizeof(a)))
			return s;
		close(s);
		usleep(100000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	long long total = 0;
	ssize_t n;
	int s, fd;

	if (argc != 5 || (strcmp(argv[1], "send") && strcmp(argv[1], "recv"))) {
		fprintf(stderr, "usage: vbnet send|recv HOST PORT FILE\n");
		return 2;
	}
	s = dial(argv[2], atoi(argv[3]));
	if (s < 0) {
		perror("vbnet: connect");
		return 1;
	}
	if (!strcmp(argv[1], "send")) {
		fd = open(argv[4], O_RDONLY);
		if (fd < 0) {
			perror("vbnet: open");
			return 1;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			char *p = buf;

			while (n > 0) {
				ssize_t w = write(s, p, n);

				if (w < 0) {
					perror("vbnet: write");
					return 1;
				}
				p += w;
				n -= w;
				total += w;
			}
		}
		shutdown(s, SHUT_WR);
		while (read(s, buf, sizeof(buf)) > 0)
			;
	} else {
		fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0) {
			perror("vbnet: open");
			return 1;
		}
		while ((n = read(s, buf, sizeof(buf))) > 0) {
			if (write(fd, buf, n) != n) {
				perror("vbnet: write");
				return 1;
			}
			total += n;
		}
		if (n < 0) {
			perror("vbnet: read");
			return 1;
		}
	}
	close(fd);
	close(s);
	printf("%lld\n", total);
	return 0;
}
