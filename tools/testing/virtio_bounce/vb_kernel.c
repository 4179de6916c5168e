// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line half of vb_kernel.h: kmalloc, pages and per-CPU areas with
 * leak counters and fault injection, CPU hotplug, deferred work, liburcu
 * thread registration, and the harness's controls.  The xarray is
 * lib/xarray.c (tools/testing/shared), its nodes from shared/linux.c.
 */
#include <pthread.h>

int kmalloc_verbose;		/* tools/testing/shared/linux.c */
struct workqueue_struct *system_wq, *system_unbound_wq, *system_dfl_wq, *system_highpri_wq;

__thread unsigned int vb_shim_cpu;

_Static_assert(NR_CPUS < BITS_PER_LONG, "the online mask is one long");
unsigned long vb_shim_cpu_online_mask = (1UL << NR_CPUS) - 1;
unsigned long vb_shim_work_ran[NR_CPUS];

bool vb_shim_quiet;
unsigned long vb_shim_nr_warnings;
unsigned long vb_shim_nr_errors;
unsigned long vb_shim_nr_warn_ons;

int vb_shim_fail_should_fail;
int vb_shim_fail_kmalloc;
int vb_shim_fail_pages;
int vb_shim_fail_kmalloc_nth;
gfp_t vb_shim_last_pages_gfp;
unsigned long vb_shim_jiffies;

static long live_kmalloc, live_pages, live_page_bytes, live_percpu;
static long live_cpuhp;

static void count(long *c, long delta)
{
	__atomic_add_fetch(c, delta, __ATOMIC_RELAXED);
}

/* Consume one injected failure, if any is armed. */
static bool take_failure(int *armed)
{
	int n = __atomic_load_n(armed, __ATOMIC_RELAXED);

	while (n > 0) {
		if (__atomic_compare_exchange_n(armed, &n, n - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/* Count down an armed fail-nth; true for the call that takes it to 0. */
static bool take_nth(int *nth)
{
	int n = __atomic_load_n(nth, __ATOMIC_RELAXED);

	while (n > 0) {
		if (__atomic_compare_exchange_n(nth, &n, n - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return n == 1;
	}
	return false;
}

/*
 * liburcu waits only for registered readers, and a thread must unregister
 * before it exits: a pthread key's destructor does that.
 */
static pthread_key_t rcu_key;
static __thread bool rcu_registered;

static void rcu_thread_exit(void *arg)
{
	rcu_unregister_thread();
}

static void vb_rcu_register(void)
{
	if (rcu_registered)
		return;
	rcu_register_thread();
	rcu_registered = true;
	pthread_setspecific(rcu_key, &rcu_registered);
}

/* Before the initcalls (constructor priority 103 and up). */
static void __attribute__((constructor(101))) vb_kernel_init(void)
{
	pthread_key_create(&rcu_key, rcu_thread_exit);
	vb_rcu_register();
	radix_tree_init();
	/*
	 * shared/linux.c fails a node allocation without __GFP_DIRECT_RECLAIM
	 * unless told how many to allow; the kernel's GFP_ATOMIC succeeds.
	 */
	kmem_cache_set_non_kernel(radix_tree_node_cachep, UINT_MAX);
}

void vb_shim_set_cpu(unsigned int cpu)
{
	if (cpu >= NR_CPUS) {
		fprintf(stderr, "%s(%u): only %d CPUs\n", __func__, cpu, NR_CPUS);
		abort();
	}
	vb_shim_cpu = cpu;
	vb_rcu_register();
}

void vb_shim_counts(struct vb_shim_counts *c)
{
	c->kmalloc = __atomic_load_n(&live_kmalloc, __ATOMIC_RELAXED);
	c->pages = __atomic_load_n(&live_pages, __ATOMIC_RELAXED);
	c->page_bytes = __atomic_load_n(&live_page_bytes, __ATOMIC_RELAXED);
	c->percpu = __atomic_load_n(&live_percpu, __ATOMIC_RELAXED);
	c->cpuhp_instances = __atomic_load_n(&live_cpuhp, __ATOMIC_RELAXED);
}

/* ---- slab, pages, per-CPU ---------------------------------------------- */

void *kmalloc(size_t size, gfp_t flags)
{
	void *p;

	if (take_failure(&vb_shim_fail_kmalloc) ||
	    take_nth(&vb_shim_fail_kmalloc_nth))
		return NULL;
	p = (flags & __GFP_ZERO) ? calloc(1, size ? size : 1) :
				   malloc(size ? size : 1);
	if (p)
		count(&live_kmalloc, 1);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	count(&live_kmalloc, -1);
	free(p);
}

#ifdef VB_MAP_BUILD
#include <sys/mman.h>

/*
 * The kernel reaches RAM through its direct map, in 2 MiB or 1 GiB pages,
 * so a bounce pool costs it few TLB misses.  For the map benchmark every
 * page (swiotlb's 64 MiB, the pool's chunks, the callers' buffers) comes
 * from one arena with MADV_HUGEPAGE, so that all are mapped alike.  Blocks
 * are naturally aligned; freed ones are not reused (the benchmark frees
 * nothing it allocates again).
 */
#define VB_ARENA_BYTES	(4UL << 30)

static unsigned long page_arena_base;

static void *page_block_alloc(size_t bytes)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static unsigned long next, end;
	static bool tried;
	unsigned long base, p = 0;

	pthread_mutex_lock(&lock);
	base = page_arena_base;
	if (!tried) {
		tried = true;
		void *m = mmap(NULL, VB_ARENA_BYTES + (2UL << 20),
			       PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

		if (m != MAP_FAILED) {
			base = ALIGN((unsigned long)m, 2UL << 20);
			madvise((void *)base, VB_ARENA_BYTES, MADV_HUGEPAGE);
			page_arena_base = base;
			next = base;
			end = base + VB_ARENA_BYTES;
		}
	}
	if (base && ALIGN(next, bytes) + bytes <= end) {
		p = ALIGN(next, bytes);
		next = p + bytes;
	}
	pthread_mutex_unlock(&lock);
	/*
	 * No arena (a machine that refuses the reservation, strict
	 * overcommit): plain naturally aligned blocks, as without the map
	 * build; only the TLB cost differs.
	 */
	return p ? (void *)p : aligned_alloc(bytes, bytes);
}

/* Arena blocks are never reused; fallback blocks go back to the heap. */
static void page_block_free(void *p)
{
	unsigned long a = (unsigned long)p;

	if (!page_arena_base || a < page_arena_base ||
	    a >= page_arena_base + VB_ARENA_BYTES)
		free(p);
}
#else
#define page_block_alloc(bytes)	aligned_alloc((bytes), (bytes))
#define page_block_free(p)	free(p)
#endif

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	size_t bytes = PAGE_SIZE << order;
	void *p;

	__atomic_store_n(&vb_shim_last_pages_gfp, gfp, __ATOMIC_RELAXED);
	if (take_failure(&vb_shim_fail_pages))
		return NULL;
	/* Naturally aligned, as the buddy allocator's blocks are. */
	p = page_block_alloc(bytes);
	if (!p)
		return NULL;
	if (gfp & __GFP_ZERO)
		memset(p, 0, bytes);
	count(&live_pages, 1);
	count(&live_page_bytes, (long)bytes);
	return (struct page *)p;
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (!addr)
		return;
	count(&live_pages, -1);
	count(&live_page_bytes, -(long)(PAGE_SIZE << order));
	page_block_free((void *)addr);
}

void *vb_alloc_percpu(size_t size, size_t align)
{
	void *p;

	if (size > VB_PCPU_UNIT || align > VB_PCPU_UNIT)
		return NULL;
	p = aligned_alloc(VB_PCPU_UNIT, NR_CPUS * VB_PCPU_UNIT);
	if (!p)
		return NULL;
	memset(p, 0, NR_CPUS * VB_PCPU_UNIT);
	count(&live_percpu, 1);
	return p;
}

static void debug_free_work(const void *p, size_t size);

void free_percpu(void *p)
{
	if (!p)
		return;
	debug_free_work(p, NR_CPUS * VB_PCPU_UNIT);
	count(&live_percpu, -1);
	free(p);
}

bool should_fail(struct fault_attr *attr, ssize_t size)
{
	(void)size;
	if (!take_failure(&vb_shim_fail_should_fail))
		return false;
	attr->count++;
	return true;
}

/* ---- CPU hotplug ------------------------------------------------------- */

static pthread_rwlock_t cpu_hotplug_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t cpuhp_state_mutex = PTHREAD_MUTEX_INITIALIZER;

/* One state: its callbacks and, if multi-instance, its instances. */
struct cpuhp_step {
	const char *name;
	int (*startup)(unsigned int cpu, struct hlist_node *node);
	int (*teardown)(unsigned int cpu, struct hlist_node *node);
	bool multi_instance;
	struct hlist_head list;
};

static struct cpuhp_step cpuhp_steps[CPUHP_ONLINE];

void cpus_read_lock(void)
{
	pthread_rwlock_rdlock(&cpu_hotplug_lock);
}

void cpus_read_unlock(void)
{
	pthread_rwlock_unlock(&cpu_hotplug_lock);
}

int cpuhp_setup_state_multi(enum cpuhp_state state, const char *name,
			    int (*startup)(unsigned int cpu,
					   struct hlist_node *node),
			    int (*teardown)(unsigned int cpu,
					    struct hlist_node *node))
{
	int ret = 0, i;

	if (state <= CPUHP_OFFLINE || state >= CPUHP_ONLINE || !name)
		return -EINVAL;
	cpus_read_lock();
	pthread_mutex_lock(&cpuhp_state_mutex);
	if (state == CPUHP_BP_PREPARE_DYN) {
		/* The first free dynamic state, as cpuhp_reserve_state(). */
		ret = -ENOSPC;
		for (i = CPUHP_BP_PREPARE_DYN; i <= CPUHP_BP_PREPARE_DYN_END; i++) {
			if (!cpuhp_steps[i].name) {
				state = i;
				ret = i;
				break;
			}
		}
	} else if (cpuhp_steps[state].name) {
		ret = -EBUSY;
	}
	if (ret >= 0) {
		cpuhp_steps[state].name = name;
		cpuhp_steps[state].startup = startup;
		cpuhp_steps[state].teardown = teardown;
		cpuhp_steps[state].multi_instance = true;
	}
	pthread_mutex_unlock(&cpuhp_state_mutex);
	cpus_read_unlock();
	return ret;
}

static struct cpuhp_step *cpuhp_multi_step(enum cpuhp_state state)
{
	if (state <= CPUHP_OFFLINE || state >= CPUHP_ONLINE ||
	    !cpuhp_steps[state].multi_instance)
		return NULL;
	return &cpuhp_steps[state];
}

/* Add (@add) or remove @node on @state's instance list, no callbacks. */
static int cpuhp_instance_nocalls(enum cpuhp_state state,
				  struct hlist_node *node, bool add)
{
	struct cpuhp_step *sp = cpuhp_multi_step(state);

	if (!sp)
		return -EINVAL;
	cpus_read_lock();
	pthread_mutex_lock(&cpuhp_state_mutex);
	if (add)
		hlist_add_head(node, &sp->list);
	else
		hlist_del(node);
	count(&live_cpuhp, add ? 1 : -1);
	pthread_mutex_unlock(&cpuhp_state_mutex);
	cpus_read_unlock();
	return 0;
}

int cpuhp_state_add_instance_nocalls(enum cpuhp_state state,
				     struct hlist_node *node)
{
	return cpuhp_instance_nocalls(state, node, true);
}

int cpuhp_state_remove_instance_nocalls(enum cpuhp_state state,
					struct hlist_node *node)
{
	return cpuhp_instance_nocalls(state, node, false);
}

/*
 * Take @cpu down (@up false) or bring it up: flip its online bit, then
 * call the teardown callbacks from the top state down, or the startup
 * callbacks from the bottom up, for every instance of each state.  As in
 * the kernel, the hotplug lock held for writing is what keeps instances
 * from being added or removed meanwhile.
 */
static int cpuhp_change(unsigned int cpu, bool up)
{
	unsigned long bit = 1UL << cpu;
	int calls = 0, i, ret;

	if (cpu >= NR_CPUS || cpu == vb_shim_cpu)
		return -EINVAL;
	pthread_rwlock_wrlock(&cpu_hotplug_lock);
	if (cpu_online(cpu) == up ||
	    (!up && __atomic_load_n(&vb_shim_cpu_online_mask,
				    __ATOMIC_RELAXED) == bit)) {
		pthread_rwlock_unlock(&cpu_hotplug_lock);
		return -EINVAL;
	}
	__atomic_fetch_xor(&vb_shim_cpu_online_mask, bit, __ATOMIC_SEQ_CST);
	for (i = 0; i < CPUHP_ONLINE; i++) {
		struct cpuhp_step *sp = &cpuhp_steps[up ? i : CPUHP_ONLINE - 1 - i];
		int (*cb)(unsigned int, struct hlist_node *) =
			up ? sp->startup : sp->teardown;
		struct hlist_node *node, *next;

		if (!sp->multi_instance || !cb)
			continue;
		hlist_for_each_safe(node, next, &sp->list) {
			ret = cb(cpu, node);
			if (ret)
				pr_err("cpuhp %s: %s callback for CPU %u returned %d\n",
				       sp->name, up ? "startup" : "teardown",
				       cpu, ret);
			calls++;
		}
	}
	pthread_rwlock_unlock(&cpu_hotplug_lock);
	return calls;
}

int vb_shim_cpu_down(unsigned int cpu)
{
	return cpuhp_change(cpu, false);
}

int vb_shim_cpu_up(unsigned int cpu)
{
	return cpuhp_change(cpu, true);
}

/* ---- workqueues -------------------------------------------------------- */

static DEFINE_SPINLOCK(work_lock);
static struct work_struct *work_head;	/* FIFO through ->next */

bool queue_work_on(int cpu, struct workqueue_struct *wq,
		   struct work_struct *work)
{
	struct work_struct **pp;

	(void)wq;
	if (__atomic_exchange_n(&work->pending, 1, __ATOMIC_ACQ_REL))
		return false;
	spin_lock(&work_lock);
	for (pp = &work_head; *pp; pp = &(*pp)->next)
		;
	work->cpu = cpu >= 0 && cpu < NR_CPUS ? cpu : WORK_CPU_UNBOUND;
	work->next = NULL;
	*pp = work;
	spin_unlock(&work_lock);
	return true;
}

/* Run @work (taken off the list, PENDING cleared) on its CPU. */
static void run_one(struct work_struct *work)
{
	unsigned int saved = vb_shim_cpu;
	int cpu = work->cpu;

	if (cpu != WORK_CPU_UNBOUND && cpu_online(cpu)) {
		vb_shim_cpu = cpu;
		__atomic_add_fetch(&vb_shim_work_ran[cpu], 1, __ATOMIC_RELAXED);
	}
	work->func(work);
	vb_shim_cpu = saved;
}

static bool dequeue(struct work_struct *work)
{
	struct work_struct **pp;

	for (pp = &work_head; *pp; pp = &(*pp)->next) {
		if (*pp == work) {
			*pp = work->next;
			work->next = NULL;
			return true;
		}
	}
	return false;
}

bool cancel_work_sync(struct work_struct *work)
{
	bool was;

	spin_lock(&work_lock);
	was = dequeue(work);
	__atomic_store_n(&work->pending, 0, __ATOMIC_RELEASE);
	spin_unlock(&work_lock);
	return was;
}

unsigned int vb_shim_run_work(void)
{
	unsigned int ran = 0;

	for (;;) {
		struct work_struct *work;

		spin_lock(&work_lock);
		work = work_head;
		if (work) {
			work_head = work->next;
			work->next = NULL;
			/* Cleared before it runs: it may be queued again. */
			__atomic_store_n(&work->pending, 0, __ATOMIC_RELEASE);
		}
		spin_unlock(&work_lock);
		if (!work)
			return ran;
		run_one(work);
		ran++;
	}
}

/*
 * As CONFIG_DEBUG_OBJECTS_FREE does: memory freed with a queued work item
 * in it is a bug.  Warn, and take the item off the list, so that no later
 * vb_shim_run_work() runs freed memory.
 */
static void debug_free_work(const void *p, size_t size)
{
	struct work_struct **pp;

	spin_lock(&work_lock);
	for (pp = &work_head; *pp;) {
		struct work_struct *work = *pp;

		if ((char *)work >= (char *)p && (char *)work < (char *)p + size) {
			vb_shim_log(vb_shim_nr_warn_ons,
				    "ODEBUG: free active work_struct %p\n",
				    (void *)work);
			*pp = work->next;
		} else {
			pp = &work->next;
		}
	}
	spin_unlock(&work_lock);
}

bool flush_work(struct work_struct *work)
{
	bool queued;

	spin_lock(&work_lock);
	queued = dequeue(work);
	if (queued)
		__atomic_store_n(&work->pending, 0, __ATOMIC_RELEASE);
	spin_unlock(&work_lock);
	if (queued)
		run_one(work);
	return queued;
}

unsigned int vb_shim_pending_work(void)
{
	struct work_struct *w;
	unsigned int n = 0;

	spin_lock(&work_lock);
	for (w = work_head; w; w = w->next)
		n++;
	spin_unlock(&work_lock);
	return n;
}

bool queue_delayed_work(struct workqueue_struct *wq, struct delayed_work *dw,
			unsigned long delay)
{
	(void)wq;
	if (__atomic_exchange_n(&dw->work.pending, 1, __ATOMIC_ACQ_REL))
		return false;
	return true;
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	return __atomic_exchange_n(&dw->work.pending, 0, __ATOMIC_ACQ_REL);
}

bool vb_shim_run_delayed(struct delayed_work *dw)
{
	if (!__atomic_exchange_n(&dw->work.pending, 0, __ATOMIC_ACQ_REL))
		return false;
	dw->work.func(&dw->work);
	return true;
}
