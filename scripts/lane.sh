#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Read scripts/lanes.tsv, the lane table (scripts/lanes.py reads it for
# Python).
#   lane.sh LANE FIELD   one field of a lane (paths relative to the top)
#   lane.sh LANE         exit 0 if LANE is in the table, 2 (and say so) if not
#   lane.sh default      the default lane
#   lane.sh lanes        every lane, one a line, the default first
#   lane.sh fields       the table's field names
# An unknown lane or field: a message on stderr, exit 2, nothing on stdout.
tsv=${VB_LANES_TSV:-$(dirname "$0")/lanes.tsv}
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: lane.sh LANE [FIELD] | default | lanes | fields" >&2; exit 2; }
exec awk -F '\t' -v lane="$1" -v field="${2-}" -v nf="$#" '
/^#/ || NF == 0 { next }
!hdr { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1; next }
{ lanes[++n] = $1; row[$1] = $0; if ($col["default"] == "yes") { def = $1; ndef++ } }
END {
	if (ndef != 1) { print "lane.sh: lanes.tsv needs exactly one default=yes lane" > "/dev/stderr"; exit 2 }
	if (nf == 1 && lane == "default") { print def; exit 0 }
	if (nf == 1 && lane == "lanes") {
		print def
		for (i = 1; i <= n; i++) if (lanes[i] != def) print lanes[i]
		exit 0
	}
	if (nf == 1 && lane == "fields") { for (f in col) print col[f], f | "sort -n | cut -d\" \" -f2"; exit 0 }
	if (!(lane in row)) {
		s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? " " : "") lanes[i]
		print "unknown lane \"" lane "\" (lanes: " s ")" > "/dev/stderr"; exit 2
	}
	if (nf == 1) exit 0
	if (!(field in col)) { print "lane.sh: no field \"" field "\" in lanes.tsv" > "/dev/stderr"; exit 2 }
	split(row[lane], v, "\t"); print v[col[field]]
}' "$tsv"
