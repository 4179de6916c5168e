# SPDX-License-Identifier: GPL-2.0
"""The kernel lanes, from scripts/lanes.tsv (the one table; scripts/lane.sh
reads it for shell and make).

    lane = lanes.get(os.environ.get("VB_LANE"))     # None: the default lane
    lane.obj_path, lane.xen_path, lane.map_ops
"""
import dataclasses
import os

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TSV = os.path.join(TOP, "scripts", "lanes.tsv")


@dataclasses.dataclass(frozen=True)
class Lane:
    """One row of lanes.tsv; paths are relative to the top."""
    lane: str
    default: str
    src: str
    obj: str
    debs: str
    suite: str
    xen: str
    xendir: str
    kunit: str
    seam: str

    @property
    def name(self):
        return self.lane

    @property
    def map_ops(self):
        """The seam is virtio_map_ops (mainline), not dma_map_ops."""
        return self.seam == "virtio_map_ops"

    def path(self, field):
        """A path field, absolute."""
        return os.path.join(TOP, getattr(self, field))

    @property
    def kernel_path(self):
        """The lane's configs/base.config bzImage."""
        return os.path.join(self.path("obj"), "arch/x86/boot/bzImage")

    @property
    def xen_path(self):
        """The lane's Xen hypervisor."""
        return os.path.join(self.path("xendir"), "xen")


FIELDS = tuple(f.name for f in dataclasses.fields(Lane))


def read(path=None):
    """{lane name: Lane}, in the table's order; ValueError on a bad table."""
    path = path or os.environ.get("VB_LANES_TSV") or TSV
    lanes, head = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if head is None:
                head = cols
                if tuple(head) != FIELDS:
                    raise ValueError(f"{path}: columns {head}, want {list(FIELDS)}")
                continue
            if len(cols) != len(head):
                raise ValueError(f"{path}: {line!r} has {len(cols)} fields, want {len(head)}")
            lanes[cols[0]] = Lane(*cols)
    if sum(1 for l in lanes.values() if l.default == "yes") != 1:
        raise ValueError(f"{path}: needs exactly one default=yes lane")
    return lanes


def default(path=None):
    """The default lane's name."""
    return next(n for n, l in read(path).items() if l.default == "yes")


def names(path=None):
    """Every lane's name, the default first (as lane.sh lanes)."""
    d = default(path)
    return [d] + [n for n in read(path) if n != d]


def get(name=None, path=None):
    """The lane @name (None or "": the default); KeyError naming the lanes."""
    lanes = read(path)
    name = name or default(path)
    if name not in lanes:
        raise KeyError(f'unknown lane "{name}" (lanes: {" ".join(lanes)})')
    return lanes[name]
