#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Host test of vbtop on made-up sysfs trees (--sysfs, VBTOP_SYSFS): the
# build (W=1 clean, static), --help against vbtop.8, the table and JSON
# over known counts, devices that appear, go away, are unreadable, have an
# unknown ID or were rebound, more than 64 devices, every ID of
# virtio_ids.h, DELAY and COUNT as options and as arguments, and the
# errors for bad arguments.  One "PASS name" or "FAIL name" line each, then
# "vbtop: N passed, N failed"; exits 1 if any failed.
#
# usage: test-vbtop.sh    (VBTOP=path tests that binary, else the W=1 build)
# Counters change only once vbtop printed the report before: the change
# then falls in the next interval, and the check fails, not guesses, if
# vbtop was already past it (a machine slower than DELAY).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
t=$(mktemp -d)
vp=
cleanup() {
	[ -n "$vp" ] && kill "$vp" 2>/dev/null
	rm -rf "$t"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS $1"; }
bad() {
	fail=$((fail + 1))
	echo "FAIL $1"
	[ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | head -n 20
}
# vbtop, killed after 30 s (a broken one may not stop by itself)
vb() { timeout 30 "$VBTOP" "$@"; }
# check NAME DETAIL COMMAND...: PASS if COMMAND succeeds
check() {
	local name=$1 detail=$2

	shift 2
	if "$@"; then ok "$name"; else bad "$name" "$detail"; fi
}

# --- build -------------------------------------------------------------
out=$(make -C "$here" W=1 O="$t/bin" 2>&1)
rc=$?
if [ $rc = 0 ] && ! grep -qi 'warning' <<<"$out"; then
	ok "build-W1-clean"
else
	bad "build-W1-clean" "$out"
fi
VBTOP=${VBTOP:-$t/bin/vbtop}
[ -x "$VBTOP" ] || { bad "binary" "no $VBTOP"; echo "vbtop: $pass passed, $fail failed"; exit 1; }
out=$(make -C "$here" STATIC=1 O="$t/static" 2>&1)
if [ $? = 0 ] && ! LC_ALL=C readelf -lW "$t/static/vbtop" 2>/dev/null | grep -q INTERP &&
   LC_ALL=C readelf -h "$t/static/vbtop" >/dev/null 2>&1; then
	ok "build-static"
else
	bad "build-static" "$out"
fi
cpl=$top/build/linux-7.3/scripts/checkpatch.pl
if [ -f "$cpl" ]; then
	out=$(perl "$cpl" --strict --no-tree --terse -f "$here/vbtop.c" 2>&1)
	check "checkpatch" "$out" test -z "$(grep -E 'ERROR|WARNING|CHECK' <<<"$out")"
fi

# --- --help and the man page --------------------------------------------
help=$(vb --help 2>"$t/err")
rc=$?
check "help-exit-0" "rc=$rc, stderr $(cat "$t/err")" test $rc = 0 -a -n "$help" -a ! -s "$t/err"
check "help-short-equals-long" "-h differs" test "$(vb -h)" = "$help"
# Long and short options, from the help, the man page and the code.
opts_help=$(grep -oE -- '--[a-z]+|(^| )-[a-z](,| )' <<<"$help" | tr -d ', ' | sort -u)
opts_man=$(sed 's/\\-/-/g' "$here/vbtop.8" | grep -oE -- '--[a-z]+|(^|[ "])-[a-z]([ ,"]|$)' |
	   tr -d ', "' | sort -u)
opts_code=$( (grep -oE '^	\{ "[a-z]+"' "$here/vbtop.c" | sed 's/.*"\(.*\)"/--\1/'
	      grep -oE 'getopt_long\(argc, argv, "[^"]*"' "$here/vbtop.c" |
	      sed 's/.*"\(.*\)"/\1/' | tr -d ':' | grep -o . | sed 's/^/-/') | sort -u)
check "help-options-match-man" "$(diff <(echo "$opts_help") <(echo "$opts_man"))" \
	test "$opts_help" = "$opts_man"
check "help-options-match-code" "$(diff <(echo "$opts_help") <(echo "$opts_code"))" \
	test "$opts_help" = "$opts_code"
both_name_env() { grep -q VBTOP_SYSFS <<<"$help" && grep -q VBTOP_SYSFS "$here/vbtop.8"; }
check "help-and-man-name-VBTOP_SYSFS" "" both_name_env
check "help-usage-line" "host-checks.sh greps '-d DELAY'" grep -q -- '-d DELAY' <<<"$help"
syn_help=$(grep -m1 '^usage: ' <<<"$help" | sed 's/^usage: //')
syn_man=$(MANWIDTH=200 man -l "$here/vbtop.8" 2>/dev/null | sed -n '/^SYNOPSIS/{n;p}' |
	  sed 's/^ *//')
check "help-usage-matches-man-synopsis" "help: $syn_help, man: $syn_man" \
	test "$syn_help" = "$syn_man"
if command -v groff >/dev/null; then
	out=$(groff -t -man -ww -z "$here/vbtop.8" 2>&1)
	check "man-renders-clean" "$out" test -z "$out"
fi

# --- made-up trees -----------------------------------------------------
# mkdev ROOT virtioN ID [file=value ...]: a device with a virtio_bounce
# group (ID "-": no device file); setv ROOT virtioN file=value ...
setv() {
	local g=$1/bus/virtio/devices/$2/virtio_bounce kv

	shift 2
	for kv in "$@"; do echo "${kv#*=}" > "$g/${kv%%=*}"; done
}
mkdev() {
	local r=$1 n=$2 d=$1/bus/virtio/devices/$2

	mkdir -p "$d/virtio_bounce"
	[ "$3" = - ] || echo "$3" > "$d/device"
	setv "$r" "$n" mode=on backend=identity rule=default why="a test device" \
		one_to_one=0 maps=0 bounced=0 direct=0 fallback=0 failures=0 \
		bytes_to_device=0 bytes_from_device=0 in_use=0 pool_bytes=0 \
		peak_bytes=0 max=67108864
	shift 3
	[ $# = 0 ] || setv "$r" "$n" "$@"
}

# reports FILE: how many reports vbtop finished (an empty line ends one in
# the table; JSON: one line each)
reports() {
	if [ "$2" = json ]; then tr -cd '\n' < "$1" | wc -c; else grep -c '^$' "$1"; fi
}
# wait_reports FILE KIND N: until N reports are out (10 s at most)
wait_reports() {
	local i

	for i in $(seq 200); do
		[ "$(reports "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	return 1
}

# A tree with several devices.  virtio2 is the one with known counts,
# virtio0 goes away and virtio20 appears after report 1, virtio30 is
# rebound (counters go back), virtio15 has no driver (mode unreadable),
# virtio16 no device file, virtio4 no group.
tree() {
	local r=$1

	mkdev "$r" virtio0 0x0002 in_use=4
	mkdev "$r" virtio2 0x0001 mode=force in_use=2 pool_bytes=1048576 peak_bytes=2097152
	mkdev "$r" virtio10 0x0020
	mkdev "$r" virtio11 0x0022
	mkdev "$r" virtio12 0x0029
	mkdev "$r" virtio13 0x0028
	mkdev "$r" virtio14 0x0063
	mkdev "$r" virtio15 0x0004
	rm "$r/bus/virtio/devices/virtio15/virtio_bounce/mode"
	mkdev "$r" virtio16 -
	mkdev "$r" virtio30 0x0002 maps=100 bounced=100
	mkdir -p "$r/bus/virtio/devices/virtio4"
}
# After report 1; after report 2.
step1() {
	local r=$1

	setv "$r" virtio2 maps=3 bounced=2 direct=1 bytes_to_device=1024 bytes_from_device=2048
	rm -rf "$r/bus/virtio/devices/virtio0"
	mkdev "$r" virtio20 0x0029 maps=50 bounced=50 bytes_to_device=4096
	setv "$r" virtio30 maps=5 bounced=5
}
step2() {
	setv "$1" virtio20 maps=57 bounced=50 direct=7 bytes_to_device=5120
}

# run3 ROOT OUT KIND ARGS...: three reports of 1 s, step1 after the
# first, step2 after the second; each step must land inside its interval.
run3() {
	local r=$1 o=$2 kind=$3 n inside=1

	shift 3
	timeout 30 "$VBTOP" --sysfs "$r" "$@" 1 3 > "$o" 2> "$o.err" &
	vp=$!
	wait_reports "$o" "$kind" 1 || inside=0
	step1 "$r"
	[ "$(reports "$o" "$kind")" = 1 ] || inside=0
	wait_reports "$o" "$kind" 2 || inside=0
	step2 "$r"
	[ "$(reports "$o" "$kind")" = 2 ] || inside=0
	wait $vp
	rc=$?
	vp=
	n=$(reports "$o" "$kind")
	check "$kind-run-exit-0" "rc=$rc: $(cat "$o.err")" test $rc = 0 -a ! -s "$o.err"
	check "$kind-count-3" "$n reports" test "$n" = 3
	check "$kind-changes-inside-intervals" "a step came after vbtop's sample (slow machine?)" \
		test $inside = 1
}

# report FILE N: report N of a table
report() { awk -v n="$2" 'BEGIN { r = 1 } /^$/ { r++; next } r == n' "$1"; }
row() { report "$1" "$2" | awk -v d="$3" '$1 == d' | tr -s ' '; }

# --- the table ---------------------------------------------------------
A=$t/a
tree "$A"
run3 "$A" "$t/table" table -r
head="device type mode backend maps bounced direct fallback failed to_B from_B"
head="$head in_use pool_KiB max_KiB"
check "table-header-raw-unchanged" "$(head -n 1 "$t/table")" \
	test "$(head -n 1 "$t/table" | tr -s ' ')" = "$head"
check "table-3-headers" "" test "$(grep -c '^device ' "$t/table")" = 3
r1=$(row "$t/table" 1 virtio2)
check "table-report1-zero" "got '$r1'" \
	test "$r1" = "virtio2 net force identity 0 0 0 0 0 0 0 2 1024 65536"
r2=$(row "$t/table" 2 virtio2)
check "table-report2-known-counts" "got '$r2'" \
	test "$r2" = "virtio2 net force identity 3 2 1 0 0 1024 2048 2 1024 65536"
types=$(for d in 10 11 12 13 14 16; do row "$t/table" 1 "virtio$d" | cut -d' ' -f2; done |
	tr '\n' ' ')
check "table-types-scmi-i2c-gpio-bt" "$types" test "${types% other ? }" = "scmi i2c gpio bt"
check "table-unknown-id-other" "$types" test "$(cut -d' ' -f5 <<<"$types")" = other
check "table-no-device-file-?" "$types" test "$(cut -d' ' -f6 <<<"$types")" = "?"
check "table-unreadable-dash" "$(row "$t/table" 1 virtio15)" \
	test "$(row "$t/table" 1 virtio15)" = "virtio15 -"
no_group() { grep -q '^virtio2 ' "$t/table" && ! grep -q '^virtio4 ' "$t/table"; }
check "table-no-group-not-listed" "" no_group
check "table-sorted-numerically" "$(report "$t/table" 1 | cut -c1-10)" test \
	"$(report "$t/table" 1 | awk 'NR > 1 { printf "%s ", $1 }')" = \
	"virtio0 virtio2 virtio10 virtio11 virtio12 virtio13 virtio14 virtio15 virtio16 virtio30 "
check "table-gone-device-dropped" "" \
	test -n "$(row "$t/table" 1 virtio0)" -a -z "$(row "$t/table" 2 virtio0)"
check "table-appeared-device-new" "got '$(row "$t/table" 2 virtio20)'" \
	test "$(row "$t/table" 2 virtio20)" = "virtio20 - new"
check "table-appeared-device-counted" "got '$(row "$t/table" 3 virtio20)'" \
	test "$(row "$t/table" 3 virtio20)" = "virtio20 gpio on identity 7 0 7 0 0 1024 0 0 0 65536"
check "table-rebound-device-reset" "got '$(row "$t/table" 2 virtio30)'" \
	test "$(row "$t/table" 2 virtio30)" = "virtio30 - reset"
# As scripts/vbtest.py reads it: the header's and the row's fields zipped.
out=$(python3 - "$t/table" <<'EOF' 2>&1
import sys
top = [l.split() for l in open(sys.argv[1])]
head = next((t for t in top if t and t[0] == "device"), None)
row = next((t for t in top if t and t[0] == "virtio2"), None)
d = dict(zip(head, row)) if head and row and len(row) == len(head) else {}
assert (d["type"], d["mode"], d["backend"], d["from_B"], d["to_B"], d["bounced"], d["failed"]) == \
    ("net", "force", "identity", "0", "0", "0", "0"), d
EOF
)
check "table-vbtest-parses-row" "$out" test -z "$out"

# Rates (the default): the header, and a rate for the counts of report 2.
B=$t/b
tree "$B"
run3 "$B" "$t/rates" rates
head="device type mode backend maps/s bounced/s direct/s fallback failed to_KiB/s"
head="$head from_KiB/s in_use pool_KiB max_KiB"
check "rates-header-unchanged" "$(head -n 1 "$t/rates")" \
	test "$(head -n 1 "$t/rates" | tr -s ' ')" = "$head"
out=$(row "$t/rates" 2 virtio2 |
      awk '{ ok = $5 > 2.5 && $5 < 3.5 && $10 > 0.8 && $10 < 1.2 && $11 > 1.7 && $11 < 2.3 }
	END { print ok ? "" : $0 "." }')
check "rates-per-second" "got '$out' (want maps/s ~3, to_KiB/s ~1, from_KiB/s ~2)" test -z "$out"

# --- JSON --------------------------------------------------------------
C=$t/c
tree "$C"
run3 "$C" "$t/json" json --json
n=0
bad_lines=
while IFS= read -r line; do
	n=$((n + 1))
	python3 -m json.tool <<<"$line" >/dev/null 2>&1 || bad_lines="$bad_lines $n"
done < "$t/json"
check "json-valid-json.tool" "lines$bad_lines: $(head -c 300 "$t/json")" \
	test -z "$bad_lines" -a $n = 3
out=$(python3 - "$t/json" <<'EOF' 2>&1
import json, re, sys
reps = [json.loads(l) for l in open(sys.argv[1])]
ctr = ["maps", "bounced", "direct", "fallback", "failures", "bytes_to_device", "bytes_from_device"]
keys = ["name", "id", "type", "status", "mode", "backend", "rule", "why", "one_to_one"] + ctr + \
    ["in_use", "pool_bytes", "peak_bytes", "max", "delta"]
bad = []
def want(what, got, exp):
    if got != exp:
        bad.append(f"{what}: got {got!r}, want {exp!r}")
for i, r in enumerate(reps, 1):
    want(f"report {i} keys", list(r), ["sample", "timestamp", "epoch", "interval", "devices"])
    want(f"report {i} sample", r["sample"], i)
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["timestamp"]):
        bad.append(f"timestamp {r['timestamp']}")
    if not 0.5 < r["interval"] < 2.0:
        bad.append(f"interval {r['interval']}")
    for d in r["devices"]:
        want(f"report {i} {d['name']} keys", list(d), keys)
dev = [{d["name"]: d for d in r["devices"]} for r in reps]
want("names 1", list(dev[0]), ["virtio0", "virtio2", "virtio10", "virtio11", "virtio12", "virtio13",
                               "virtio14", "virtio15", "virtio16", "virtio30"])
want("names 2", list(dev[1]), ["virtio2", "virtio10", "virtio11", "virtio12", "virtio13",
                               "virtio14", "virtio15", "virtio16", "virtio20", "virtio30"])
v2 = dev[1]["virtio2"]
exp = {"id": 1, "type": "net", "status": "ok", "mode": "force", "backend": "identity",
       "rule": "default", "why": "a test device", "one_to_one": 0, "maps": 3, "in_use": 2,
       "pool_bytes": 1048576, "peak_bytes": 2097152, "max": 67108864}
want("virtio2", {k: v2[k] for k in exp}, exp)
want("virtio2 delta", v2["delta"], dict(zip(ctr, [3, 2, 1, 0, 0, 1024, 2048])))
want("virtio2 delta 1", dev[0]["virtio2"]["delta"], dict.fromkeys(ctr, 0))
want("types", [(dev[0][f"virtio{n}"]["id"], dev[0][f"virtio{n}"]["type"])
              for n in [10, 11, 12, 13, 14, 16]],
     [(32, "scmi"), (34, "i2c"), (41, "gpio"), (40, "bt"), (99, "other"), (None, None)])
u = dev[0]["virtio15"]
want("unreadable", (u["status"], u["id"], u["type"], u["mode"], u["maps"], u["delta"]),
     ("unreadable", 4, "rng", None, None, None))
n20 = dev[1]["virtio20"]
want("appeared", (n20["status"], n20["maps"], n20["delta"]), ("new", 50, None))
want("appeared counted", dev[2]["virtio20"]["delta"], dict(zip(ctr, [7, 0, 7, 0, 0, 1024, 0])))
v30 = dev[1]["virtio30"]
want("reset", (v30["status"], v30["maps"], v30["delta"]), ("reset", 5, None))
print("\n".join(bad))
EOF
)
check "json-content" "$out" test -z "$out"
# -r and -t do not change JSON
mkdir -p "$t/esc"
mkdev "$t/esc" virtio1 0x0002 "rule=a\"b\\c" "why=$(printf 'tab\there \xc3\xa9')"
vb -s "$t/esc" -j -r -t 0.1 1 > "$t/j2" 2>&1
out=$(python3 - "$t/j2" <<'EOF' 2>&1
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
assert (d["rule"], d["why"]) == ('a"b\\c', "tab\there \u00c3\u00a9"), d
EOF
)
check "json-escapes-strings" "$out: $(cat "$t/j2")" test -z "$out"

# --- more than 64 devices, and every virtio ID --------------------------
M=$t/many
for i in $(seq 0 149); do mkdev "$M" "virtio$i" 0x0002; done
vb -s "$M" -r 0.1 1 > "$t/many.out" 2>&1
n=$(grep -c '^virtio' "$t/many.out")
check "many-150-rows" "$n rows" test "$n" = 150
check "many-150-sorted" "" test "$(awk '/^virtio/ { printf "%s ", $1 }' "$t/many.out")" = \
	"$(for i in $(seq 0 149); do printf 'virtio%d ' "$i"; done)"
vb -s "$M" -j 0.1 1 > "$t/many.json" 2>&1
n=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["devices"]))' \
	"$t/many.json" 2>&1)
check "many-150-json" "$n devices: $(head -c 200 "$t/many.json")" test "$n" = 150
I=$t/ids
hdr=$top/build/linux-7.3/include/uapi/linux/virtio_ids.h
[ -f "$hdr" ] || hdr=/usr/include/linux/virtio_ids.h
if [ -f "$hdr" ]; then
	i=0
	ids=$(awk '$1 == "#define" && $2 ~ /^VIRTIO_(TRANS_)?ID_/ &&
		  $3 ~ /^(0x)?[0-9a-fA-F]+$/ { print $3 }' "$hdr")
	for id in $ids; do mkdev "$I" "virtio$i" "$id"; i=$((i + 1)); done
	vb -s "$I" -j 0.1 1 > "$t/ids.json" 2>&1
	out=$(python3 - "$t/ids.json" "$here/vbtop.8" <<'EOF' 2>&1
import json, re, sys
devs = json.load(open(sys.argv[1]))["devices"]
man = open(sys.argv[2]).read()
table = dict(re.findall(r"(\d+)\t(\S+)", man.split(".TS", 1)[1].split(".TE", 1)[0]))
for d in devs:
    if d["type"] in ("other", None):
        print(f"id {d['id']} is {d['type']}")
    elif d["id"] < 0x1000 and table.get(str(d["id"])) != d["type"]:
        print(f"id {d['id']}: vbtop says {d['type']}, vbtop.8 {table.get(str(d['id']))}")
EOF
)
	check "every-virtio_ids.h-id-named-as-man-says ($i ids)" "$out" \
		test -z "$out" -a "$i" -gt 40
fi

# --- DELAY and COUNT, --timestamp, VBTOP_SYSFS --------------------------
for args in "0.2 2" "-d 0.2 -n 2" "--delay=0.2 --count 2" "-n 2 0.2" "-r 0.2 2"; do
	# shellcheck disable=SC2086
	vb -s "$M" $args > "$t/cnt" 2> "$t/cnt.err"
	rc=$?
	check "count-2 ($args)" \
		"rc=$rc, $(grep -c '^device' "$t/cnt") reports, $(cat "$t/cnt.err")" \
		test $rc = 0 -a "$(grep -c '^device' "$t/cnt")" = 2 -a \
		     "$(grep -c '^$' "$t/cnt")" = 2 -a ! -s "$t/cnt.err"
done
vb -s "$A" -t 0.2 1 > "$t/ts" 2>&1
# time first, in every line; rows otherwise as without -t
ts_ok() {
	head -n 1 "$1" | grep -qE '^time +device +type ' || return 1
	awk 'NR > 1 && NF && $1 !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T/ { bad = 1 }
	     NR > 1 && NF && $1 !~ /T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ { bad = 1 }
	     $2 == "virtio2" && NF != 15 { bad = 1 }
	     END { exit bad }' "$1" &&
		[ "$(awk 'NR == 2 { print $2 }' "$1")" = virtio2 ]
}
check "timestamp-column" "$(cat "$t/ts")" ts_ok "$t/ts"
VBTOP_SYSFS=$M vb -n 1 -d 0.1 > "$t/env" 2>&1
check "env-VBTOP_SYSFS" "$(head -n 3 "$t/env")" test "$(grep -c '^virtio' "$t/env")" = 150
VBTOP_SYSFS=$t/nonexistent vb --sysfs "$M" -n 1 -d 0.1 > "$t/env" 2>&1
n=$(grep -c '^virtio' "$t/env")
check "sysfs-option-overrides-env" "$n rows: $(head -n 3 "$t/env")" test "$n" = 150

# --- errors ------------------------------------------------------------
mkdir -p "$t/empty/bus/virtio/devices"
err_ok() {	# err_ok RC WANT PATTERN
	[ "$1" = "$2" ] && [ ! -s "$t/o" ] && grep -q vbtop "$t/e" && grep -qi -- "$3" "$t/e"
}
# err RC PATTERN ARGS...: exit RC, PATTERN on stderr, nothing on stdout
err() {
	local want=$1 pat=$2 rc

	shift 2
	vb "$@" > "$t/o" 2> "$t/e"
	rc=$?
	check "error ($*)" \
		"rc=$rc (want $want), stderr: $(cat "$t/e"), stdout: $(head -c 200 "$t/o")" \
		err_ok "$rc" "$want" "$pat"
}
s="-s $M"
err 2 "bad delay '0'" $s -d 0
err 2 "bad delay '-1'" $s -d -1
err 2 "bad delay 'abc'" $s -d abc
err 2 "bad delay ''" $s -d ''
err 2 "bad delay 'inf'" $s -d inf
err 2 "bad delay 'nan'" $s -d nan
err 2 "bad delay '86401'" $s -d 86401
err 2 "bad delay '2s'" $s 2s
err 2 "bad count '0'" $s -n 0
err 2 "bad count 'x'" $s -n x
err 2 "bad count '1.5'" $s -n 1.5
err 2 "bad count '99999999999'" $s -n 99999999999
err 2 "bad count '0'" $s 1 0
err 2 "unexpected argument '3'" $s 1 2 3
err 2 "delay given twice" $s -d 1 2
err 2 "count given twice" $s -n 1 1 2
err 2 "unrecognized option" $s --bogus
err 2 "invalid option" $s -x
err 2 "requires an argument" $s -d
err 2 "doesn't allow an argument" $s --json=1
err 2 "empty sysfs" -s ''
err 1 "no such file" -s "$t/nonexistent" -n 1
err 1 "no virtio_bounce group" -s "$t/empty" -n 1
if [ -w /dev/full ]; then
	vb -s "$M" 0.1 1 > /dev/full 2> "$t/e"
	rc=$?
	check "error (output to /dev/full)" "rc=$rc, $(cat "$t/e")" \
		test $rc = 1 -a -n "$(grep 'write error' "$t/e")"
fi

echo "vbtop: $pass passed, $fail failed"
[ $fail = 0 ]
