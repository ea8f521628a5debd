"""LeakLens snapshot differ: attributes tracemalloc snapshot files to source lines.

Runs in its own, untraced Python process. Reads one snapshot path per line on stdin and writes one
JSON line per snapshot on stdout: {"path", "sites": {"FILE:LINE": [bytes, count]}, "unattributed"}.
Each allocation goes to the deepest frame of its traceback that lies in the user's own files, not in
the standard library, site-packages or LeakLens itself. An allocation LeakLens's own code made (a
frame of this folder above the user's: the type census "Track allocations" runs at a debugger's stop)
is no user line's. The snapshot file is deleted once read.
Stdlib only.
"""
import json
import os
import site
import sys
import sysconfig
import tracemalloc


def excluded_prefixes():
    paths = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        p = sysconfig.get_paths().get(key)
        if p:
            paths.add(p)
    for getter in (getattr(site, "getsitepackages", None), ):
        if getter:
            paths.update(getter())
    user = getattr(site, "getusersitepackages", lambda: None)()
    if user:
        paths.add(user)
    paths.add(os.path.dirname(os.path.abspath(__file__)))
    for extra in os.environ.get("LEAKLENS_EXCLUDE", "").split(os.pathsep):
        if extra:
            paths.add(extra)
    out = set()
    for p in paths:
        out.add(os.path.join(os.path.abspath(p), ""))
        out.add(os.path.join(os.path.realpath(p), ""))
    return tuple(sorted(out))


def raw_traces(snap):
    """(size, frames most recent first) per trace; the private list is ~10x faster to walk."""
    raw = getattr(snap.traces, "_traces", None)
    if isinstance(raw, list):
        for trace in raw:  # (domain, size, frames, total_nframe)
            yield trace[1], trace[2]
    else:
        for trace in snap.traces:
            yield trace.size, [(f.filename, f.lineno) for f in reversed(trace.traceback)]


def main():
    prefixes = excluded_prefixes()
    here = os.path.dirname(os.path.abspath(__file__))
    ours = tuple({os.path.join(here, ""), os.path.join(os.path.realpath(here), "")})
    user_cache = {}

    def kind(filename):
        """1: the user's file; 2: LeakLens's own; 0: anything else (stdlib, site-packages, <string>)."""
        hit = user_cache.get(filename)
        if hit is None:
            path = os.path.abspath(filename)
            if filename.startswith("<"):
                hit = 0
            else:
                hit = 2 if path.startswith(ours) else 0 if path.startswith(prefixes) else 1
            user_cache[filename] = hit
        return hit

    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        sites = {}
        unattributed = 0
        try:
            snap = tracemalloc.Snapshot.load(path)
            for size, frames in raw_traces(snap):
                for filename, lineno in frames:
                    k = kind(filename)
                    if k == 2:  # LeakLens's own allocation (or the runner under the program): no line's
                        unattributed += size
                        break
                    if k == 1:
                        key = "%s:%d" % (os.path.abspath(filename), lineno)
                        s = sites.get(key)
                        if s is None:
                            sites[key] = [size, 1]
                        else:
                            s[0] += size
                            s[1] += 1
                        break
                else:
                    unattributed += size
            os.remove(path)
            out = {"path": path, "sites": sites, "unattributed": unattributed}
        except Exception as exc:  # a torn or missing file must not stop the stream
            out = {"path": path, "error": str(exc)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
