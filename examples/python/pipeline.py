"""Modelled on seed 003's Pipeline API: the builder's cache defaults to unbounded."""
import functools
from functools import lru_cache

_step_registry = {}


def register_step(fn):
    # Filled once at import time by a decorator: a registry, not a leak.
    _step_registry[fn.__name__] = fn
    return fn


class Pipeline:
    def __init__(self, steps, cache_maxsize):
        self.steps = steps
        self.cache_maxsize = cache_maxsize
        self._cache = {}

    def apply(self, geometry, key):
        if key in self._cache:
            return self._cache[key]
        for step in self.steps:
            geometry = step(geometry)
        self._cache[key] = geometry
        return geometry

    @lru_cache(maxsize=None)
    def pipeline_key(self, t_sec):
        return tuple(s.__name__ for s in self.steps) + (t_sec,)


class PipelineBuilder:
    def __init__(self):
        self.steps = []
        self.maxsize = 128

    def add(self, step):
        self.steps.append(step)
        return self

    def cache(self, maxsize=None):
        self.maxsize = maxsize
        return self

    def build(self):
        return Pipeline(self.steps, self.maxsize)


@functools.cache
def noise_table(seed):
    return [((seed * 1103515245 + i) % 65536) / 65536 for i in range(256)]


@lru_cache(maxsize=256)
def gradient(seed):
    return noise_table(seed)[:16]


def make_pipeline():
    return PipelineBuilder().add(register_step(lambda g: g)).cache(maxsize=None).build()


_render_memo = {}


def render_frame(frame_id, params):
    key = (frame_id, params)
    if key not in _render_memo:
        _render_memo[key] = bytes(16)
    return _render_memo[key]


def local_cache(values):
    seen = {}
    for v in values:
        seen[v] = v * 2
    return seen
