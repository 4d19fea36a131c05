#!/usr/bin/env python3
"""`make bench-loss`: wirestack's goodput on smoltcp's loss grid.

Each cell of bench/smoltcp_loss_grid.csv (buffer x loss, 72 cells) is run as

    wirestack sim transfer --bytes 10485760 --delay 50 --buffer B --loss P --seed S --json

(plus --user-timeout 0 and --cc C when `sim transfer --help` lists them),
JOBS cells at a time. Each line shows wirestack's goodput — bytes over the
time until the receiver had the last one, as smoltcp's netsim measures it
(`goodput_to_last_byte`) — next to smoltcp's
and their ratio, with the cell's wall time. A cell that fails or that the
command refuses (e.g. a buffer under 1024 bytes) counts as below smoltcp and
is listed with its reason. The report ends with
`cells below smoltcp: N of 72` and `cells >= 2x smoltcp: M of 24` (the cells
with loss >= 5 % and buffer >= 1024) and is also written to build/bench-loss.txt.

Environment: WIRESTACK (default build/tools/wirestack), SEED (default 1),
CC (the congestion control, default: the stack's own; a C compiler's name
such as gcc, which the variable often holds, is ignored), JOBS (default 2), CELL_TIMEOUT (wall seconds
per cell, default 300; a cell over it is killed and counted as failed),
OUT (default build/bench-loss.txt).
"""
import csv
import datetime
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GRID = os.path.join(ROOT, "bench", "smoltcp_loss_grid.csv")
BYTES = 10485760
DELAY_MS = 50


def read_grid():
    cells = []
    with open(GRID, newline="") as f:
        for row in csv.DictReader(line for line in f if not line.startswith("#")):
            cells.append((int(row["buffer"]), row["loss"], float(row["goodput_bytes_per_second"])))
    return cells


def looks_like_compiler(cc):
    """CC is also make's and the shell's C compiler variable (CC=gcc)."""
    base = os.path.basename(cc)
    return "/" in cc or base in ("cc", "c99") or base.startswith(("gcc", "clang", "cc-"))


def options_of(wirestack):
    """The optional flags `sim transfer` accepts today."""
    help_text = subprocess.run([wirestack, "sim", "transfer", "--help"], capture_output=True, text=True).stdout
    return {flag: flag in help_text for flag in ("--user-timeout", "--cc", "--time-limit")}


def run_cell(wirestack, extra, seed, timeout, cell):
    buffer, loss, reference = cell
    cmd = [wirestack, "sim", "transfer", "--bytes", str(BYTES), "--delay", str(DELAY_MS), "--buffer", str(buffer),
           "--loss", loss, "--seed", str(seed), "--json"] + extra
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return cell, None, f"killed: over {timeout:.0f} s of wall time", time.monotonic() - start
    wall = time.monotonic() - start
    try:
        result = json.loads(p.stdout)
    except json.JSONDecodeError:
        reason = (p.stderr.strip() or p.stdout.strip() or f"exit status {p.returncode}").splitlines()[-1]
        reason = reason.removeprefix("wirestack sim transfer: ")
        if p.returncode == 2:
            reason = "refused: " + reason
        return cell, None, reason, wall
    # smoltcp's netsim divides the bytes by the time until the receiver has
    # all of them (its loop stops there; the close is not timed): the same
    # measure when the command reports it, else the whole run's.
    goodput = float(result.get("goodput_to_last_byte", result["goodput_bytes_per_second"]))
    if not result.get("ok", False):
        return cell, goodput, "failed: " + (result.get("reason") or f"exit status {p.returncode}"), wall
    return cell, goodput, "", wall


def main():
    wirestack = os.environ.get("WIRESTACK", os.path.join(ROOT, "build", "tools", "wirestack"))
    seed = int(os.environ.get("SEED", "1"))
    cc = os.environ.get("CC", "")
    compiler_cc = looks_like_compiler(cc)
    if compiler_cc:
        cc = ""
    jobs = int(os.environ.get("JOBS", "2"))
    timeout = float(os.environ.get("CELL_TIMEOUT", "300"))
    out_path = os.environ.get("OUT", os.path.join(ROOT, "build", "bench-loss.txt"))
    if not os.access(wirestack, os.X_OK):
        sys.exit(f"bench-loss: {wirestack} is not an executable (build it: cmake --build build --target wirestack)")

    lines = []

    def say(text=""):
        print(text, flush=True)
        lines.append(text)

    have = options_of(wirestack)
    extra = []
    say(f"bench-loss: wirestack sim transfer on smoltcp's loss grid ({GRID})")
    say(f"date {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}; "
        f"load: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")
    say(f"cell: {wirestack} sim transfer --bytes {BYTES} --delay {DELAY_MS} --buffer B --loss P --seed {seed} --json"
        " (both buffers B; loss per frame, each direction)")
    if have["--time-limit"]:
        # smoltcp's slowest cell (128 bytes, 30 % loss: 7.18 B/s) needs 17
        # days of virtual time for 10 MiB; sim transfer's default bound is 1 day.
        extra += ["--time-limit", str(30 * 86400)]
        say("  --time-limit 2592000: passed (30 days of virtual time per cell)")
    if have["--user-timeout"]:
        extra += ["--user-timeout", "0"]
        say("  --user-timeout 0: passed (sim transfer has it)")
    else:
        say("  --user-timeout: not passed (sim transfer has no such option yet)")
    if cc:
        if have["--cc"]:
            extra += ["--cc", cc]
            say(f"  --cc {cc}: passed")
        else:
            say(f"  CC={cc} asked for, but sim transfer has no --cc yet: the stack's default runs")
    else:
        ignored = f" (CC={os.environ['CC']} names a C compiler: ignored)" if compiler_cc else ""
        say("  congestion control: the stack's default" + (" (--cc not passed)" if have["--cc"] else "") + ignored)
    say(f"  {jobs} cells at a time, at most {timeout:.0f} s of wall time each")
    say()

    cells = read_grid()
    if len(cells) != 72:
        sys.exit(f"bench-loss: {GRID} has {len(cells)} cells, expected 72")
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda c: run_cell(wirestack, extra, seed, timeout, c), cells))
    total_wall = time.monotonic() - started

    say(f"{'buffer':>6} {'loss':>6} {'wirestack B/s':>14} {'smoltcp B/s':>12} {'ratio':>7} {'wall s':>7}  note")
    below = []
    for (buffer, loss, reference), goodput, reason, wall in results:
        shown = "-" if goodput is None else f"{goodput:.2f}"
        ratio = "-" if goodput is None else f"{goodput / reference:.3f}"
        # Compared at the precision of smoltcp's table (0.01 B/s): a
        # difference below it is not in the reference at all.
        is_below = bool(reason) or goodput is None or round(goodput, 2) < reference
        if is_below:
            below.append((buffer, loss, reason or "below smoltcp"))
        note = reason.split(":")[0] if reason else ("below" if is_below else "")  # the reason is listed below
        say(f"{buffer:>6} {float(loss) * 100:>5g}% {shown:>14} {reference:>12.2f} {ratio:>7} {wall:>7.2f}  {note}")
    say()
    failed = [b for b in below if b[2] != "below smoltcp"]
    if failed:
        say(f"failed or refused cells ({len(failed)}):")
        for buffer, loss, reason in failed:
            say(f"  buffer {buffer}, loss {float(loss) * 100:g}%: {reason}")
    say(f"wall time: {total_wall:.1f} s for {len(cells)} cells ({jobs} at a time); "
        f"sum over cells {sum(r[3] for r in results):.1f} s")
    say(f"cells below smoltcp: {len(below)} of {len(cells)}")
    # Where loss is heavy (>= 5 %) and the buffer holds a segment (>= 1024),
    # a congestion control that does not read random loss as congestion
    # should do far better than smoltcp's (none at all): twice as well.
    heavy = [(b, l, g, r) for (b, l, r), g, _, _ in results if float(l) >= 0.05 and b >= 1024]
    doubled = [h for h in heavy if h[2] is not None and round(h[2], 2) >= 2 * h[3]]
    say(f"cells >= 2x smoltcp: {len(doubled)} of {len(heavy)} (loss >= 5 %, buffer >= 1024)")

    os.makedirs(os.path.dirname(out_path), exist_ok=True)
    with open(out_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"(written to {out_path})")


if __name__ == "__main__":
    main()
