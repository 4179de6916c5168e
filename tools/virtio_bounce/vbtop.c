// SPDX-License-Identifier: GPL-2.0
/*
 * vbtop: a live view of virtio_bounce, in the spirit of vmstat and
 * slabtop, from sysfs alone (/sys/bus/virtio/devices/virtioN/virtio_bounce/,
 * Documentation/ABI/testing/sysfs-bus-virtio-virtio_bounce): per device,
 * every DELAY seconds, the rates of maps, bounces, bytes and failures over
 * the interval and the pool's occupancy, as a table or as JSON.  No
 * debugfs needed.  The devices are listed again at every report, so one
 * that appears later is shown too (from its second report on: its first
 * has nothing to count from).
 *
 *   vbtop [-d DELAY] [-n COUNT] [-r] [-t] [-j] [-s SYSFS] [DELAY [COUNT]]
 *
 * Static and dependency-free: it runs in the test initramfs (busybox).
 * Build with make -C tools/virtio_bounce [STATIC=1]; manual: vbtop.8.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_DELAY	86400	/* seconds */
#define NSEC_PER_SEC	1000000000LL

enum { MAPS, BOUNCED, DIRECT, FALLBACK, FAILURES, TO_DEV, FROM_DEV, NR_CTR };

/* Counters, by their sysfs file names (also their JSON keys). */
static const char *const ctr_file[NR_CTR] = {
	"maps", "bounced", "direct", "fallback", "failures",
	"bytes_to_device", "bytes_from_device",
};

/* Gauges: values now, not counts (peak_bytes is optional). */
enum { IN_USE, POOL, PEAK, MAX, NR_GAUGE };

static const char *const gauge_file[NR_GAUGE] = {
	"in_use", "pool_bytes", "peak_bytes", "max",
};

/* What was read beyond the files that the table needs. */
#define HAVE_ID		0x01
#define HAVE_RULE	0x02
#define HAVE_WHY	0x04
#define HAVE_1TO1	0x08
#define HAVE_PEAK	0x10

struct dev {
	char name[32];
	char mode[32];
	char backend[32];
	char rule[256];
	char why[256];
	unsigned long id;
	unsigned long long one_to_one;
	unsigned long long c[NR_CTR];
	unsigned long long g[NR_GAUGE];
	unsigned int have;	/* HAVE_* */
	int ok;			/* mode, backend, counters and gauges read */
};

/* The devices of one report, sorted by name (virtio2 before virtio10). */
struct devlist {
	struct dev *v;
	size_t n, cap;
};

/* How a device's row compares with its previous report. */
enum delta { D_OK, D_UNREADABLE, D_NEW, D_RESET };

static const char *const delta_name[] = {
	[D_OK] = "ok", [D_UNREADABLE] = "unreadable", [D_NEW] = "new",
	[D_RESET] = "reset",
};

static const char *sysfs = "/sys";
static int raw, json, stamp;

/*
 * Virtio device IDs, all of include/uapi/linux/virtio_ids.h (Linux 7.3),
 * by short names: the table's type column is 7 wide.
 */
static const char *const type_names[] = {
	[1] = "net", [2] = "blk", [3] = "console", [4] = "rng",
	[5] = "balloon", [6] = "iomem", [7] = "rpmsg", [8] = "scsi",
	[9] = "9p", [10] = "wlan", [11] = "rpser", [12] = "caif",
	[13] = "memball", [16] = "gpu", [17] = "clock", [18] = "input",
	[19] = "vsock", [20] = "crypto", [21] = "sigdist", [22] = "pstore",
	[23] = "iommu", [24] = "mem", [25] = "sound", [26] = "fs",
	[27] = "pmem", [28] = "rpmb", [29] = "hwsim", [30] = "videnc",
	[31] = "viddec", [32] = "scmi", [33] = "nsm", [34] = "i2c",
	[35] = "wdt", [36] = "can", [37] = "dmabuf", [38] = "param",
	[39] = "audpol", [40] = "bt", [41] = "gpio", [45] = "spi",
	[48] = "media",
};

/*
 * The transitional PCI device IDs of the same header.  The device file
 * holds the virtio ID, which virtio_pci derives from them; were one to
 * show up there, it is still named.
 */
static const struct {
	unsigned long pci;
	unsigned long id;
} trans_ids[] = {
	{ 0x1000, 1 }, { 0x1001, 2 }, { 0x1002, 5 }, { 0x1003, 3 },
	{ 0x1004, 8 }, { 0x1005, 4 }, { 0x1009, 9 },
};

static const char *type_name(const struct dev *d)
{
	unsigned long id = d->id;
	size_t i;

	if (!(d->have & HAVE_ID))
		return "?";
	for (i = 0; i < ARRAY_SIZE(trans_ids); i++)
		if (id == trans_ids[i].pci)
			id = trans_ids[i].id;
	return id < ARRAY_SIZE(type_names) && type_names[id] ?
	       type_names[id] : "other";
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
	errno = 0;
	*v = strtoull(buf, &end, 0);
	return end == buf || errno ? -1 : 0;
}

static int read_group(const char *dev, const char *file,
		      unsigned long long *v)
{
	char path[64];

	snprintf(path, sizeof(path), "virtio_bounce/%s", file);
	return read_ull(dev, path, v);
}

/* One device; ok = 0 when its group is unreadable (no driver bound). */
static void sample(struct dev *d)
{
	unsigned long long id;
	int i;

	d->ok = 0;
	d->have = 0;
	if (!read_ull(d->name, "device", &id) && id <= ULONG_MAX) {
		d->id = id;
		d->have |= HAVE_ID;
	}
	if (read_str(d->name, "virtio_bounce/mode", d->mode, sizeof(d->mode)) ||
	    read_str(d->name, "virtio_bounce/backend", d->backend,
		     sizeof(d->backend)))
		return;
	for (i = 0; i < NR_CTR; i++)
		if (read_group(d->name, ctr_file[i], &d->c[i]))
			return;
	for (i = 0; i < NR_GAUGE; i++) {
		if (!read_group(d->name, gauge_file[i], &d->g[i])) {
			if (i == PEAK)
				d->have |= HAVE_PEAK;
		} else if (i != PEAK) {
			return;
		}
	}
	if (!read_str(d->name, "virtio_bounce/rule", d->rule, sizeof(d->rule)))
		d->have |= HAVE_RULE;
	if (!read_str(d->name, "virtio_bounce/why", d->why, sizeof(d->why)))
		d->have |= HAVE_WHY;
	if (!read_group(d->name, "one_to_one", &d->one_to_one))
		d->have |= HAVE_1TO1;
	d->ok = 1;
}

static int cmp_dev(const void *a, const void *b)
{
	const struct dev *x = a, *y = b;
	size_t lx = strlen(x->name), ly = strlen(y->name);

	return lx != ly ? (lx > ly) - (lx < ly) : strcmp(x->name, y->name);
}

/*
 * Every device with a virtio_bounce group now, sampled.  The list grows
 * as needed: no device is left out.  Return: 0, or -1 with errno set.
 */
static int list_devs(struct devlist *l)
{
	char path[256];
	struct dirent *e;
	DIR *dir;
	size_t i;

	snprintf(path, sizeof(path), "%s/bus/virtio/devices", sysfs);
	dir = opendir(path);
	if (!dir)
		return -1;
	l->n = 0;
	while ((e = readdir(dir))) {
		size_t len = strlen(e->d_name);
		char p[1024];
		struct dev *d;

		/* virtioN: anything longer is not a virtio device */
		if (e->d_name[0] == '.' || len >= sizeof(d->name))
			continue;
		snprintf(p, sizeof(p), "%s/%s/virtio_bounce", path, e->d_name);
		if (access(p, F_OK))
			continue;
		if (l->n == l->cap) {
			size_t cap = l->cap ? 2 * l->cap : 64;

			d = realloc(l->v, cap * sizeof(*d));
			if (!d) {
				closedir(dir);
				errno = ENOMEM;
				return -1;
			}
			l->v = d;
			l->cap = cap;
		}
		d = &l->v[l->n++];
		memset(d, 0, sizeof(*d));
		memcpy(d->name, e->d_name, len + 1);
	}
	closedir(dir);
	qsort(l->v, l->n, sizeof(*l->v), cmp_dev);
	for (i = 0; i < l->n; i++)
		sample(&l->v[i]);
	return 0;
}

static enum delta delta_of(const struct dev *d, const struct dev *base)
{
	int k;

	if (!d->ok)
		return D_UNREADABLE;
	if (!base || !base->ok)
		return D_NEW;
	for (k = 0; k < NR_CTR; k++)
		if (d->c[k] < base->c[k])
			return D_RESET;	/* driver rebound in the interval */
	return D_OK;
}

static void table_head(const char *ts)
{
	if (ts)
		printf("%-19s ", "time");
	printf("%-9s %-7s %-5s %-8s %10s %10s %10s %8s %8s %10s %10s %7s %9s %9s\n",
	       "device", "type", "mode", "backend",
	       raw ? "maps" : "maps/s", raw ? "bounced" : "bounced/s",
	       raw ? "direct" : "direct/s", "fallback", "failed",
	       raw ? "to_B" : "to_KiB/s", raw ? "from_B" : "from_KiB/s",
	       "in_use", "pool_KiB", "max_KiB");
}

static void table_row(const struct dev *d, const struct dev *base, double dt,
		      const char *ts)
{
	enum delta st = delta_of(d, base);
	int k;

	if (ts)
		printf("%-19s ", ts);
	if (st == D_UNREADABLE) {
		printf("%-9s -\n", d->name);
		return;
	}
	if (st != D_OK) {
		printf("%-9s - %s\n", d->name, delta_name[st]);
		return;
	}
	printf("%-9s %-7s %-5s %-8s", d->name, type_name(d), d->mode,
	       d->backend);
	for (k = 0; k < NR_CTR; k++) {
		unsigned long long n = d->c[k] - base->c[k];
		int w = k == FALLBACK || k == FAILURES ? 8 : 10;

		if (raw)	/* exact counts, bytes in bytes */
			printf(" %*llu", w, n);
		else
			printf(" %*.1f", w,
			       (k >= TO_DEV ? n / 1024.0 : (double)n) / dt);
	}
	printf(" %7llu %9llu %9llu\n", d->g[IN_USE], d->g[POOL] >> 10,
	       d->g[MAX] >> 10);
}

/* A JSON string: bytes outside printable ASCII as \u00XX. */
static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_key_str(const char *key, const char *s, int have)
{
	printf(",\"%s\":", key);
	if (have)
		json_str(s);
	else
		printf("null");
}

static void json_key_ull(const char *key, unsigned long long v, int have)
{
	if (have)
		printf(",\"%s\":%llu", key, v);
	else
		printf(",\"%s\":null", key);
}

/* One device: what sysfs says now, and the counts of the interval. */
static void json_dev(const struct dev *d, const struct dev *base)
{
	enum delta st = delta_of(d, base);
	int k;

	printf("{\"name\":");
	json_str(d->name);
	json_key_ull("id", d->id, d->have & HAVE_ID);
	json_key_str("type", type_name(d), d->have & HAVE_ID);
	json_key_str("status", delta_name[st], 1);
	json_key_str("mode", d->mode, d->ok);
	json_key_str("backend", d->backend, d->ok);
	json_key_str("rule", d->rule, d->ok && d->have & HAVE_RULE);
	json_key_str("why", d->why, d->ok && d->have & HAVE_WHY);
	json_key_ull("one_to_one", d->one_to_one,
		     d->ok && d->have & HAVE_1TO1);
	for (k = 0; k < NR_CTR; k++)
		json_key_ull(ctr_file[k], d->c[k], d->ok);
	for (k = 0; k < NR_GAUGE; k++)
		json_key_ull(gauge_file[k], d->g[k],
			     d->ok && (k != PEAK || d->have & HAVE_PEAK));
	if (st != D_OK) {
		printf(",\"delta\":null}");
		return;
	}
	printf(",\"delta\":{");
	for (k = 0; k < NR_CTR; k++)
		printf("%s\"%s\":%llu", k ? "," : "", ctr_file[k],
		       d->c[k] - base->c[k]);
	printf("}}");
}

/* One report: @cur against @prev (both sorted) over @dt seconds. */
static void report(const struct devlist *cur, const struct devlist *prev,
		   double dt, const struct timespec *wall, int nr)
{
	char ts[32] = "";
	size_t i, j = 0;
	struct tm tm;

	if (json) {
		gmtime_r(&wall->tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		printf("{\"sample\":%d,\"timestamp\":\"%s.%03ldZ\"", nr, ts,
		       wall->tv_nsec / 1000000);
		printf(",\"epoch\":%lld.%03ld,\"interval\":%.3f,\"devices\":[",
		       (long long)wall->tv_sec, wall->tv_nsec / 1000000, dt);
	} else {
		if (stamp) {
			localtime_r(&wall->tv_sec, &tm);
			strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		}
		table_head(stamp ? ts : NULL);
	}
	for (i = 0; i < cur->n; i++) {
		const struct dev *d = &cur->v[i], *base = NULL;

		while (j < prev->n && cmp_dev(&prev->v[j], d) < 0)
			j++;
		if (j < prev->n && !cmp_dev(&prev->v[j], d))
			base = &prev->v[j];
		if (json) {
			if (i)
				putchar(',');
			json_dev(d, base);
		} else {
			table_row(d, base, dt, stamp ? ts : NULL);
		}
	}
	printf(json ? "]}\n" : "\n");
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * Sleep until @next (CLOCK_MONOTONIC, ns), which is then moved on by
 * @delay: reports keep their cadence however long printing took, unless
 * a whole interval was missed.
 */
static int sleep_until(long long *next, long long delay)
{
	struct timespec ts = {
		.tv_sec = *next / NSEC_PER_SEC,
		.tv_nsec = *next % NSEC_PER_SEC,
	};
	int err;

	do
		err = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	while (err == EINTR);
	*next += delay;
	if (*next <= mono_ns())
		*next = mono_ns() + delay;
	return err;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: vbtop [-d DELAY] [-n COUNT] [-r] [-t] [-j] [-s SYSFS] [DELAY [COUNT]]\n");
}

static void print_help(void)
{
	print_usage(stdout);
	printf("Per virtio device, what virtio_bounce did in each interval of DELAY\n"
	       "seconds, from /sys/bus/virtio/devices/virtioN/virtio_bounce/ (no\n"
	       "debugfs needed).  The devices are listed again at every report.\n"
	       "\n"
	       "  -d, --delay=DELAY   seconds between reports, fractions allowed\n"
	       "                      (default 2; > 0, at most 86400); or DELAY\n"
	       "  -n, --count=COUNT   reports to print, then exit (default: until\n"
	       "                      killed); or COUNT\n"
	       "  -r, --raw           exact counts per interval (bytes in bytes)\n"
	       "                      instead of rates per second\n"
	       "  -t, --timestamp     a first column, time: the local time of the\n"
	       "                      report (YYYY-MM-DDThh:mm:ss)\n"
	       "  -j, --json          one JSON object per report, on one line: its\n"
	       "                      UTC timestamp and, per device, name, virtio id,\n"
	       "                      type, every sysfs value and the interval's\n"
	       "                      counts (-r and -t do not apply)\n"
	       "  -s, --sysfs=DIR     where sysfs is mounted (default: $VBTOP_SYSFS,\n"
	       "                      else /sys)\n"
	       "  -h, --help          print this help and exit\n"
	       "\n"
	       "Columns: maps, bounced, direct (1:1), fallback and failed maps, KiB\n"
	       "copied to and from the device (per second, or per interval with -r),\n"
	       "then mappings in use, pool KiB and its max KiB now.  A device whose\n"
	       "driver is not bound (its files read ENODEV) is shown as '-'; one\n"
	       "with nothing to count from as '- new' (it appeared, or its driver\n"
	       "was bound, in the interval) or '- reset' (its counters went back:\n"
	       "its driver was bound again).\n"
	       "\n"
	       "Exit status: 0 after COUNT reports; 1 when there is no virtio_bounce\n"
	       "group at start, sysfs cannot be read or output fails; 2 on bad usage.\n"
	       "See vbtop(8).\n");
}

static int bad_usage(void)
{
	fprintf(stderr, "Try 'vbtop --help' for more information.\n");
	return 2;
}

static int parse_delay(const char *s, double *delay)
{
	char *end;

	*delay = strtod(s, &end);
	if (end == s || *end || !(*delay > 0) || *delay > MAX_DELAY) {
		fprintf(stderr,
			"vbtop: bad delay '%s' (seconds: a number > 0, at most %d)\n",
			s, MAX_DELAY);
		return -1;
	}
	return 0;
}

static int parse_count(const char *s, int *count)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 1 || v > INT_MAX) {
		fprintf(stderr,
			"vbtop: bad count '%s' (a whole number of reports, 1 to %d)\n",
			s, INT_MAX);
		return -1;
	}
	*count = v;
	return 0;
}

static const struct option longopts[] = {
	{ "delay",	required_argument,	NULL, 'd' },
	{ "count",	required_argument,	NULL, 'n' },
	{ "raw",	no_argument,		NULL, 'r' },
	{ "timestamp",	no_argument,		NULL, 't' },
	{ "json",	no_argument,		NULL, 'j' },
	{ "sysfs",	required_argument,	NULL, 's' },
	{ "help",	no_argument,		NULL, 'h' },
	{ NULL,		0,			NULL, 0 },
};

int main(int argc, char **argv)
{
	struct devlist lists[2] = { { NULL, 0, 0 }, { NULL, 0, 0 } };
	struct devlist *prev = &lists[0], *cur = &lists[1], *t;
	int count = -1, have_delay = 0, have_count = 0, opt, r, ret = 0;
	const char *env = getenv("VBTOP_SYSFS");
	long long delay_ns, next;
	double delay = 2, t0, t1;
	struct timespec wall;

	if (env && *env)
		sysfs = env;
	while ((opt = getopt_long(argc, argv, "d:n:rtjs:h", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (parse_delay(optarg, &delay))
				return bad_usage();
			have_delay = 1;
			break;
		case 'n':
			if (parse_count(optarg, &count))
				return bad_usage();
			have_count = 1;
			break;
		case 'r':
			raw = 1;
			break;
		case 't':
			stamp = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 's':
			sysfs = optarg;
			break;
		case 'h':
			print_help();
			return 0;
		default:	/* getopt_long said what */
			print_usage(stderr);
			return bad_usage();
		}
	}
	/* vmstat's positional DELAY [COUNT] */
	if (optind < argc) {
		if (have_delay) {
			fprintf(stderr, "vbtop: delay given twice (-d and '%s')\n",
				argv[optind]);
			return bad_usage();
		}
		if (parse_delay(argv[optind++], &delay))
			return bad_usage();
	}
	if (optind < argc) {
		if (have_count) {
			fprintf(stderr, "vbtop: count given twice (-n and '%s')\n",
				argv[optind]);
			return bad_usage();
		}
		if (parse_count(argv[optind++], &count))
			return bad_usage();
	}
	if (optind < argc) {
		fprintf(stderr, "vbtop: unexpected argument '%s'\n",
			argv[optind]);
		print_usage(stderr);
		return bad_usage();
	}
	if (!*sysfs) {
		fprintf(stderr, "vbtop: empty sysfs directory\n");
		return bad_usage();
	}
	delay_ns = (long long)(delay * NSEC_PER_SEC + 0.5);
	if (delay_ns < 1)
		delay_ns = 1;

	if (list_devs(prev)) {
		fprintf(stderr, "vbtop: %s/bus/virtio/devices: %s\n", sysfs,
			strerror(errno));
		return 1;
	}
	if (!prev->n) {
		fprintf(stderr, "vbtop: no virtio_bounce group under %s/bus/virtio/devices\n",
			sysfs);
		ret = 1;
		goto out;
	}
	next = mono_ns();
	t0 = next / 1e9;
	next += delay_ns;
	for (r = 1; count < 0 || r <= count; r++) {
		int err = sleep_until(&next, delay_ns);

		if (err) {
			fprintf(stderr, "vbtop: clock_nanosleep: %s\n",
				strerror(err));
			ret = 1;
			break;
		}
		t1 = mono_ns() / 1e9;
		clock_gettime(CLOCK_REALTIME, &wall);
		if (list_devs(cur)) {
			fprintf(stderr, "vbtop: %s/bus/virtio/devices: %s\n",
				sysfs, strerror(errno));
			ret = 1;
			break;
		}
		report(cur, prev, t1 > t0 ? t1 - t0 : delay, &wall, r);
		if (fflush(stdout) || ferror(stdout)) {
			fprintf(stderr, "vbtop: write error: %s\n",
				strerror(errno));
			ret = 1;
			break;
		}
		t = prev;
		prev = cur;
		cur = t;
		t0 = t1;
	}
out:
	free(lists[0].v);
	free(lists[1].v);
	return ret;
}
