// SPDX-License-Identifier: GPL-2.0
/*
 * vbtop: a live view of virtio_bounce, in the spirit of vmstat and
 * slabtop, from sysfs alone (/sys/bus/virtio/devices/virtioN/virtio_bounce/,
 * Documentation/ABI/testing/sysfs-bus-virtio-virtio_bounce): per device,
 * every DELAY seconds, the rates of maps, bounces, bytes and failures over
 * the interval and the pool's occupancy.  No debugfs needed.
 *
 *   vbtop [-d DELAY] [-n COUNT] [-r] [-s SYSFS]
 *
 * Static and dependency-free: it runs in the test initramfs (busybox).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEVS	64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum { MAPS, BOUNCED, DIRECT, FALLBACK, FAILURES, TO_DEV, FROM_DEV, NR_CTR };

static const char *const ctr_file[NR_CTR] = {
	"maps", "bounced", "direct", "fallback", "failures",
	"bytes_to_device", "bytes_from_device",
};

struct dev {
	char name[32];
	char type[16];
	char mode[8];
	char backend[12];
	unsigned long long c[NR_CTR];
	unsigned long long in_use, pool, max;
	int ok;
};

static const char *sysfs = "/sys";

/* Virtio device IDs as include/uapi/linux/virtio_ids.h, by the rules' names. */
static const char *type_name(unsigned int id)
{
	static const char *const names[] = {
		[1] = "net", [2] = "blk", [3] = "console", [4] = "rng",
		[5] = "balloon", [8] = "scsi", [9] = "9p", [16] = "gpu",
		[18] = "input", [19] = "vsock", [20] = "crypto", [23] = "iommu",
		[24] = "mem", [25] = "sound", [26] = "fs", [27] = "pmem",
	};

	return id < ARRAY_SIZE(names) && names[id] ?
	       names[id] : "other";
}

static int read_str(const char *dev, const char *file, char *buf, size_t n)
{
	char path[512];
	FILE *f;
	size_t len;

	snprintf(path, sizeof(path), "%s/bus/virtio/devices/%s/%s", sysfs, dev,
		 file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, n, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strlen(buf);
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = 0;
	return 0;
}

static int read_ull(const char *dev, const char *file, unsigned long long *v)
{
	char buf[32], *end;

	if (read_str(dev, file, buf, sizeof(buf)))
		return -1;
	*v = strtoull(buf, &end, 0);
	return end == buf ? -1 : 0;
}

/* One device; ok = 0 when its group is missing or unreadable (no driver). */
static void sample(struct dev *d)
{
	char file[64], id[16];
	int i;

	d->ok = 0;
	if (read_str(d->name, "virtio_bounce/mode", d->mode, sizeof(d->mode)) ||
	    read_str(d->name, "virtio_bounce/backend", d->backend,
		     sizeof(d->backend)))
		return;
	snprintf(d->type, sizeof(d->type), "?");
	if (!read_str(d->name, "device", id, sizeof(id)))
		snprintf(d->type, sizeof(d->type), "%s",
			 type_name(strtoul(id, NULL, 0)));
	for (i = 0; i < NR_CTR; i++) {
		snprintf(file, sizeof(file), "virtio_bounce/%s", ctr_file[i]);
		if (read_ull(d->name, file, &d->c[i]))
			return;
	}
	if (read_ull(d->name, "virtio_bounce/in_use", &d->in_use) ||
	    read_ull(d->name, "virtio_bounce/pool_bytes", &d->pool) ||
	    read_ull(d->name, "virtio_bounce/max", &d->max))
		return;
	d->ok = 1;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dev *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x->name, y->name);
}

static int list_devs(struct dev *devs)
{
	char path[256];
	struct dirent *e;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "%s/bus/virtio/devices", sysfs);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir)) && n < MAX_DEVS) {
		char p[1024];

		/* virtioN: anything longer is not a virtio device */
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(devs[n].name))
			continue;
		snprintf(p, sizeof(p), "%s/%s/virtio_bounce", path, e->d_name);
		if (access(p, F_OK))
			continue;
		memset(&devs[n], 0, sizeof(devs[n]));
		memcpy(devs[n].name, e->d_name, strlen(e->d_name) + 1);
		n++;
	}
	closedir(dir);
	qsort(devs, n, sizeof(*devs), cmp_dev);
	return n;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void help(FILE *f)
{
	fprintf(f,
		"usage: vbtop [-d DELAY] [-n COUNT] [-r] [-s SYSFS]\n"
		"Per virtio device, what virtio_bounce did in each interval, from\n"
		"/sys/bus/virtio/devices/virtioN/virtio_bounce/ (no debugfs needed).\n"
		"  -d DELAY  seconds between reports (default 2; > 0)\n"
		"  -n COUNT  reports to print, then exit (default: until killed)\n"
		"  -r        exact counts per interval (bytes in bytes) instead of\n"
		"            rates per second\n"
		"  -s SYSFS  where sysfs is mounted (default /sys)\n"
		"Columns: maps, bounced, direct (1:1), fallback and failed maps, KiB\n"
		"copied to and from the device (per second, or per interval with -r),\n"
		"then mappings in use, pool KiB and its max KiB now.  A device whose\n"
		"driver is not bound (its files read ENODEV) is shown as '-'.\n");
}

int main(int argc, char **argv)
{
	static struct dev prev[MAX_DEVS], cur[MAX_DEVS];
	double delay = 2, t0, t1;
	int count = -1, raw = 0, opt, n, i, k, r;
	char *end;

	while ((opt = getopt(argc, argv, "d:n:rs:h")) != -1) {
		switch (opt) {
		case 'd':
			delay = strtod(optarg, &end);
			if (*end || !(delay > 0)) {
				fprintf(stderr, "vbtop: bad delay '%s'\n", optarg);
				return 2;
			}
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1) {
				fprintf(stderr, "vbtop: bad count '%s'\n", optarg);
				return 2;
			}
			break;
		case 'r':
			raw = 1;
			break;
		case 's':
			sysfs = optarg;
			break;
		case 'h':
			help(stdout);
			return 0;
		default:
			help(stderr);
			return 2;
		}
	}
	n = list_devs(prev);
	if (n <= 0) {
		fprintf(stderr, "vbtop: no virtio_bounce group under %s/bus/virtio/devices\n",
			sysfs);
		return 1;
	}
	for (i = 0; i < n; i++)
		sample(&prev[i]);
	t0 = now();
	for (r = 0; count < 0 || r < count; r++) {
		double dt;

		usleep((useconds_t)(delay * 1e6));
		t1 = now();
		dt = t1 - t0;
		printf("%-9s %-7s %-5s %-8s %10s %10s %10s %8s %8s %10s %10s %7s %9s %9s\n",
		       "device", "type", "mode", "backend",
		       raw ? "maps" : "maps/s", raw ? "bounced" : "bounced/s",
		       raw ? "direct" : "direct/s", "fallback", "failed",
		       raw ? "to_B" : "to_KiB/s", raw ? "from_B" : "from_KiB/s",
		       "in_use", "pool_KiB", "max_KiB");
		for (i = 0; i < n; i++) {
			cur[i] = prev[i];
			sample(&cur[i]);
			if (!cur[i].ok || !prev[i].ok) {
				printf("%-9s -\n", cur[i].name);
				prev[i] = cur[i];
				continue;
			}
			printf("%-9s %-7s %-5s %-8s", cur[i].name, cur[i].type,
			       cur[i].mode, cur[i].backend);
			for (k = 0; k < NR_CTR; k++) {
				unsigned long long d = cur[i].c[k] - prev[i].c[k];
				int w = k == FALLBACK || k == FAILURES ? 8 : 10;

				if (raw)	/* exact counts, bytes in bytes */
					printf(" %*llu", w, d);
				else
					printf(" %*.1f", w, (k >= TO_DEV ?
							     d / 1024.0 : d) / dt);
			}
			printf(" %7llu %9llu %9llu\n", cur[i].in_use,
			       cur[i].pool >> 10, cur[i].max >> 10);
			prev[i] = cur[i];
		}
		printf("\n");
		fflush(stdout);
		t0 = t1;
	}
	return 0;
}
