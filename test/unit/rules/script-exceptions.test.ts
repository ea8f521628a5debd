// A script's exception that nothing catches ends the process, and the process's files close with it:
// a file a script closes by hand, skipped only by such an exception, is not a leak (pexpect's chess
// examples, judged false). Each negative case has a positive twin where the exception does not end
// the process: a handler that carries on, a thread's target, library code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

const RULE = 'resource-without-context';

const logPerMove = code`
  import sys

  class Player:
      def read_until(self, child, want):
          log = open("log", "a")
          while child.pos != want:
              log.write(child.read(1))
          log.close()
          return 1

  p = Player()
  for move in sys.argv[1:]:
      p.read_until(child_for(move), move)
  `;

const raiseWhileOpen = code`
  import sys

  def load(path):
      f = open(path)
      if f.read(4) != "MAGC":
          raise SystemExit("not a model file")
      data = f.read()
      f.close()
      return data

  if __name__ == "__main__":
      while True:
          print(len(load(sys.stdin.readline().strip())))
  `;

/** A script that loads one file per request and handles ValueError with \`handler\`. */
const serveLoads = (handler: string) => code`
  import sys

  def load(path):
      f = open(path)
      data = parse(f.read())
      f.close()
      return data

  if __name__ == "__main__":
      while True:
          try:
              print(load(sys.stdin.readline().strip()))
          except ValueError as e:
              ${handler}
  `;

describe('a script whose exceptions end the process', () => {
  it('does not report a file closed by hand that only an uncaught exception skips', async () => {
    assert.deepEqual(await lines(logPerMove, 'python', RULE, 'examples/chess.py'), []);
  });

  it('does not report a raise that ends the script with a file open', async () => {
    assert.deepEqual(await lines(raiseWhileOpen, 'python', RULE, 'convert.py'), []);
  });

  it('reports it when a handler in the caller carries on to the next request', async () => {
    assert.deepEqual(await lines(serveLoads('print("skipped")'), 'python', RULE, 'convert.py'), [4]);
  });

  it('reports it when a handler around the acquisition in its own function carries on', async () => {
    const ownHandler = code`
      import sys

      def main():
          while True:
              try:
                  f = open(sys.stdin.readline().strip())
                  print(parse(f.read()))
                  f.close()
              except ValueError:
                  continue

      if __name__ == "__main__":
          main()
      `;
    assert.deepEqual(await lines(ownHandler, 'python', RULE, 'convert.py'), [6]);
  });

  it('does not count a handler that exits or re-raises as carrying on', async () => {
    assert.deepEqual(await lines(serveLoads('sys.exit(str(e))'), 'python', RULE, 'convert.py'), []);
    assert.deepEqual(await lines(serveLoads('raise'), 'python', RULE, 'convert.py'), []);
  });

  it("reports it in a thread's target: the exception ends the thread, the script goes on", async () => {
    const threaded = code`
      import socket
      import sys
      import threading

      def forward(chan, host, port):
          sock = socket.socket()
          sock.connect((host, port))
          sock.sendall(chan.recv(1024))
          sock.close()

      if __name__ == "__main__":
          while True:
              chan = accept_channel()
              threading.Thread(target=forward, args=(chan, sys.argv[1], 22)).start()
      `;
    assert.deepEqual(await lines(threaded, 'python', RULE, 'demos/forward.py'), [6]);
  });

  it('reports it in library code (no main guard): an importer may catch the exception', async () => {
    const library = code`
      def load(path):
          f = open(path)
          data = parse(f.read())
          f.close()
          return data
      `;
    assert.deepEqual(await lines(library, 'python', RULE, 'pkg/loader.py'), [2]);
  });
});
