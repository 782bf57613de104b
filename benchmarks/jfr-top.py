#!/usr/bin/env python3
"""Top frames of a `jfr print --events jdk.ExecutionSample` dump.

Prints, per thread group (load-* = the calling thread, junction-scatter-* = scatter legs, other),
the most frequent top (self) frames, and the most frequent dev.junction frames anywhere on the stack
(inclusive), as shares of that group's samples. Usage: jfr-top.py samples.txt [N]
"""
import collections
import re
import sys

path = sys.argv[1]
limit = int(sys.argv[2]) if len(sys.argv) > 2 else 25
samples = []
thread = None
frames = None
for line in open(path, encoding="utf-8", errors="replace"):
    s = line.strip()
    if s.startswith("jdk.ExecutionSample") or s.startswith("jdk.NativeMethodSample"):
        thread, frames = None, None
    elif s.startswith("sampledThread"):
        m = re.search(r'"([^"]*)"', s)
        thread = m.group(1) if m else s
    elif s.startswith("stackTrace = ["):
        frames = []
    elif frames is not None and s == "]":
        samples.append((thread or "?", frames))
        frames = None
    elif frames is not None and s and s != "...":
        frames.append(re.sub(r"\s+line:.*$", "", s))


def group(t):
    if t.startswith("load-"):
        return "calling thread (load-*)"
    if t.startswith("junction-scatter"):
        return "scatter legs (junction-scatter-*)"
    return "other threads"


by_group = collections.defaultdict(list)
for t, f in samples:
    by_group[group(t)].append(f)
print(f"{len(samples)} samples")
for g, stacks in sorted(by_group.items(), key=lambda kv: -len(kv[1])):
    n = len(stacks)
    print(f"\n== {g}: {n} samples")
    top = collections.Counter(f[0] for f in stacks if f)
    print("-- top (self) frames")
    for frame, c in top.most_common(limit):
        print(f"{100.0 * c / n:6.1f}%  {frame}")
    incl = collections.Counter()
    for f in stacks:
        seen = set()
        for fr in f:
            if fr.startswith(("dev.junction", "com.zaxxer", "org.postgresql", "java.util.concurrent")) and fr not in seen:
                seen.add(fr)
                incl[fr] += 1
    print("-- inclusive (on the stack): dev.junction / HikariCP / pgjdbc / j.u.concurrent frames")
    for frame, c in incl.most_common(limit):
        print(f"{100.0 * c / n:6.1f}%  {frame}")
