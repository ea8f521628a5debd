"""LeakLens growing types: which types grow in count across gc censuses, and what keeps them alive.

Used by leaklens_runner.py inside the profiled interpreter, and loaded into a debuggee by the
editor's "Track allocations" (StopCensus, one census per debugger stop). Stdlib only (gc, sys);
between censuses only ids of a few instances are kept, never the objects.
"""
import collections
import gc
import itertools
import json
import operator
import os
import sys
import threading
import time
import types

class TypeCensus:
    """Growing types and what keeps them alive (gc and sys; between censuses only ids are kept).

    At most every MIN_GAP s (0.5) (and no more than LEAKLENS_TYPES_BUDGET, 2 %, of the run's CPU), the
    objects the heap census already listed are counted per type with their shallow sizes
    (sys.getsizeof). A type grows when its count rose at every census since the second (two thirds of them
    past 6; the first census is taken before the imports), rose over the last half too, and by at
    least max(8, 5 %). For the top 3, a breadth-first search over gc.get_referrers from a few
    instances that survived since the previous census (a transient local holds only the newest) up
    to a root: a module's globals, a class's __dict__, or a frame on a thread's stack. The search is
    capped (MAX_VISIT objects, MAX_DEPTH levels, a time budget); "not found" says which cap stopped it.
    Each census writes one "types" record; the last one is the report's."""

    MIN_GAP = 0.5
    MAX_VISIT = 4000
    MAX_DEPTH = 14
    MAX_FRONTIER = 200
    TOP = 3
    LISTED = 10

    def __init__(self, budget, runner_file):
        self.budget = budget
        self.history = []  # (t, {type: count}, {type: bytes})
        self.sampled = {}  # type -> ids of instances seen at the previous census
        self.chains = {}  # type -> (steps, note)
        self.next_due = 0.0  # monotonic
        self.n = 0  # censuses taken
        self.spent = 0.0
        self.start = time.monotonic()
        self.me = {os.path.abspath(__file__), os.path.abspath(runner_file)}
        # Folders whose frames and modules are not roots (a debugger's own, around StopCensus).
        self.exclude = ()

    def _ours(self, filename):
        path = os.path.abspath(filename)
        return path in self.me or (bool(self.exclude) and path.startswith(self.exclude))

    def due(self):
        return time.monotonic() >= self.next_due

    def take(self, objs, sizes, final=False):
        """Counts per type from the census's objects and sizes; emits a "types" record."""
        c0 = time.thread_time()
        counts = {}
        nbytes = {}
        get_c, get_b = counts.get, nbytes.get
        for ty, size in zip(map(type, objs), sizes):
            counts[ty] = get_c(ty, 0) + 1
            nbytes[ty] = get_b(ty, 0) + size
        # Kept by name, never by type object: the history must not keep classes alive (a program that
        # makes classes on the fly would leak them through us); classes of one name count as one.
        current = {}
        by_name, bytes_by_name = {}, {}
        for ty, n in counts.items():
            name = _type_name(ty)
            current[name] = ty
            by_name[name] = by_name.get(name, 0) + n
            bytes_by_name[name] = bytes_by_name.get(name, 0) + nbytes[ty]
        del counts, nbytes, get_c, get_b
        now = time.time()
        if final and len(self.history) > 2 and now - self.history[-1][0] < self.MIN_GAP:
            # The census at exit comes moments after the last periodic one, with nothing new since
            # (the program has ended): as a step of its own it would read as a type that stopped
            # growing. It replaces that census instead.
            self.history.pop()
        self.history.append((now, by_name, bytes_by_name))
        self.n += 1
        del self.history[2:-48]  # the first census (before imports) is not a baseline; the second is
        growing = self.growing()
        top = [g[0] for g in growing[: self.TOP]]
        # Instances of the top types: the survivors of the previous census's sample are the roots' best
        # witnesses (the newest instance may only be held by a loop variable).
        witnesses = {}
        for ty in top:
            cls = current[ty]
            inst = list(itertools.compress(objs, map(operator.is_, map(type, objs), itertools.repeat(cls))))
            before = self.sampled.get(ty, ())
            surv = [o for o in inst if id(o) in before][:8]
            witnesses[ty] = surv or inst[len(inst) // 2 :: max(1, len(inst) // 16)][:8]
            step = max(1, len(inst) // 32)
            self.sampled[ty] = set(map(id, inst[::step]))
            del inst
        for ty in list(self.sampled):
            if ty not in witnesses:
                del self.sampled[ty]
        current.clear()
        cost = time.thread_time() - c0
        # Spaced by the census's own cost (the chain searches have their own allowance below).
        self.next_due = time.monotonic() + max(self.MIN_GAP, cost / self.budget)
        return growing, witnesses, cost

    def growing(self):
        h = self.history[1:] if len(self.history) > 2 else []
        if len(h) < 4:
            return []
        first, last, mid = h[0], h[-1], h[len(h) // 2]
        out = []
        for ty, n in last[1].items():
            n0 = first[1].get(ty, 0)
            if n - n0 < max(8, 0.05 * n0) or n <= mid[1].get(ty, 0):
                continue
            series = [c[1].get(ty, 0) for c in h]
            ups = sum(1 for a, b in zip(series, series[1:]) if b > a)
            # Every step up while the series is short (temporaries alive at one census and not the
            # next make counts jitter), two thirds of them once it is longer.
            if ups < len(series) - 1 if len(series) <= 6 else ups * 3 < 2 * (len(series) - 1):
                continue
            b0 = first[2].get(ty, 0)
            out.append((ty, n - n0, last[2].get(ty, 0) - b0, n, last[2].get(ty, 0), last[0] - first[0]))
        out.sort(key=lambda g: (-g[1], -g[2]))
        return out[: self.LISTED]

    def chains_for(self, witnesses, budget_s):
        """(steps, note) per type: a referrer chain from a root to one of its witnesses."""
        out = {}
        deadline = time.monotonic() + budget_s
        for ty, objs in witnesses.items():
            left = deadline - time.monotonic()
            if not objs:
                out[ty] = ([], "no instance left to follow")
            elif left <= 0:
                out[ty] = ([], "not searched: the time budget was spent")
            else:
                out[ty] = self.chain(objs, time.monotonic() + left / max(1, len(witnesses) - len(out)))
        return out

    def roots(self):
        mods = {}
        for name, m in list(sys.modules.items()):
            d = getattr(m, "__dict__", None)
            if isinstance(m, types.ModuleType) and isinstance(d, dict):
                f = d.get("__file__")
                if self.exclude and isinstance(f, str) and os.path.abspath(f).startswith(self.exclude):
                    continue
                label = "module %s" % name
                if name == "__main__" and isinstance(f, str):
                    label += " (%s)" % os.path.basename(f)
                mods[id(d)] = label
        # A running function's locals are not visible to gc (its frame does not traverse them while it
        # runs): each frame's locals are copied into a dict of our own that stands for that frame.
        # (Reading f_locals makes CPython 3.11 keep a snapshot of them in the frame until it returns.)
        stack = {}
        snaps = []
        names = {t.ident: t.name for t in threading.enumerate()}
        for ident, f in sys._current_frames().items():
            name = names.get(ident, "thread %s" % ident)
            if name.startswith("leaklens"):
                continue
            while f is not None:
                code = f.f_code
                if code.co_flags & 1 and not self._ours(code.co_filename):  # CO_OPTIMIZED
                    try:
                        snap = dict(f.f_locals)
                    except Exception:
                        snap = None
                    if snap:
                        snaps.append(snap)
                        stack[id(snap)] = "thread %s, %s() at %s:%d" % (
                            name,
                            code.co_name,
                            os.path.basename(code.co_filename),
                            f.f_lineno,
                        )
                f = f.f_back
        self.snaps = snaps  # alive while the search runs
        return mods, stack

    def chain(self, witnesses, deadline):
        mods, stack = self.roots()
        parent = {}  # id -> child object (one step nearer the instance)
        held = {}  # id -> object: alive while searching
        for o in witnesses:
            held[id(o)] = o
        frontier = list(witnesses)
        visited = len(frontier)
        mine = {id(parent), id(held), id(witnesses), id(self.snaps)}
        found = None
        depth = 0
        why = "no root reached"
        while frontier and found is None:
            if depth >= self.MAX_DEPTH:
                why = "not found within %d steps" % self.MAX_DEPTH
                break
            if visited >= self.MAX_VISIT:
                why = "not found within %d objects" % self.MAX_VISIT
                break
            if time.monotonic() > deadline:
                why = "not found within the time budget (%d objects visited)" % visited
                break
            depth += 1
            fids = set(map(id, frontier))
            mine.add(id(frontier))
            mine.add(id(fids))
            refs = gc.get_referrers(*frontier)
            mine.add(id(refs))
            nxt = []
            mine.add(id(nxt))
            candidates = []
            for r in refs:
                rid = id(r)
                if rid in mine or rid in held:
                    continue
                # The runner's own frames hold what it is looking at; a frame off every stack (a
                # generator's, a traceback's) is followed like any object.
                if isinstance(r, types.FrameType) and self._ours(r.f_code.co_filename):
                    continue
                child = None
                for c in gc.get_referents(r):
                    if id(c) in fids:
                        child = c
                        break
                if child is None:
                    continue
                held[rid] = r
                parent[rid] = child
                visited += 1
                kind = 0 if rid in mods else 1 if isinstance(r, type) else 2 if rid in stack else None
                if kind is not None:
                    if kind != 1 or child is _type_dict(r):
                        candidates.append((kind, r))
                    continue  # never climb past a type or a module (everything refers to them)
                if isinstance(r, types.ModuleType):
                    continue
                if len(nxt) < self.MAX_FRONTIER:
                    nxt.append(r)
            if candidates:
                candidates.sort(key=lambda k: k[0])
                found = candidates[0][1]
            del refs
            frontier = nxt
            del nxt
        if found is None:
            held.clear()
            parent.clear()
            self.snaps = []
            return [], why
        nodes = [found]
        while id(nodes[-1]) in parent:
            nodes.append(parent[id(nodes[-1])])
        root = found
        steps = [mods.get(id(root)) or stack.get(id(root)) or "class %s" % _type_name(root)]
        i = 0
        while i + 1 < len(nodes):
            p, c = nodes[i], nodes[i + 1]
            if isinstance(p, type) and c is _type_dict(p):
                # class -> its __dict__: the next step names the attribute
                if i + 2 < len(nodes):
                    steps.append("%s (%s)" % (_dict_step(c, nodes[i + 2], attr=True), _type_name(type(nodes[i + 2]))))
                i += 2
                continue
            if getattr(p, "__dict__", None) is c and not isinstance(p, type) and i + 2 < len(nodes):
                steps.append("%s (%s)" % (_dict_step(c, nodes[i + 2], attr=True), _type_name(type(nodes[i + 2]))))
                i += 2
                continue
            if id(p) in stack:
                steps.append("local %s (%s)" % (_dict_step(p, c)[1:-1].strip("'"), _type_name(type(c))))
            else:
                steps.append("%s (%s)" % (_step(p, c, module=id(p) in mods), _type_name(type(c))))
            i += 1
        held.clear()
        parent.clear()
        self.snaps = []
        return steps, None


def _type_dict(t):
    for d in gc.get_referents(t):
        if isinstance(d, dict) and "__module__" in d:
            return d
    return None


def _type_name(t):
    try:
        mod = getattr(t, "__module__", None)
        name = getattr(t, "__qualname__", None) or getattr(t, "__name__", "?")
        if not isinstance(mod, str) or not isinstance(name, str):
            mod, name = None, type.__dict__["__name__"].__get__(t)
    except Exception:  # a metaclass whose attributes raise
        return type.__dict__["__name__"].__get__(t)
    return name if mod in (None, "builtins", "__main__") else "%s.%s" % (mod, name)


def _short(v):
    r = repr(v)
    return r if len(r) <= 40 else r[:37] + "..."


def _dict_step(d, child, attr=False):
    try:
        for k, v in d.items():
            if v is child:
                return ".%s" % k if attr and isinstance(k, str) else "[%s]" % _short(k)
            if k is child:
                return "key %s" % _short(k)
    except Exception:
        pass
    return "(a value)"


def _step(p, c, module=False):
    """How p refers to c, as an accessor."""
    try:
        if module or isinstance(p, dict):
            return _dict_step(p, c, attr=module)
        if isinstance(p, (list, tuple, collections.deque)):
            for i, v in enumerate(p):
                if v is c:
                    return "[%d]" % i
        if isinstance(p, (set, frozenset)):
            return "{…}"
        if isinstance(p, types.FrameType):
            for k, v in p.f_locals.items():
                if v is c:
                    return "local %s" % k
            return "(frame)"
        if isinstance(p, types.CellType):
            return ".cell_contents"
        if isinstance(p, types.MethodType):
            return ".__self__" if p.__self__ is c else ".__func__"
        d = getattr(p, "__dict__", None)
        if isinstance(d, dict):
            for k, v in d.items():
                if v is c:
                    return ".%s" % k
        for k in getattr(type(p), "__slots__", ()) or ():
            if getattr(p, k, None) is c:
                return ".%s" % k
    except Exception:
        pass
    return "via %s" % _type_name(type(p))


def types_pass(announce, tc, objs, sizes, final=False):
    """Type census from the objects of a heap census, chains for the top growing types (within the
    budget), one "types" record. Returns the CPU seconds it took."""
    c0 = time.thread_time()
    growing, witnesses, _ = tc.take(objs, sizes, final)
    del objs[:]  # the census's list refers to every object: not a root for the search below
    run_s = time.monotonic() - tc.start
    # The budget's share of the run so far (plus 0.1 s to start with); at exit at least 0.5 s, once.
    allowance = tc.budget * run_s + 0.1 - tc.spent
    if final:
        allowance = max(allowance, 0.5)
    refresh = final or tc.n % 5 == 0
    todo = {ty: w for ty, w in witnesses.items() if refresh or not tc.chains.get(ty, ([], None))[0]}
    if todo and allowance > 0:
        found = tc.chains_for(todo, min(allowance, 1.0 if final else 0.3))
        for ty, (steps, note) in found.items():
            if steps or not tc.chains.get(ty, ([], None))[0]:  # a failed refresh keeps the last chain
                tc.chains[ty] = (steps, note)
    elif todo:
        for ty in todo:
            tc.chains.setdefault(ty, ([], "not searched yet: the CPU budget was spent"))
    witnesses.clear()
    h = tc.history[1:]
    listed = []
    for ty, dn, db, n, b, span in growing:
        row = {"type": ty, "countGrowth": dn, "bytesGrowth": db, "count": n, "bytes": b}
        if ty in tc.chains:
            steps, note = tc.chains[ty]
            row["retainedBy"] = steps
            if note:
                row["note"] = note
        listed.append(row)
    cost = time.thread_time() - c0
    tc.spent += cost
    record = {"kind": "types", "t": time.time(), "final": final, "censuses": len(h), "types": listed}
    record["span_s"] = round(h[-1][0] - h[0][0], 3) if len(h) >= 2 else 0.0
    record["cost_s"] = round(tc.spent, 6)
    announce(record)
    return cost


def types_census(announce, tc, final=False):
    """A type census of its own (exact mode, and at exit)."""
    if gc.isenabled():
        gc.collect(0)  # as the heap census does: atom-only tuples and dicts of the moment untracked
    objs = gc.get_objects()
    try:
        sizes = list(map(sys.getsizeof, objs))
    except Exception:  # a user __sizeof__ that raises
        sizes = list(map(_size_or_zero, objs))
    return types_pass(announce, tc, objs, sizes, final)


def _size_or_zero(o):
    try:
        return sys.getsizeof(o)
    except Exception:
        return 0


class StopCensus:
    """Growing types between a debugger's stops ("Track allocations" in a debugpy session).

    At each stop (the program is paused: no budget to keep), the objects gc tracks are counted per
    type; the first census is the baseline. A type grows when it gained at least max(2, 5 %) since the
    baseline, rose at two stops at least and never fell: stops are where the user looks (a loop that
    leaks, then one that does not), not a steady clock, so a type that stopped growing stays listed
    while nothing it gained was freed. Types of the debugger's own modules are left out, and its
    folders are no roots. The top 3 get a referrer chain (TypeCensus's search, BUDGET_S in all).

    tracemalloc traces the census too (Track allocations started it), and every new int is a traced
    allocation (~10 us with a debugger's deep stack): counts are taken in chunks of 256 objects, so
    the running counts stay among the small ints CPython caches, and sizes only for the growing types,
    from a sample of their instances (bytes are estimates: mean shallow size x count)."""

    LISTED = 10
    BUDGET_S = 0.5
    CHUNK = 256
    SIZE_SAMPLE = 64
    DEBUGGER = ("debugpy", "pydevd", "_pydevd", "_pydev", "leaklens")

    def __init__(self, exclude=()):
        self.tc = TypeCensus(1.0, __file__)
        self.tc.exclude = tuple(os.path.join(os.path.abspath(p), "") for p in exclude)
        # O(types), not O(stops x types): the baseline, the previous census, and per type whether it
        # ever fell and how often it rose.
        self.base = None  # {name: count}
        self.prev = {}
        self.fell = set()
        self.ups = {}
        self.n = 0
        self.sampled = {}  # name -> ids of instances seen at the previous census (a tuple)
        self.t0 = time.monotonic()
        self.spent = 0.0

    def take(self):
        """One census; returns the growing types as a JSON string (the debugger's answer)."""
        c0 = time.monotonic()
        if gc.isenabled():
            gc.collect(0)  # temporaries of the moment (the debugger's own included) go first
        objs = gc.get_objects()
        counts = {}
        for start in range(0, len(objs), self.CHUNK):
            for ty, k in collections.Counter(map(type, objs[start : start + self.CHUNK])).items():
                counts[ty] = counts.get(ty, 0) + k
        n_by, by_name = {}, {}
        for ty, k in counts.items():
            mod = getattr(ty, "__module__", None)
            if isinstance(mod, str) and mod.split(".")[0].startswith(self.DEBUGGER):
                continue
            name = _type_name(ty)
            by_name[name] = ty
            n_by[name] = n_by.get(name, 0) + k
        del counts
        self.n += 1
        if self.base is None:
            self.base = n_by
        else:
            for name, k in n_by.items():
                before = self.prev.get(name, 0)
                if k > before:
                    self.ups[name] = self.ups.get(name, 0) + 1
                elif k < before:
                    self.fell.add(name)
            self.fell.update(name for name in self.prev if name not in n_by)
        self.prev = n_by
        growing = self.growing()
        rows, witnesses = [], {}
        for rank, (name, dn, k) in enumerate(growing):
            cls = by_name[name]
            inst = list(itertools.compress(objs, map(operator.is_, map(type, objs), itertools.repeat(cls))))
            step = max(1, len(inst) // self.SIZE_SAMPLE)
            sample = inst[::step]
            mean = sum(map(_size_or_zero, sample)) / max(1, len(sample))
            rows.append({"type": name, "countGrowth": dn, "bytesGrowth": int(mean * dn), "count": k})
            rows[-1]["bytes"] = int(mean * k)
            if rank < TypeCensus.TOP:
                before = self.sampled.get(name, ())
                surv = [o for o in inst if id(o) in before][:8]
                witnesses[name] = surv or inst[len(inst) // 2 :: max(1, len(inst) // 16)][:8]
                # A tuple of ints, not a set: after the next young collection gc no longer tracks it,
                # so the census's own bookkeeping never counts as a growing `set`.
                self.sampled[name] = tuple(map(id, inst[:: max(1, len(inst) // 32)]))
            del inst, sample
        del objs[:]  # the census's list refers to every object: not a root for the search
        by_name.clear()
        chains = self.tc.chains_for(witnesses, self.BUDGET_S) if witnesses else {}
        witnesses.clear()
        for row in rows:
            if row["type"] in chains:
                steps, note = chains[row["type"]]
                row["retainedBy"] = steps
                if note:
                    row["note"] = note
        self.spent += time.monotonic() - c0
        record = {"censuses": self.n, "types": rows}
        record["span_s"] = round(c0 - self.t0, 3)
        record["cost_s"] = round(self.spent, 4)
        return json.dumps(record)

    def growing(self):
        """(name, count growth, count) of the growing types, most gained first."""
        if self.n < 3:
            return []
        out = []
        for name, k in self.prev.items():
            k0 = self.base.get(name, 0)
            if k - k0 < max(2, 0.05 * k0) or name in self.fell or self.ups.get(name, 0) < 2:
                continue
            out.append((name, k - k0, k))
        out.sort(key=lambda g: -g[1])
        return out[: self.LISTED]


_STOPS = []


def stop_census(exclude=None):
    """The debugger's entry point: the census of this stop, against the first one's (kept here).
    `exclude`: folders that are no roots; by default the debugger's own (debugpy, pydevd)."""
    # The debugger's trace function stays as it is: switching it off and on made debugpy keep a copy
    # of the stopped frame's variables (a 1 MiB buffer the program had freed stayed alive).
    if not _STOPS:
        _STOPS.append(StopCensus(_debugger_dirs() if exclude is None else exclude))
    return _STOPS[0].take()


def _debugger_dirs():
    out = set()
    for name in ("debugpy", "pydevd", "_pydevd_bundle"):
        f = getattr(sys.modules.get(name), "__file__", None)
        if isinstance(f, str):
            out.add(os.path.dirname(os.path.abspath(f)))
    return sorted(out)
