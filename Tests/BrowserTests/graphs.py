#!/usr/bin/env python3
"""Writes the lock graph documents the browser test renders (schema version 2, "lockgraph-record").

  graphs.py small OUT.json   3 lock classes: one ABBA cycle, one edge off it, one same-class nesting
  graphs.py acyclic OUT.json the small graph without the edge that closed its cycle
  graphs.py large OUT.json   500 lock classes, 2,000 class-level edges, 3 cycles (of 2, 3 and 4 classes)

Deterministic (fixed seed), so the test and the README screenshot show the same graph each run.
"""
import json
import random
import sys

MODULES = ["Storage", "Network", "Index", "Scheduler", "Metrics", "Cache", "Session", "Journal"]
KINDS = ["lock", "mutex", "state", "queue", "table", "registry"]


def frame(symbol, file, line):
    return {"address": "0x%x" % (0x100000 + line * 16), "symbol": symbol, "file": file, "line": line, "image": None}


def edge(from_class, to_class, thread, closes, holder, acquirer):
    return {"from": from_class, "to": to_class, "fromID": None, "toID": None,
            "thread": {"id": thread, "name": "worker-%d" % (thread % 7)}, "closesCycle": closes,
            "holderStack": holder, "acquirerStack": acquirer}


def document(locks, edges):
    return {"schemaVersion": 2, "kind": "lockgraph-record",
            "process": {"pid": 4242, "executable": "/tmp/generated", "date": "2026-11-26T08:00:00Z"},
            "locks": locks, "edges": edges}


def small():
    site = "Sources/Bank/Bank.swift"
    locks = [{"id": None, "name": n, "classKey": n, "type": "TrackedMutex", "file": site, "line": l}
             for n, l in [("accounts", 4), ("audit", 5), ("ledger", 6)]]
    edges = [
        edge("accounts", "audit", 11, False, [frame("transferFunds()", site, 13), frame("main", site, 40)],
             [frame("closure #1 in transferFunds()", site, 14), frame("transferFunds()", site, 13)]),
        edge("audit", "accounts", 12, True, [frame("runAudit()", site, 22), frame("main", site, 41)],
             [frame("closure #1 in runAudit()", site, 23), frame("runAudit()", site, 22)]),
        edge("accounts", "ledger", 11, False, [frame("postEntry()", site, 30)],
             [frame("closure #1 in postEntry()", site, 31)]),
        # Same-class nesting (two ledgers, parent then child): a note, not a cycle.
        edge("ledger", "ledger", 13, False, [frame("closeMonth()", site, 50)],
             [frame("closure #1 in closeMonth()", site, 51)]),
    ]
    return document(locks, edges)


def large(classes=500, edge_count=2000, seed=18):
    rng = random.Random(seed)
    names = []
    locks = []
    for i in range(classes):
        module = MODULES[i % len(MODULES)]
        name = "%s.%s%d" % (module, KINDS[(i * 7) % len(KINDS)], i)
        file = "Sources/%s/%sStore%d.swift" % (module, module, i % 9)
        names.append(name)
        locks.append({"id": None, "name": name, "classKey": name, "type": "TrackedMutex", "file": file, "line": 10 + i % 300})
    # A lock hierarchy of 12 levels, outer locks first, as programs layer their subsystems: every
    # edge goes from a class to one on a later level, except the edges of three rings of 2, 3 and 4
    # classes on one level each (the cycles), which so are the only strongly connected components.
    order = list(range(classes))
    rng.shuffle(order)
    levels = [order[k::12] for k in range(12)]
    rings = [levels[3][:2], levels[6][:3], levels[9][:4]]
    ring_edges = [(ring[k], ring[(k + 1) % len(ring)]) for ring in rings for k in range(len(ring))]
    closing = {(ring[-1], ring[0]) for ring in rings}
    seen = set(ring_edges)
    forward = []
    while len(forward) < edge_count - len(ring_edges):
        a = rng.randrange(len(levels) - 1)
        b = min(len(levels) - 1, a + 1 + int(rng.expovariate(1 / 1.5)))
        u, v = rng.choice(levels[a]), rng.choice(levels[b])
        if (u, v) not in seen:
            seen.add((u, v))
            forward.append((u, v))
    rng.shuffle(forward)
    # Ring edges among the others, each ring's closing edge after the rest of its ring.
    for k, pair in enumerate(ring_edges):
        forward.insert(200 * (k + 1), pair)

    def stack(cls, depth, salt):
        module = names[cls].split(".")[0]
        file = "Sources/%s/%sService.swift" % (module, module)
        return [frame("%s.step%d()" % (names[cls], k) if k == 0 else "%sService.handle%d()" % (module, (salt + k) % 40),
                      file, 20 + (salt * 3 + k * 11) % 400) for k in range(depth)]

    edges = []
    for n, (u, v) in enumerate(forward):
        edges.append(edge(names[u], names[v], 100 + n % 16, (u, v) in closing,
                          stack(u, 2 + n % 4, n), stack(v, 3 + n % 3, n + 1)))
    return document(locks, edges)


def acyclic():
    graph = small()
    graph["edges"] = [e for e in graph["edges"] if not e["closesCycle"]]
    return graph


if __name__ == "__main__":
    kinds = {"small": small, "acyclic": acyclic, "large": large}
    if len(sys.argv) != 3 or sys.argv[1] not in kinds:
        sys.exit("usage: graphs.py small|acyclic|large OUT.json")
    with open(sys.argv[2], "w") as out:
        json.dump(kinds[sys.argv[1]](), out)
