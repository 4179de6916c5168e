// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-line half of map_kernel.h: page allocation for swiotlb, the CPU
 * count, boot parameters by name, and the previous DMA path's out-of-line
 * functions and the set-up symbols the 6.12 seam names, which the map
 * benchmark never reaches (each aborts, so a benchmark that wandered there
 * would not report a time).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "virtio_bounce_internal.h"

void *high_memory = (void *)~0UL;

unsigned long __get_free_pages(gfp_t gfp, unsigned int order)
{
	struct page *p = alloc_pages(gfp, order);

	if (p && (gfp & __GFP_ZERO))
		memset(page_address(p), 0, PAGE_SIZE << order);
	return (unsigned long)page_address(p);
}

/* swiotlb sizes its areas by the possible CPUs: this machine's. */
unsigned int vb_shim_possible_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_CONF);

	return n > 0 && n <= NR_CPUS ? n : NR_CPUS;
}

static struct vb_shim_param *params;

void vb_shim_register_param(struct vb_shim_param *p)
{
	p->next = params;
	params = p;
}

/* As the kernel calls an early_param() handler for "name=val". */
int vb_shim_early_param(const char *name, const char *val)
{
	struct vb_shim_param *p;
	char buf[64];

	for (p = params; p; p = p->next) {
		if (strcmp(p->name, name))
			continue;
		snprintf(buf, sizeof(buf), "%s", val);
		return p->fn(buf);
	}
	return -ENOENT;
}

static void __attribute__((noreturn)) unreached(const char *fn)
{
	fprintf(stderr, "vbmap_bench: %s() called: not modelled\n", fn);
	abort();
}

struct page *dma_common_alloc_pages(struct device *dev, size_t size,
			     dma_addr_t *dma_handle,
			     enum dma_data_direction dir, gfp_t gfp)
{
	unreached(__func__);
}

void dma_common_free_pages(struct device *dev, size_t size, struct page *vaddr,
			   dma_addr_t dma_handle, enum dma_data_direction dir)
{
	unreached(__func__);
}

void *dma_direct_alloc(struct device *dev, size_t size, dma_addr_t *dma,
		       gfp_t gfp, unsigned long attrs)
{
	unreached(__func__);
}

void dma_direct_free(struct device *dev, size_t size, void *vaddr,
		     dma_addr_t dma, unsigned long attrs)
{
	unreached(__func__);
}

int dma_direct_mmap(struct device *dev, struct vm_area_struct *vma,
		    void *cpu_addr, dma_addr_t dma, size_t size,
		    unsigned long attrs)
{
	unreached(__func__);
}

int dma_direct_get_sgtable(struct device *dev, struct sg_table *sgt,
			   void *cpu_addr, dma_addr_t dma, size_t size,
			   unsigned long attrs)
{
	unreached(__func__);
}

int dma_direct_supported(struct device *dev, u64 mask)
{
	unreached(__func__);
}

u64 dma_direct_get_required_mask(struct device *dev)
{
	unreached(__func__);
}

dma_addr_t iommu_dma_map_page(struct device *dev, struct page *page,
			      unsigned long offset, size_t size,
			      enum dma_data_direction dir, unsigned long attrs)
{
	unreached(__func__);
}

void iommu_dma_unmap_page(struct device *dev, dma_addr_t dma, size_t size,
			  enum dma_data_direction dir, unsigned long attrs)
{
	unreached(__func__);
}

void iommu_dma_sync_single_for_cpu(struct device *dev, dma_addr_t dma,
				   size_t size, enum dma_data_direction dir)
{
	unreached(__func__);
}

void iommu_dma_sync_single_for_device(struct device *dev, dma_addr_t dma,
				      size_t size, enum dma_data_direction dir)
{
	unreached(__func__);
}

void *iommu_dma_alloc(struct device *dev, size_t size, dma_addr_t *dma,
		      gfp_t gfp, unsigned long attrs)
{
	unreached(__func__);
}

void iommu_dma_free(struct device *dev, size_t size, void *vaddr,
		    dma_addr_t dma, unsigned long attrs)
{
	unreached(__func__);
}

int iommu_dma_mmap(struct device *dev, struct vm_area_struct *vma,
		   void *cpu_addr, dma_addr_t dma, size_t size,
		   unsigned long attrs)
{
	unreached(__func__);
}

int iommu_dma_get_sgtable(struct device *dev, struct sg_table *sgt,
			  void *cpu_addr, dma_addr_t dma, size_t size,
			  unsigned long attrs)
{
	unreached(__func__);
}

/*
 * Set-up symbols of virtio_bounce.c, _sysfs.c and _debugfs.c that the
 * 6.12 seam (virtio_bounce_dmaops.c) names: the benchmark builds its
 * devices with vbh_create() and vb_ops_init(), never through the virtio
 * core, so none of them runs.
 */
const char * const vb_why[] = {
	[0 ... VB_WHY_BALLOON] = "vbmap_bench: not modelled",
};

void vb_virtio_info(struct virtio_device *vdev, struct vb_attach_info *info)
{
	unreached(__func__);
}

struct vb_dev *vb_attach_dev(struct device *dma_dev, const void *owner,
			     const struct vb_attach_info *info)
{
	unreached(__func__);
}

unsigned long vb_live(struct vb_dev *vd)
{
	unreached(__func__);
}

size_t vb_request_bound(const struct vb_dev *vd)
{
	unreached(__func__);
}

void vb_forget(unsigned int index)
{
	unreached(__func__);
}

void vb_debugfs_add(struct vb_dev *vd)
{
	unreached(__func__);
}

void vb_debugfs_del(struct vb_dev *vd)
{
	unreached(__func__);
}

/* ---- Xen PV p2m model (map_kernel.h) --------------------------------------- */

unsigned long *xen_p2m_addr;
unsigned long xen_p2m_size;
static unsigned long p2m_lo;
bool vb_shim_xen_auto_translated;

/*
 * The p2m covers pfn 0 .. xen_p2m_size - 1, as the kernel's; only a window
 * of +-32 GiB around the first frame filled is backed (the arena, where
 * every page of the benchmark lies), so xen_p2m_addr points below it.
 */
#define P2M_WINDOW	(1UL << 24)	/* pfns */

static void p2m_reserve(unsigned long pfn)
{
	unsigned long lo = pfn > P2M_WINDOW / 2 ? pfn - P2M_WINDOW / 2 : 0;
	void *m;

	if (xen_p2m_addr)
		return;
	m = mmap(NULL, P2M_WINDOW * sizeof(long), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED) {
		perror("vbmap_bench: p2m mmap");
		abort();
	}
	xen_p2m_addr = (unsigned long *)m - lo;
	xen_p2m_size = lo + P2M_WINDOW;
	p2m_lo = lo;
}

/* The buffer's frames are machine-contiguous: mfn == pfn. */
void vb_shim_p2m_set(void *start, size_t bytes)
{
	unsigned long pfn = PFN_DOWN((unsigned long)start);
	unsigned long end = PFN_UP((unsigned long)start + bytes);

	p2m_reserve(pfn);
	if (pfn < p2m_lo || end > xen_p2m_size) {
		fprintf(stderr, "vbmap_bench: pfns %#lx..%#lx outside the p2m window\n",
			pfn, end);
		abort();
	}
	for (; pfn < end; pfn++)
		xen_p2m_addr[pfn] = pfn;
}

unsigned long get_phys_to_machine(unsigned long pfn)
{
	unreached(__func__);
}

int xen_create_contiguous_region(phys_addr_t pstart, unsigned int order,
				 unsigned int address_bits,
				 dma_addr_t *dma_handle)
{
	*dma_handle = pstart;
	vb_shim_p2m_set(phys_to_virt(pstart), PAGE_SIZE << order);
	return 0;
}

void xen_destroy_contiguous_region(phys_addr_t pstart, unsigned int order)
{
}
