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

usage: leaklens_runner.py --out DIR [--mode sample|exact|off] [--period S] [--frames N]
                          [--settle-ms MS] [--window-ms MS] -- (SCRIPT | -m MODULE) [ARGS...]
"""
import builtins
import io
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

    def dump(self, snap, name):
        path = os.path.join(self.out, name)
        snap.dump(path + ".tmp")
        os.replace(path + ".tmp", path)
        return name

    def announce(self, record):
        self.index.write(json.dumps(record) + "\n")


def sample_loop(rec, period, frames, settle, window):
    while True:
        time.sleep(period)
        # A shorter switch interval only while tracing, so the window lasts what we asked.
        old = sys.getswitchinterval()
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
        # Dumping happens untraced.
        rec.seq += 1
        names = [rec.dump(a, "w%06da.snap" % rec.seq), rec.dump(b, "w%06db.snap" % rec.seq)]
        rec.announce({"kind": "window", "seq": rec.seq, "a": names[0], "b": names[1], "t": t_b, "span": t_b - t_a})


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
