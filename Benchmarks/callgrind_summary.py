#!/usr/bin/env python3
"""Per-call costs from a callgrind profile of an echo server (Benchmarks/profile).

Instructions (Ir) are user space only: the kernel's share (sendmsg, epoll, futex) is not in them. Self costs are
exact; callgrind's inclusive costs are not trusted here, since Swift async functions tail-call through
swift_task_switch and confuse its call stacks. So the summary shows self cost by library and by function, plus
how often each key runtime entry point is called per request (call counts are exact).

    callgrind_summary.py CALLGRIND_OUT CALLS [--top N]
"""
import argparse
import collections
import re

# Entry points worth counting per request: allocation, Swift runtime, Concurrency, the C core's API.
COUNTED = [
    ("malloc", r"^malloc$"),
    ("free", r"^free$"),
    ("swift_allocObject", r"^swift_allocObject$"),
    ("swift_retain", r"^swift_retain$"),
    ("swift_release", r"^swift_release$"),
    ("swift_getGenericMetadata", r"^swift_getGenericMetadata$"),
    ("swift_task_alloc (async frames)", r"^swift_task_alloc$"),
    ("task-allocator slabs (malloc)", None),
    ("swift_task_create", r"^swift_task_create$"),
    ("swift_task_switch", r"^swift_task_switch$"),
    ("swift_task_getCurrent", r"^swift_task_getCurrent$"),
    ("swift_continuation_resume*", r"^swift_continuation_(throwing)?[rR]esume"),
    ("grpc_call_start_batch", r"^grpc_call_start_batch$"),
    ("grpc_completion_queue_next", r"^grpc_completion_queue_next$"),
]
SLAB = re.compile(r"StackAllocator<.*>::alloc")


def parse(path):
    names = {"ob": {}, "fn": {}}

    def name(kind, text):
        m = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[kind][m.group(1)] = m.group(2)
        return names[kind].get(m.group(1), "?")

    ob = fn = cfn = None
    in_call = False
    by_ob, by_fn, fn_ob = collections.Counter(), collections.Counter(), {}
    calls_to, slab_mallocs = collections.Counter(), 0
    for line in open(path):
        line = line.rstrip("\n")
        head = line[:4]
        if line.startswith("ob="):
            ob = name("ob", line[3:])
        elif line.startswith("fn="):
            fn = name("fn", line[3:])
            fn_ob.setdefault(fn, ob)
        elif head == "cob=":
            name("ob", line[4:])
        elif head == "cfn=":
            cfn = name("fn", line[4:])
        elif line.startswith("calls="):
            count = int(line[6:].split()[0])
            calls_to[cfn] += count
            if cfn == "malloc" and fn and SLAB.search(fn):
                slab_mallocs += count
            in_call = True
        elif line[:1].isdigit() or line[:1] in "+-*":
            parts = line.split()
            if len(parts) < 2:
                continue
            if in_call:  # the inclusive cost of the call just named: not self cost
                in_call = False
                continue
            cost = int(parts[1])
            by_ob[ob] += cost
            by_fn[fn] += cost
    return by_ob, by_fn, fn_ob, calls_to, slab_mallocs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("profile")
    ap.add_argument("calls", type=int)
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    by_ob, by_fn, fn_ob, calls_to, slab_mallocs = parse(a.profile)
    total = sum(by_ob.values())
    n = a.calls
    print(f"{total / n:,.0f} instructions per call ({total:,} over {n:,} calls)\n")
    print("self cost by library          Ir/call   share")
    for o, c in by_ob.most_common(12):
        print(f"  {(o or '?').split('/')[-1][:28]:28} {c / n:9,.0f}  {100 * c / total:5.1f}%")
    print("\ncalls per request")
    for label, pattern in COUNTED:
        if pattern is None:
            count = slab_mallocs
        else:
            r = re.compile(pattern)
            count = sum(v for k, v in calls_to.items() if k and r.search(k))
        print(f"  {label:34} {count / n:8.2f}")
    print(f"\ntop {a.top} functions by self cost   Ir/call   share")
    for f, c in by_fn.most_common(a.top):
        lib = (fn_ob.get(f) or "?").split("/")[-1]
        print(f"  {c / n:9,.0f}  {100 * c / total:5.1f}%  {(f or '?')[:100]}  [{lib}]")


if __name__ == "__main__":
    main()
