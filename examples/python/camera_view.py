"""Modelled on seed 004: openpilot's CameraView created and closed in a loop."""
import socket
import subprocess
import tempfile

_open_views = []


class CameraView:
    def __init__(self, name, stream_type):
        self.name = name
        self.stream_type = stream_type
        self.buffers = [bytearray(1024) for _ in range(4)]
        _open_views.append(self)  # registered on create...

    def close(self):
        self.buffers = []  # ...but never unregistered on close


class FrameLog:
    def __init__(self, path):
        self.fh = open(path, "ab")  # closed in close(): fine

    def close(self):
        self.fh.close()


class Leaky:
    def __init__(self, path):
        self.fh = open(path, "rb")  # nothing ever closes it


def stress(n):
    for _ in range(n):
        _camera_view = CameraView("camerad", 0)
        _camera_view.close()
        del _camera_view


def read_config(path):
    f = open(path)
    data = f.read()
    f.close()
    return data


def read_config_safely(path):
    with open(path) as f:
        return f.read()


def read_with_finally(path):
    f = open(path)
    try:
        return f.read()
    finally:
        f.close()


def fetch(host):
    sock = socket.create_connection((host, 80))
    sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
    return sock.recv(1024)


def opener(path):
    # Ownership goes to the caller: not a finding.
    fh = open(path)
    return fh


def run(cmd):
    # communicate() reaps the process and closes its pipe: not a finding.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out, _ = proc.communicate()
    return out


def scratch():
    tmp = tempfile.NamedTemporaryFile()
    tmp.write(b"x")
    tmp.close()


_history = []


def record(event):
    _history.append(event)
    if len(_history) > 1000:
        _history.pop(0)
