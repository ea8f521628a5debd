"""Modelled on seed 003's render worker: results go through an unbounded multiprocessing queue."""
import multiprocessing as mp
import queue
from dataclasses import dataclass


@dataclass
class RenderPacket:
    frame_id: int
    geometry: bytes


def _render_loop(task_q, result_q, stop):
    while not stop.is_set():
        try:
            frame_id, params = task_q.get(timeout=0.1)
        except queue.Empty:
            continue
        result_q.put(RenderPacket(frame_id, bytes(1024)))


class WorkerPool:
    def __init__(self, workers=4):
        ctx = mp.get_context("spawn")
        self.task_q = ctx.Queue(maxsize=2 * workers)  # bounded: producers wait
        self.result_q = mp.Queue()  # unbounded: seed 003's backlog
        self.stop = ctx.Event()
        self.procs = [ctx.Process(target=_render_loop, args=(self.task_q, self.result_q, self.stop)) for _ in range(workers)]

    def start(self):
        for p in self.procs:
            p.start()

    def close(self):
        self.stop.set()
        for p in self.procs:
            p.join()
