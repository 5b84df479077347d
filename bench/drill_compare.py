#!/usr/bin/env python3
"""The console drill of bench/engine.sh, run by two or more builds in turn.

Usage: bench/drill_compare.py BINARY BINARY... [--runs N] [--commands N]

Each build runs the drill (N/2 P2 declarations with an IC, then an update of each, from a file,
so the console decides 256 lines a transaction) once to warm up, then N runs each, the builds
alternating and the order reversed every other round: on a machine whose speed drifts (a
shared host), a build run only after the other would carry the drift as a difference. Prints
each build's median and best wall time, its median CPU time (user and system, all threads),
and commands a second from the median. The transcripts of the builds' first runs are compared
too: a change meant for speed must not change what the bot says.
"""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("binaries", nargs="+")
parser.add_argument("--runs", type=int, default=10)
parser.add_argument("--commands", type=int, default=4000)
args = parser.parse_args()
repository = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
work = tempfile.mkdtemp(prefix="drill-compare-")

# The shipped config, with the per-person limit raised as bench/engine.sh raises it: the drill
# is one person typing thousands of commands, which the default 30 a minute would mostly ignore.
config = open(os.path.join(repository, "config/incident-bot.yaml")).read()
config, raised = re.subn(r"(?m)^commands_per_minute: .*$", "commands_per_minute: 1000000", config)
config = re.sub(r"(?m)^policy: .*$", "policy: " + os.path.join(repository, "config/policy.yaml"), config)
if raised != 1:
    sys.exit("drill_compare: cannot raise commands_per_minute in config/incident-bot.yaml")
open(os.path.join(work, "bench.yaml"), "w").write(config)

half = args.commands // 2
with open(os.path.join(work, "drill.txt"), "w") as drill:
    for i in range(1, half + 1):
        drill.write(f"carol: /incident declare Bench outage {i} --sev P2 --ic @carol\n")
    for i in range(1, half + 1):
        drill.write(f"carol: /update INC-{i} still looking status: investigating\n")
    drill.write(":quit\n")

database = os.path.join(work, "b.sqlite")


def run(binary, transcript=os.devnull):
    for suffix in ("", "-wal", "-shm"):
        try:
            os.remove(database + suffix)
        except FileNotFoundError:
            pass
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with open(os.path.join(work, "drill.txt")) as lines, open(transcript, "w") as out:
        subprocess.run([binary, "console", "--config", os.path.join(work, "bench.yaml"), "--clock", "manual",
                        "--start", "2026-11-24T10:00:00Z", "--db", database], stdin=lines, stdout=out, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


transcripts = []
for index, binary in enumerate(args.binaries):
    transcripts.append(os.path.join(work, f"transcript-{index}.txt"))
    run(binary, transcripts[-1])
walls = {binary: [] for binary in args.binaries}
cpus = {binary: [] for binary in args.binaries}
for round_number in range(args.runs):
    order = args.binaries if round_number % 2 == 0 else args.binaries[::-1]
    for binary in order:
        wall, cpu = run(binary)
        walls[binary].append(wall)
        cpus[binary].append(cpu)

print(f"{args.commands} commands, {args.runs} runs each, alternating")
for binary in args.binaries:
    median = statistics.median(walls[binary])
    print(f"{binary}: median {median * 1000:.0f} ms, best {min(walls[binary]) * 1000:.0f} ms, "
          f"CPU median {statistics.median(cpus[binary]) * 1000:.0f} ms: {args.commands / median:,.0f} commands a second")
same = all(open(t, "rb").read() == open(transcripts[0], "rb").read() for t in transcripts[1:])
print("transcripts: the same" if same else "transcripts: DIFFERENT (" + ", ".join(transcripts) + ")")
