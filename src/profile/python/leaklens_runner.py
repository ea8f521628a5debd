"""LeakLens runner: runs the user's Python program (runpy) and records where memory grows.

Stdlib only. Snapshots are dumped to files; a separate, untraced process (leaklens_diff.py)
attributes them to source lines, because analysing snapshots inside the traced process costs
seconds per interval.

Modes
  sample (default): tracemalloc runs only in short windows (about 1 % of the time). In each
      window snapshot A is taken after SETTLE ms and B after WINDOW more ms; B - A per line is
      that line's net growth over the window (temporaries allocated and freed cancel out).
  exact: tracemalloc runs from the start; a full snapshot is dumped every PERIOD s and at exit.
  off:   run only (RSS timeline only).

The Python heap is recorded beside, as a time series ("heap" records in index.jsonl, every PERIOD s):
  blocks  sys.getallocatedblocks(): blocks of CPython's object allocator (large objects included,
          native malloc from C code and ctypes not), cheap at every record;
  bytes   exact mode: tracemalloc's traced total. Sampling mode: a census of the objects the
          garbage collector reaches (gc.get_objects, sys.getsizeof, their untracked referents),
          taken only while its CPU cost stays under 3 % of the run (LEAKLENS_HEAP_BUDGET=0.03;
          its cost in "census_s").

usage: leaklens_runner.py --out DIR [--mode sample|exact|off] [--period S] [--frames N]
                          [--settle-ms MS] [--window-ms MS] -- (SCRIPT | -m MODULE) [ARGS...]
"""
import builtins
import collections
import gc
import io
import itertools
import json
import os
import runpy
import sys
import threading
import time
import tracemalloc
import types

_dont_write = sys.dont_write_bytecode
sys.dont_write_bytecode = True  # no __pycache__ beside the runner (the extension's folder)
import leaklens_types  # noqa: E402  (beside this file: sys.path[0] while the runner starts)

sys.dont_write_bytecode = _dont_write


def parse(argv):
    opts = {"mode": "sample", "period": 1.0, "frames": 0, "settle_ms": 4.0, "window_ms": 8.0, "out": None}
    i = 0
    while i < len(argv) and argv[i] != "--":
        key = argv[i].lstrip("-").replace("-", "_")
        if key not in opts or i + 1 >= len(argv):
            sys.exit("leaklens_runner: bad option %r" % argv[i])
        opts[key] = argv[i + 1] if key in ("mode", "out") else float(argv[i + 1])
        i += 2
    rest = argv[i + 1:]
    if not rest or not opts["out"]:
        sys.exit(__doc__)
    return opts, rest


class Recorder:
    """Writes snapshot files atomically and announces each in index.jsonl."""

    def __init__(self, out):
        self.out = out
        os.makedirs(out, exist_ok=True)
        self.index = open(os.path.join(out, "index.jsonl"), "a", buffering=1)
        self.seq = 0
        self.heap = collections.deque(maxlen=64)  # (t, bytes or None, blocks): the sampler reads it
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()

    def dump(self, snap, name):
        path = os.path.join(self.out, name)
        snap.dump(path + ".tmp")
        os.replace(path + ".tmp", path)
        return name

    def announce(self, record):
        line = json.dumps(record) + "\n"
        with self.write_lock:  # two threads announce: whole lines only
            self.index.write(line)


class Schedule:
    """How long the next tracing window lasts: as long as a cost budget allows, longer while the
    heap grows that the windows do not explain.

    Tracing slows the program's allocations K times (about 10x on allocation-heavy code with 10
    frames), so a traced share F of the wall time costs about F * BUSY * (K - 1), BUSY being the
    share of the time the program runs on the CPU (measured between windows). F is chosen to keep
    that under BUDGET (LEAKLENS_TRACE_BUDGET, 0.1): a CPU-bound program gets ~10 ms windows every
    period, a program that mostly waits (sleeps, I/O) is traced most of the time at little cost, so
    an allocation every 100 ms or every 0.5 s falls inside a window. K is measured as the CPU the
    program takes during a window over the CPU it takes between windows, when it is not CPU-bound.

    Escalation: while the heap readings (gc census bytes) keep growing and the
    windows' own net growth explains under half of it, the window is a quarter of the period, then
    half, for at most ESCALATE_S (LEAKLENS_ESCALATE_S, 4 s) of traced time plus 10 % of the
    run: a busy program that leaks slowly is traced long enough to catch its allocations."""

    K_DEFAULT = 10.0

    def __init__(self, period, settle, window, heap):
        self.period = period
        self.settle = settle
        self.min_window = window
        self.heap = heap  # the heap thread's readings: (t, bytes or None, blocks)
        self.budget = float(os.environ.get("LEAKLENS_TRACE_BUDGET") or 0.1)
        self.escalate_s = float(os.environ.get("LEAKLENS_ESCALATE_S") or 4.0)
        self.k = self.K_DEFAULT
        self.busy = 1.0
        self.escalated = 0.0  # traced seconds spent escalated
        self.grow_window = 0.0  # current escalated window (0: not escalated)
        self.explained = []  # (t, net traced growth, window span) per window
        self.start = time.monotonic()

    def cost_window(self):
        """The window the cost budget allows at the measured busy share and slowdown."""
        per_traced_s = self.busy * max(0.0, self.k - 1.0)
        share = 0.9 if per_traced_s <= 0 else min(0.9, self.budget / per_traced_s)
        return max(self.min_window, share * self.period)

    def heap_growth(self, since):
        """Bytes per second the heap (gc census) grew over the readings after `since`, when it kept
        growing (two thirds of the steps up, and overall +64 KB and +1 %); else 0. The first reading
        (taken as the runner starts, before the program's imports) is left out. Allocated blocks are
        not used: they rise for seconds while a busy program warms up, and a leak that adds blocks
        fast enough to show in them is caught by the short windows anyway."""
        ser = [(p[0], p[1]) for p in list(self.heap)[1:] if p[0] >= since and p[1] is not None]
        if len(ser) < 2:
            return 0.0
        ups = sum(1 for a, b in zip(ser, ser[1:]) if b[1] > a[1])
        rise = ser[-1][1] - ser[0][1]
        # Two readings (the census of a busy program may fit its budget only every few seconds)
        # need a clear rise: +256 KB and +5 %.
        floor = max(64 * 1024, 0.01 * ser[0][1]) if len(ser) >= 3 else max(256 * 1024, 0.05 * ser[0][1])
        if ups * 3 >= 2 * (len(ser) - 1) and rise >= floor:
            return rise / max(1e-6, ser[-1][0] - ser[0][0])
        return 0.0

    def next_window(self, busy_out):
        self.busy = min(1.0, max(0.0, busy_out))
        now = time.time()
        since = now - 6 * self.period
        window = self.cost_window()
        growth = self.heap_growth(since)
        allowance = self.escalate_s + 0.1 * (time.monotonic() - self.start)
        if growth > 0 and self.escalated < allowance:
            recent = [e for e in self.explained if e[0] >= since]
            traced = sum(e[2] for e in recent)
            caught = sum(e[1] for e in recent) / traced if traced > 0 else 0.0
            if caught < 0.5 * growth:
                self.grow_window = min(0.5 * self.period, max(2 * self.grow_window, 0.25 * self.period))
            else:
                self.grow_window = 0.0
        else:
            self.grow_window = 0.0
        if self.grow_window > window:
            self.escalated += self.grow_window
            return self.grow_window, True
        return window, False

    def measured(self, t, net, span, busy_out, busy_in):
        self.explained.append((t, net, span))
        del self.explained[:-64]
        if busy_out < 0.6 and busy_in > 0:
            # Not CPU-bound: the CPU the window took over the CPU outside it is the slowdown.
            self.k = min(30.0, max(1.5, busy_in / max(busy_out, 0.005)))
        elif busy_out >= 0.6:
            self.k = max(self.k, self.K_DEFAULT)


def sample_loop(rec, period, frames, settle, window, heap):
    sched = Schedule(period, settle, window, heap)
    gap = period
    while True:
        c0, w0 = time.process_time(), time.monotonic()
        time.sleep(gap)
        busy_out = (time.process_time() - c0) / max(1e-6, time.monotonic() - w0)
        length, escalated = sched.next_window(busy_out)
        # A shorter switch interval only while tracing, so a short window lasts what we asked.
        old = sys.getswitchinterval()
        rec.lock.acquire()
        if length < 0.1:
            sys.setswitchinterval(0.0005)
        c1, w1 = time.process_time(), time.monotonic()
        try:
            tracemalloc.start(frames)
            time.sleep(settle)
            a = tracemalloc.take_snapshot()
            m_a = tracemalloc.get_traced_memory()[0]
            t_a = time.time()
            time.sleep(length)
            b = tracemalloc.take_snapshot()
            m_b = tracemalloc.get_traced_memory()[0]
            t_b = time.time()
        finally:
            tracemalloc.stop()
            sys.setswitchinterval(old)
            rec.lock.release()
        busy_in = (time.process_time() - c1) / max(1e-6, time.monotonic() - w1)
        sched.measured(t_b, m_b - m_a, t_b - t_a, busy_out, busy_in)
        # Dumping happens untraced.
        rec.seq += 1
        names = [rec.dump(a, "w%06da.snap" % rec.seq), rec.dump(b, "w%06db.snap" % rec.seq)]
        record = {"kind": "window", "seq": rec.seq, "a": names[0], "b": names[1], "t": t_b, "span": t_b - t_a}
        # "planned": the length the schedule chose; "span" is what the wall clock saw (longer when the
        # machine is busy and the program waits for a CPU).
        record.update(
            {"busy": round(sched.busy, 3), "k": round(sched.k, 2), "escalated": escalated, "planned": round(length, 4)}
        )
        record["proc"] = proc_name()
        rec.announce(record)
        gap = max(0.1 * period, period - length - settle)


def census(on_objects=None):
    """Bytes of the objects the garbage collector reaches plus their untracked referents (bytes,
    str, numbers, atom-only tuples and dicts, followed down), each counted once. Every loop is a C
    loop (map, filterfalse, get_referents(*objs)): about 1 ms per 10,000 objects."""
    if on_objects and gc.isenabled():
        # A young collection first (under a millisecond): tuples and dicts of atoms made since the
        # last one are untracked, so counts per type do not jitter with the temporaries of the moment.
        gc.collect(0)
    objs = gc.get_objects()
    try:
        sizes = list(map(sys.getsizeof, objs)) if on_objects else None
        total = sum(sizes) if on_objects else sum(map(sys.getsizeof, objs))
    except Exception:  # a user __sizeof__ that raises: count the others
        sizes = list(map(_size_or_zero, objs)) if on_objects else None
        total = sum(sizes) if on_objects else sum(map(_size_or_zero, objs))
    seen = {}
    level = objs
    containers = (tuple, dict).__contains__
    while level:
        found = list(itertools.filterfalse(gc.is_tracked, gc.get_referents(*level)))
        seen.update(zip(map(id, found), found))
        # Untracked containers (tuples and dicts of atoms) hold more untracked objects.
        level = list(itertools.compress(found, map(containers, map(type, found))))
    seen.pop(id(seen), None)  # our own frame is among the objects: not this dict
    try:
        total += sum(map(sys.getsizeof, seen.values()))
    except Exception:
        total += sum(map(_size_or_zero, seen.values()))
    seen.clear()  # no cycle through it outlives the census
    if on_objects:  # the type census reuses this one's objects and sizes
        on_objects(objs, sizes)
    del objs, seen, level
    return total


def _size_or_zero(o):
    try:
        return sys.getsizeof(o)
    except Exception:
        return 0


def heap_loop(rec, period, exact, budget):
    """One "heap" record every PERIOD s; in sampling mode the census only when it fits the budget."""
    next_census = 0.0
    due = time.monotonic()
    # Growing types (leaklens_types): a type census at most every second, within its own budget.
    # Exact mode: the census's own allocations are traced too (several times dearer), against a program
    # tracemalloc already slows 10-50x: a 10 % share there.
    share = float(os.environ.get("LEAKLENS_TYPES_BUDGET") or (0.1 if exact else 0.02))
    tc = rec.types = leaklens_types.TypeCensus(share, __file__)
    types_cost = [0.0]

    def on_objects(objs, sizes):
        types_cost[0] = leaklens_types.types_pass(rec.announce, tc, objs, sizes)

    while True:
        t = time.time()
        record = {"kind": "heap", "t": t, "blocks": sys.getallocatedblocks()}
        if exact:
            if tracemalloc.is_tracing():
                record["bytes"] = tracemalloc.get_traced_memory()[0]
                record["source"] = "tracemalloc"
            if tc.budget > 0 and tc.due():
                with rec.lock:
                    leaklens_types.types_census(rec.announce, tc)
        elif budget > 0 and t >= next_census:
            with rec.lock:  # never inside a tracing window
                # CPU time of this thread: what the census takes from the program (waiting for the
                # GIL while the program runs is not a cost).
                record["t"] = t = time.time()  # after a window that held the lock
                c0 = time.thread_time()
                types_cost[0] = 0.0
                record["bytes"] = census(on_objects if tc.budget > 0 and tc.due() else None)
                cost = time.thread_time() - c0 - types_cost[0]
            record["source"] = "census"
            record["census_s"] = round(cost, 6)
            # The budget spaces the censuses, but never more than a second (or 10x a census) apart:
            # a heap read a few times per run has no trend of its own, and the verdict then falls
            # back on RSS, which zero-filled pages do not move.
            gap = min(cost / budget, max(1.0, 10 * cost))
            next_census = time.time() + max(0.0, gap - period)
        rec.heap.append((t, record.get("bytes"), record["blocks"]))
        rec.announce(record)
        # On a fixed beat: a census that waited for a long tracing window does not push the next
        # reading back by that much.
        due = max(due + period, time.monotonic() + 0.1 * period)
        time.sleep(due - time.monotonic())


def exact_snapshot(rec):
    with rec.lock:
        if not tracemalloc.is_tracing():
            return
        snap = tracemalloc.take_snapshot()
        t = time.time()
        rec.seq += 1
        name = rec.dump(snap, "s%06d.snap" % rec.seq)
        rec.announce({"kind": "exact", "seq": rec.seq, "file": name, "t": t, "proc": proc_name()})


def final_types(rec):
    """The last type census and chains, while the script's globals are alive (a normal exit only)."""
    tc = getattr(rec, "types", None)
    if tc is not None and tc.budget > 0:
        with rec.lock:
            try:
                leaklens_types.types_census(rec.announce, tc, final=True)
            except Exception as exc:  # never fail the user's exit
                rec.announce({"kind": "types-error", "t": time.time(), "error": str(exc)})


def exact_loop(rec, period):
    while True:
        time.sleep(period)
        exact_snapshot(rec)


def main():
    opts, rest = parse(sys.argv[1:])
    mode = opts["mode"]
    rec = Recorder(opts["out"])
    here = os.path.dirname(os.path.abspath(__file__))
    rec.announce({"kind": "meta", "pid": os.getpid(), "mode": mode, "start": time.time(), "runner": here})
    propagate(opts, mode, here)

    if rest[0] == "-m":
        target, args = rest[1], rest[2:]
        sys.argv = [target] + args
        sys.path[0] = os.getcwd()
    else:
        target = os.path.abspath(rest[0])
        sys.argv = [target] + rest[1:]
        sys.path[0] = os.path.dirname(target)

    start_threads(rec, opts, mode)

    if rest[0] == "-m":
        return rec, mode, None, target
    return rec, mode, load_script(target), None


def start_threads(rec, opts, mode):
    if mode == "exact":
        if not tracemalloc.is_tracing():  # a forked child keeps its parent's traces (its own memory)
            tracemalloc.start(int(opts["frames"]) or 25)
        threading.Thread(target=exact_loop, args=(rec, opts["period"]), daemon=True, name="leaklens").start()
    elif mode == "sample":
        frames = int(opts["frames"]) or 10
        args = (rec, opts["period"], frames, opts["settle_ms"] / 1000.0, opts["window_ms"] / 1000.0, rec.heap)
        threading.Thread(target=sample_loop, args=args, daemon=True, name="leaklens").start()

    if mode in ("exact", "sample"):
        budget = float(os.environ.get("LEAKLENS_HEAP_BUDGET") or 0.03)
        args = (rec, opts["period"], mode == "exact", budget)
        threading.Thread(target=heap_loop, args=args, daemon=True, name="leaklens-heap").start()


# Child processes. Every Python process of the target's tree is traced, each in its own folder
# OUT/p<pid>/ (index.jsonl and snapshots, as the root's): forked children (multiprocessing "fork",
# the workers the "forkserver" forks, os.fork) through an at-fork hook that starts fresh threads
# and a fresh recorder (the parent's threads do not survive fork, its locks may be held); new
# interpreters (multiprocessing "spawn", the forkserver itself, subprocess python3 ...) through a
# sitecustomize.py the runner writes to OUT/site and puts first on PYTHONPATH, which reads the
# options from LEAKLENS_CHILD. The user's own sitecustomize, if any, is still imported after ours.
# Interpreters started with -S, -E or -I skip it (RSS only).
CHILD_ENV = "LEAKLENS_CHILD"
_CHILD = {}  # {"opts", "mode", "root"} of the running process's tracer

SITECUSTOMIZE = """# Written by LeakLens: starts the LeakLens tracer in this Python process (a child of a profiled program).
import sys as _sys
_here = %r
_sys.path.insert(0, %r)
_dont_write = _sys.dont_write_bytecode
_sys.dont_write_bytecode = True  # no __pycache__ beside the runner (the extension's folder)
try:
    import leaklens_runner as _llr
    _sys.dont_write_bytecode = _dont_write
    _llr.start_child()
except Exception as _exc:
    _sys.stderr.write("leaklens: child tracer not started: %%s\\n" %% _exc)
finally:
    _sys.path[:] = [p for p in _sys.path if p not in (_here, %r)]
    import importlib.machinery as _m, importlib.util as _u
    _spec = _m.PathFinder.find_spec("sitecustomize", _sys.path)  # the user's own, further down the path
    if _spec is not None and _spec.loader is not None:
        _spec.loader.exec_module(_u.module_from_spec(_spec))
"""


def proc_name():
    """The process as the user knows it: its multiprocessing name ("SpawnProcess-1",
    "SpawnPoolWorker-2"), else the script it runs ("worker.py"), else None."""
    mp = sys.modules.get("multiprocessing.process")
    try:
        name = mp.current_process().name if mp else None
    except Exception:
        name = None
    if name not in (None, "MainProcess"):
        return name
    script = sys.argv[0] if sys.argv else ""
    return os.path.basename(script) if script.endswith(".py") else None


def propagate(opts, mode, here):
    if mode not in ("exact", "sample") or os.environ.get("LEAKLENS_CHILDREN") == "0":  # opt-out: root only
        return
    _CHILD.update({"opts": dict(opts), "mode": mode, "root": opts["out"]})
    site_dir = os.path.join(opts["out"], "site")
    os.makedirs(site_dir, exist_ok=True)
    with open(os.path.join(site_dir, "sitecustomize.py"), "w") as f:
        f.write(SITECUSTOMIZE % (site_dir, here, here))
    os.environ[CHILD_ENV] = json.dumps(_CHILD)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = site_dir + (os.pathsep + old if old else "")
    if hasattr(os, "register_at_fork"):  # not on Windows (no fork there)
        os.register_at_fork(after_in_child=_after_fork)


def _start_in_child(forked):
    opts, mode = _CHILD["opts"], _CHILD["mode"]
    if forked and mode == "sample" and tracemalloc.is_tracing():
        tracemalloc.stop()  # forked inside the parent's tracing window
    out = os.path.join(_CHILD["root"], "p%d" % os.getpid())
    opts = dict(opts, out=out)
    rec = Recorder(out)
    rec.announce(
        {"kind": "meta", "pid": os.getpid(), "ppid": os.getppid(), "mode": mode, "start": time.time(), "child": True}
    )
    start_threads(rec, opts, mode)


def _after_fork():
    if _CHILD:
        try:
            _start_in_child(True)
        except Exception as exc:  # never break the user's fork
            sys.stderr.write("leaklens: child tracer not started: %s\n" % exc)


def start_child():
    """Called by the sitecustomize.py in a new interpreter of the tree."""
    if _CHILD:
        return
    cfg = os.environ.get(CHILD_ENV)
    if not cfg:  # a copy of the site folder used outside a profile
        return
    _CHILD.update(json.loads(cfg))
    _start_in_child(False)
    if hasattr(os, "register_at_fork"):  # not on Windows (no fork there)
        os.register_at_fork(after_in_child=_after_fork)


def load_script(path):
    """Like `python path`: a fresh __main__ module that stays referenced until the runner ends."""
    main_mod = types.ModuleType("__main__")
    main_mod.__file__ = path
    main_mod.__builtins__ = builtins
    main_mod.__spec__ = None
    main_mod.__cached__ = None
    sys.modules["__main__"] = main_mod
    with io.open_code(path) as f:
        return compile(f.read(), path, "exec"), main_mod


if __name__ == "__main__":
    # The user's code runs from module level here: every runner frame on the stack is one more
    # frame tracemalloc walks on each allocation (exact mode cost grows with stack depth).
    _rec, _mode, _script, _module = main()
    try:
        if _script is None:
            runpy.run_module(_module, run_name="__main__", alter_sys=True)
        else:
            exec(_script[0], _script[1].__dict__)
    finally:
        # While the script's globals are still alive (runpy would have torn them down already).
        if _mode == "exact":
            exact_snapshot(_rec)
        final_types(_rec)
