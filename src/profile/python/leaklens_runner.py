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


def sample_loop(rec, period, frames, settle, window):
    while True:
        time.sleep(period)
        # A shorter switch interval only while tracing, so the window lasts what we asked.
        old = sys.getswitchinterval()
        rec.lock.acquire()
        sys.setswitchinterval(0.0005)
        try:
            tracemalloc.start(frames)
            time.sleep(settle)
            a = tracemalloc.take_snapshot()
            t_a = time.time()
            time.sleep(window)
            b = tracemalloc.take_snapshot()
            t_b = time.time()
        finally:
            tracemalloc.stop()
            sys.setswitchinterval(old)
            rec.lock.release()
        # Dumping happens untraced.
        rec.seq += 1
        names = [rec.dump(a, "w%06da.snap" % rec.seq), rec.dump(b, "w%06db.snap" % rec.seq)]
        rec.announce({"kind": "window", "seq": rec.seq, "a": names[0], "b": names[1], "t": t_b, "span": t_b - t_a})


def census():
    """Bytes of the objects the garbage collector reaches plus their untracked referents (bytes,
    str, numbers, atom-only tuples and dicts, followed down), each counted once. Every loop is a C
    loop (map, filterfalse, get_referents(*objs)): about 1 ms per 10,000 objects."""
    objs = gc.get_objects()
    try:
        total = sum(map(sys.getsizeof, objs))
    except Exception:  # a user __sizeof__ that raises: count the others
        total = sum(map(_size_or_zero, objs))
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
    while True:
        t = time.time()
        record = {"kind": "heap", "t": t, "blocks": sys.getallocatedblocks()}
        if exact:
            if tracemalloc.is_tracing():
                record["bytes"] = tracemalloc.get_traced_memory()[0]
                record["source"] = "tracemalloc"
        elif budget > 0 and t >= next_census:
            with rec.lock:  # never inside a tracing window
                # CPU time of this thread: what the census takes from the program (waiting for the
                # GIL while the program runs is not a cost).
                c0 = time.thread_time()
                record["bytes"] = census()
                cost = time.thread_time() - c0
            record["source"] = "census"
            record["census_s"] = round(cost, 6)
            next_census = time.time() + max(0.0, cost / budget - period)
        rec.announce(record)
        time.sleep(period)


def exact_snapshot(rec):
    with rec.lock:
        if not tracemalloc.is_tracing():
            return
        snap = tracemalloc.take_snapshot()
        t = time.time()
        rec.seq += 1
        name = rec.dump(snap, "s%06d.snap" % rec.seq)
        rec.announce({"kind": "exact", "seq": rec.seq, "file": name, "t": t})


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

    if rest[0] == "-m":
        target, args = rest[1], rest[2:]
        sys.argv = [target] + args
        sys.path[0] = os.getcwd()
    else:
        target = os.path.abspath(rest[0])
        sys.argv = [target] + rest[1:]
        sys.path[0] = os.path.dirname(target)

    if mode == "exact":
        tracemalloc.start(int(opts["frames"]) or 25)
        threading.Thread(target=exact_loop, args=(rec, opts["period"]), daemon=True, name="leaklens").start()
    elif mode == "sample":
        frames = int(opts["frames"]) or 10
        args = (rec, opts["period"], frames, opts["settle_ms"] / 1000.0, opts["window_ms"] / 1000.0)
        threading.Thread(target=sample_loop, args=args, daemon=True, name="leaklens").start()

    if mode in ("exact", "sample"):
        budget = float(os.environ.get("LEAKLENS_HEAP_BUDGET") or 0.03)
        args = (rec, opts["period"], mode == "exact", budget)
        threading.Thread(target=heap_loop, args=args, daemon=True, name="leaklens-heap").start()

    if rest[0] == "-m":
        return rec, mode, None, target
    return rec, mode, load_script(target), None


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
