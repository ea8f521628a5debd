// resource-without-context: a Python resource (file, socket, process, pool, executor, temp file, or
// any object closed by hand) bound to a name and neither used in `with` nor closed in `finally`:
// an exception between creation and close leaks it (seed 004's CameraView create/close loop).
import type { Node } from 'web-tree-sitter';
import { ensureImport, importsOf, qualify } from '../python/imports';
import { isTestModule } from '../python/test-code';
import { exceptionEndsProcess, isScript, runsBounded, runsOnce } from '../python/run-once';
import { enclosingHeaders, headerKeyword } from '../languages/python';
import { anchorFinds, defineRule, type RuleContext } from '../rule';
import { ancestors, contains, findAll, identifiersIn, wholeLineSpan } from '../tree';
import type { Fix, TextEdit } from '../types';

/** Constructors whose objects are context managers that release on exit. */
const KNOWN = new Set([
  'open',
  // Python 2's builtin `file(path, mode)`: `open` under another name (see python2File).
  'file',
  'io.open',
  'os.open',
  // A pipe to a shell command: close() waits for the child; unclosed, the pipe and a zombie stay.
  'os.popen',
  'os.fdopen',
  'socket.fromfd',
  'codecs.open',
  'gzip.open',
  'bz2.open',
  'lzma.open',
  'tarfile.open',
  'zipfile.ZipFile',
  'gzip.GzipFile',
  'socket.socket',
  'socket.create_connection',
  'socket.create_server',
  'subprocess.Popen',
  'multiprocessing.Pool',
  'multiprocessing.pool.Pool',
  'multiprocessing.pool.ThreadPool',
  'concurrent.futures.ThreadPoolExecutor',
  'concurrent.futures.ProcessPoolExecutor',
  'tempfile.NamedTemporaryFile',
  'tempfile.TemporaryFile',
  'tempfile.SpooledTemporaryFile',
  'tempfile.TemporaryDirectory',
  'urllib.request.urlopen',
  'selectors.DefaultSelector',
  'mmap.mmap',
  'requests.Session',
  'requests.sessions.Session',
  'http.client.HTTPConnection',
  'http.client.HTTPSConnection',
  'ftplib.FTP',
  'ftplib.FTP_TLS',
  'poplib.POP3',
  'poplib.POP3_SSL',
  'imaplib.IMAP4',
  'imaplib.IMAP4_SSL',
  'telnetlib.Telnet',
  'smtplib.SMTP',
  'smtplib.SMTP_SSL',
  'wave.open',
  'shelve.open',
  'dbm.open',
  'zipfile.PyZipFile',
  // aiohttp's own "Unclosed client session" / "Unclosed connector": an HTTP connection pool.
  'aiohttp.ClientSession',
  'aiohttp.client.ClientSession',
  'aiohttp.TCPConnector',
  'aiohttp.connector.TCPConnector',
  'aiohttp.UnixConnector',
  'aiohttp.connector.UnixConnector',
]);
/** Closed by `async with` only: a plain `with` raises, so no `with` fix is offered. */
const ASYNC_ONLY = /^aiohttp\./;
/**
 * Methods that return an object holding their owner's descriptor open: `sock.makefile()` (the
 * socket is not closed until every file made from it is). Not `tar.extractfile()`: a member reads
 * through the archive's own file and holds nothing itself.
 */
const RESOURCE_METHODS = new Set(['makefile']);
/** Resources whose `with` block does not close them (sqlite3 commits instead): the fix uses closing(). */
const CLOSE_NOT_ON_EXIT = new Set([
  'sqlite3.connect',
  // A log file's handler has no `with` at all; a logger it is added to closes it at exit (a hand-off).
  'logging.FileHandler',
  'logging.handlers.RotatingFileHandler',
  'logging.handlers.TimedRotatingFileHandler',
  'logging.handlers.WatchedFileHandler',
  // websocket-client's connection: a socket with close() but no `with`.
  'websocket.WebSocket',
  'websocket.create_connection',
]);
/** Objects whose close() finishes work or frees only Python memory: not resources to guard. */
const NOT_RESOURCES =
  /(^|\.)(StringIO|BytesIO|\w*(Parser|Builder|Decoder|Encoder|Compressor|Decompressor|Hash|Digest))$/;
const CLOSERS = new Set([
  'close',
  // smtplib, ftplib and poplib close their socket in quit(); imaplib in logout().
  'quit',
  'logout',
  'shutdown',
  'terminate',
  'kill',
  'cleanup',
  'release',
  'stop',
  'disconnect',
  'join',
  'wait',
  'communicate',
  'aclose',
]);
const HANDED_OFF =
  /(^|\.)(enter_context|enter_async_context|closing|aclosing|callback|push|register|finalize|append|add|put|setdefault|addCleanup|addClassCleanup|addAsyncCleanup|enterContext|enterClassContext|addfinalizer)$/;

export const resourceWithoutContext = defineRule({
  id: 'resource-without-context',
  equivalents: ['ruff:SIM115', 'pylint:consider-using-with', 'pylint:R1732'],
  summary:
    'A file, socket, process, pool or other closable object is bound to a name outside `with` and not closed in `finally`.',
  languages: ['python'],
  defaultSeverity: 'warning',
  accumulates: true,
  // The fix's indentation step, a script's `#!`, the names closed anywhere, and how many handlers
  // the file has (one elsewhere can keep a script running after an exception: run-once.ts).
  fileFacts: (text) =>
    [
      // indentUnit's answer can change only with the smallest indentation among the lines.
      (text.match(/^[ \t]+(?=\S)/gm) ?? []).reduce((a, b) => (a && a.length <= b.length ? a : b), ''),
      text.startsWith('#!'),
      text.match(/\bexcept\b/g)?.length ?? 0,
      [...new Set(Array.from(text.matchAll(CLOSER_CALL), (m) => m[1]))].sort().join(','),
    ].join('|'),
  // A file where the anchor finds no place to start has no finding.
  mayMatch: (text) => anchorFinds(resourceAnchor(text), text),
  // Every match the check can report on starts at a tracked constructor's call (under its own name
  // or an import alias), at an opener read inline, or at a name the file closes by hand: the query
  // runs around those alone, not on every `x = f(...)` of the file.
  anchor: (_language, _config, text) => resourceAnchor(text),
  query: {
    python: `(expression_statement (assignment left: [(identifier) (attribute)] @target right: (call function: [(identifier) (attribute)]) @call)) @statement
(call function: (attribute object: (call function: [(identifier) (attribute)]) @inline attribute: (identifier) @inlineMethod))
(subscript value: (call function: [(identifier) (attribute)] @tempFn) @tempCall)
(assignment left: [(pattern_list) (tuple_pattern)] @tempTargets right: (call function: [(identifier) (attribute)] @tempFn) @tempCall)`,
  },
  captures: {
    target: ['identifier', 'attribute'],
    call: 'call',
    statement: 'expression_statement',
    inline: 'call',
    inlineMethod: 'identifier',
    tempFn: ['identifier', 'attribute'],
    tempCall: 'call',
    tempTargets: ['pattern_list', 'tuple_pattern'],
  },
  check(match, ctx) {
    const inline = match.captures.get('inline');
    if (inline) return checkInline(inline, match.captures.get('inlineMethod')!, ctx);
    const tempCall = match.captures.get('tempCall');
    if (tempCall) {
      const tempFn = match.captures.get('tempFn')!;
      const targets = match.captures.get('tempTargets');
      if (qualify(tempFn, importsOf(ctx)) === 'os.pipe') return targets ? checkPipe(tempCall, targets, ctx) : undefined;
      return checkMkstemp(tempCall, tempFn, targets, ctx);
    }
    const target = match.captures.get('target')!;
    const call = match.captures.get('call')!;
    const fn = call.childForFieldName('function')!;
    const statement = match.captures.get('statement')!;
    const imports = importsOf(ctx);
    const name = qualify(fn, imports);
    if (name === 'file' && !python2File(ctx)) return;
    const known =
      ((isKnown(name) || CLOSE_NOT_ON_EXIT.has(name)) && !(fn.text === 'open' && imports.has('open'))) ||
      isContextPool(fn) ||
      (fn.type === 'attribute' && RESOURCE_METHODS.has(fn.childForFieldName('attribute')?.text ?? ''));
    // `tarfile.open(fileobj=buf)`, `GzipFile(fileobj=stream)`: wraps a file it did not open;
    // `open(1, "w", closefd=False)` wraps a descriptor it will never close.
    if (/\b(fileobj\s*=|closefd\s*=\s*False\b)/.test(call.childForFieldName('arguments')?.text ?? '')) return;
    // `wave.open(BytesIO())`, `ZipFile(infile)`: a wrapper over memory, or over the caller's file object.
    if (WRAPPERS.has(name) && wrapsBorrowedStream(call, statement)) return;
    if (target.type === 'attribute') return checkSelfAttribute(target, call, known, ctx);
    // An object of an unknown class may hold nothing but memory (fakes, progress bars, records with
    // a domain `close()`): only seed 004's create/close cycle in a loop is worth a hint.
    // A unittest.TestCase class kept in a module of its own (training/tf/parse.py) is test code too.
    const testFile = isTestModule(ctx.file) || inTestCase(statement);
    if (!known) {
      if (!testFile && closedInLoops(ctx).has(target.text) && !NOT_RESOURCES.test(name))
        checkCreateCloseLoop(statement, target.text, call, ctx);
      return;
    }
    // A script's main() or top level (and its `for` loops over its inputs): an exception there ends
    // the process, and CPython closes a dropped file as its last reference goes.
    if (isScript(ctx) && runsBounded(statement, ctx)) return;
    // A forked child's work before `os._exit()`: the process ends right after, and its descriptors with it.
    if (endsProcessAfter(statement)) return;
    const scope = functionBody(statement, ctx);
    // `nonlocal sock` / `global sock`: the name outlives this function; whoever holds it closes it.
    if (declaredOuter(scope, target.text)) return;
    // A test of the warning itself: `with self.assertWarns(ResourceWarning): sock = None` leaves it
    // unclosed on purpose.
    if (testFile && /\bResourceWarning\b/.test(scope.text)) return;
    const named = identifiersIn(scope, target.text);
    const uses = named.filter(
      (n) =>
        n.startIndex > call.endIndex &&
        !(n.parent?.type === 'attribute' && n.parent.childForFieldName('attribute')?.id === n.id),
    );
    // Rebound later: uses after that are another object. A rebinding in the else of the if that
    // created it is another path, not a later point (`if p: f = open(p) else: f = given`).
    // `with open(p) as fd:` binds the name to the new file as much as `fd = open(p)` does.
    // Nor under `if not p:` / `if p is None:`: there the first object failed or was never made.
    let beside: string[] | undefined;
    const rebound = uses.find(
      (u) =>
        ((u.parent?.type === 'assignment' && u.parent.childForFieldName('left')?.id === u.id) ||
          withTargetValue(u) !== undefined) &&
        !inOtherBranch(statement, u) &&
        !underAbsenceTest(u, () => (beside ??= [target.text, ...boundBeside(statement)])),
    );
    // `sock = ctx.wrap_socket(sock)`: the old object is handed to the call that rebinds the name.
    const reboundValue = rebound && (withTargetValue(rebound) ?? rebound.parent!.childForFieldName('right')!);
    // `f.close(); f = None` inside a try whose `finally: if f: f.close()` covers an exception before it:
    // the handlers of that try still see this object.
    const coversEarlierRaise = (u: Node) =>
      reboundValue?.type === 'none' &&
      [...ancestors(u)].some((a) => {
        if ((a.type !== 'finally_clause' && a.type !== 'except_clause') || a.parent?.type !== 'try_statement')
          return false;
        const body = a.parent.childForFieldName('body') ?? a.parent;
        return contains(body, call) && contains(body, rebound!);
      });
    const live =
      rebound && reboundValue
        ? uses.filter(
            (u) =>
              u.startIndex < rebound.startIndex ||
              (u.startIndex >= reboundValue.startIndex && u.endIndex <= reboundValue.endIndex) ||
              coversEarlierRaise(u),
          )
        : uses;
    // A close whose result is used (`return parser.close()`) finishes work rather than releasing.
    // `data = response.read()`: an HTTP response read to its end has http.client close its connection.
    const drained = (u: Node) => HTTP_RESPONSES.has(name) && readsWholeBody(u);
    const closes = live.filter(
      (u) => (closerCalled(u) !== undefined && u.parent!.parent!.parent?.type === 'expression_statement') || drained(u),
    );
    // `def unset_tracing(): debugfile.close()` then `config.add_cleanup(unset_tracing)`: a nested
    // function closes it, whenever whoever holds that function calls it.
    if (
      closes.some((c) =>
        [...ancestors(c)].some(
          (a) =>
            a.id !== scope.parent?.id &&
            /^(function_definition|lambda)$/.test(a.type) &&
            a.startIndex > scope.startIndex,
        ),
      )
    )
      return;
    // An explicit `raise` after the creation and before anything closes, returns or hands it on
    // leaves it open, whatever happens later (`fp = open(p) ... raise IOError(...) ... parse(fp)`).
    const settles = live.filter((u) => managed(u) || passedOn(u) || closerCalled(u) !== undefined || drained(u));
    const settledAt = Math.min(...settles.map((u) => u.startIndex));
    // Or after them in text, on a path that none of them is on: `if version == 2: return PackIdxV2(f)`
    // `else: raise GitError(...)` (bup's open_idx): the raise's branch never hands it on.
    const raiseBefore = testFile ? undefined : raiseWhileOpen(scope, call.endIndex, settledAt, target.text, statement);
    const raiseBeside =
      testFile || raiseBefore
        ? undefined
        : raiseWhileOpen(scope, settledAt, scope.endIndex, target.text, statement, (r) =>
            settles.every((u) => u.startIndex > r.startIndex || inOtherBranch(u, r)),
          );
    const raise = raiseBefore ?? raiseBeside;
    const first = live.find((u) => u.startIndex === settledAt);
    const stored =
      !raise && !testFile && first ? raiseAfterStoringInInit(scope, first, target.text, statement) : undefined;
    if (stored) {
      ctx.report({
        at: call,
        message: `\`${target.text}\` holds \`${fn.text}(...)\`, stored in \`${stored.attr}\`, and the \`raise\` at line ${ctx.lines.point(stored.raise.startIndex).line + 1} leaves __init__ with it open: the caller never gets the object, so nothing closes it. Close it before raising, or raise before creating it.`,
        related: [{ at: stored.raise, message: 'raised here with it open' }],
      });
      return;
    }
    if (raise) {
      if (exceptionEndsProcess(raise, ctx) || scope.type === 'module') return;
      ctx.report({
        at: call,
        message: `\`${target.text}\` holds \`${fn.text}(...)\` and the \`raise\` at line ${ctx.lines.point(raise.startIndex).line + 1} leaves it open: nothing closes it on that path. ${raiseBeside ? 'Close it before raising.' : useWith(name)}`,
        related: [{ at: raise, message: 'raised here with it open' }],
        // Handed on in another branch: a `with` would close what that branch gives away.
        fixes:
          name === 'os.open' || raiseBeside
            ? []
            : ASYNC_ONLY.test(name)
              ? []
              : withFix(ctx, statement, target.text, call, live, known && !CLOSE_NOT_ON_EXIT.has(name)),
      });
      return;
    }
    // `sock.bind(addr)` before the socket is handed on: the address in use, or a refused `connect`,
    // raises OSError, and nothing closes the socket then (tornado's TCPClient, paramiko's connect).
    const closesTarget = closesName(target.text);
    const failing =
      !testFile && closes.length === 0 && name.startsWith('socket.')
        ? live.find(
            (u) =>
              u.startIndex < settledAt &&
              SOCKET_CALLS_THAT_FAIL.has(
                u.parent?.type === 'attribute' && u.parent.parent?.type === 'call'
                  ? (u.parent.childForFieldName('attribute')?.text ?? '')
                  : '',
              ) &&
              // `bind(("", 0))`: the system picks a free port, nothing to collide with.
              !/,\s*0\s*\)\s*\)$/.test(u.parent!.parent!.text) &&
              !inClosingTry(u, scope, closesTarget) &&
              !swallowsOSError(u),
          )
        : undefined;
    if (failing && Number.isFinite(settledAt)) {
      const method = failing.parent!.childForFieldName('attribute')!.text;
      ctx.report({
        at: call,
        message: `\`${target.text}\` holds \`${fn.text}(...)\` and \`${target.text}.${method}()\` at line ${ctx.lines.point(failing.startIndex).line + 1} can raise OSError before it is handed on: nothing closes it on that path. Close it in an \`except\`, or use \`with\` until it is handed on.`,
        related: [
          { at: failing.parent!.parent!, message: 'raises OSError here (address in use, connection refused, ...)' },
        ],
      });
      return;
    }
    if (live.some((u) => managed(u))) return;
    if (name === 'subprocess.Popen') {
      // A child with no pipes whose pid is handed to code that watches and reaps it: detached on purpose.
      if (pipedStreams(call, scope).length === 0 && live.some((u) => pidHandedOn(u))) return;
      const waited = live.some((u) => closerCalled(u) === 'wait' || polledUntilExit(u));
      // communicate() reaps the process and closes its pipes.
      if (live.some((u) => closerCalled(u) === 'communicate' || givenToCommunicator(u))) return;
      // wait() or `while p.poll() is None` reaps it, but a PIPE stays open until collected.
      if (waited) {
        // In tests a process is short-lived, and so are its pipes; a script's run ends soon too.
        // Module-level code runs once, at import: its pipe is one descriptor for the process's life.
        if (testFile || scope.type === 'module' || (isScript(ctx) && runsBounded(statement, ctx))) return;
        const open = openPipes(call, target.text, scope);
        if (open.length === 0) return;
        ctx.report({
          at: call,
          message: `\`${target.text}\`'s ${open.map((p) => `\`${p}\``).join(' and ')} pipe${open.length > 1 ? 's are' : ' is'} never closed: \`wait()\` reaps the process but leaves its pipes open until the garbage collector finalizes them. Use \`with\` (or \`communicate()\`), or close ${open.length > 1 ? 'them' : 'it'}.`,
          fixes: withFix(ctx, statement, target.text, call, live, known),
        });
        return;
      }
    }
    if (closes.length === 0) {
      // Handed to other code, which may keep and close it (`FileStorage(stream)`, `Transport(sock)`).
      if (live.some((u) => passedOn(u))) return;
      // `os.dup2(si.fileno(), sys.stdin.fileno())`: opened to become the process's standard stream
      // (a daemon's redirection), which lives as long as the process.
      if (live.some((u) => dupedOnto(u))) return;
      // In tests only files and sockets: sessions, connections, pools and processes are too often
      // never connected, reaped, or shut down when the test's objects are collected.
      if (testFile && !/^(open|io\.open|socket\.\w+)$/.test(name)) return;
      // Module-level code: a script's resources live until it exits; a module's, for the process.
      if (scope.type === 'module') return;
    } else {
      // In tests only a failing assertion skips the close: the test has failed anyway.
      if (testFile) return;
      // Nothing between creation and close that can raise: a plain construct-then-close.
      if (!mayRaiseBetween(statement, closes[0])) return;
      // Only an exception skips the close, and in this script nothing catches it: the process ends.
      if (name !== 'os.open' && exceptionEndsProcess(statement, ctx)) return;
      // Module-level code runs once: the exception that skips the close ends the script or fails the
      // import, and the object goes with it.
      if (name !== 'os.open' && scope.type === 'module') return;
    }
    // A descriptor from os.open() is a plain int: no garbage collector ever closes it, and `with` cannot.
    const descriptor = name === 'os.open';
    const what = descriptor
      ? `\`${target.text}\` holds a descriptor from \`${fn.text}(...)\` and is`
      : `\`${target.text}\` holds \`${fn.text}(...)\` outside a \`with\` block and is`;
    ctx.report({
      at: call,
      message: descriptor
        ? closes.length
          ? `${what} closed (line ${ctx.lines.point(closes[0].startIndex).line + 1}) but not in \`finally\`: an exception before the close leaks it for the life of the process (a descriptor is an int; nothing collects it). Close it in \`finally\`.`
          : `${what} never closed: a descriptor is an int, so nothing collects it; it stays open for the life of the process. Close it with \`os.close()\` in \`finally\`.`
        : closes.length
          ? `${what} closed by hand (line ${ctx.lines.point(closes[0].startIndex).line + 1}) but not in \`finally\`: an exception before the close leaks it, and whatever it holds, until the garbage collector gets to it, if ever. ${useWith(name)}`
          : `${what} never closed: it stays open until the garbage collector finalizes it, never if a reference survives. ${useWith(name)}`,
      related: closes.map((c) => ({
        at: c.parent!.parent!,
        message: 'closed here, but an exception before this line skips it',
      })),
      fixes:
        name === 'os.open'
          ? []
          : ASYNC_ONLY.test(name)
            ? []
            : withFix(ctx, statement, target.text, call, live, known && !CLOSE_NOT_ON_EXIT.has(name)),
    });
  },
});

/** Constructors that wrap a file object they are given (and open a file only when given a path). */
const WRAPPERS = new Set([
  'zipfile.ZipFile',
  'tarfile.open',
  'tarfile.TarFile',
  'wave.open',
  'aifc.open',
  'sunau.open',
  'gzip.GzipFile',
  'gzip.open',
  'bz2.BZ2File',
  'bz2.open',
  'lzma.LZMAFile',
  'lzma.open',
  'io.TextIOWrapper',
  'io.BufferedReader',
  'io.BufferedWriter',
  'io.BufferedRandom',
]);
/** Parameter names that mean a file object, not a path. */
const STREAM_PARAM =
  /^(f|fo|fp|fh|fd|fobj|fileobj|file_obj|fileobject|stream|buf|buffer|raw|handle|infile|outfile|in_file|out_file|sink|source_file)$/;

/** The wrapper's first argument is an in-memory buffer or a file object the caller owns. */
function wrapsBorrowedStream(call: Node, statement: Node): boolean {
  const first = call.childForFieldName('arguments')?.namedChildren.find((a) => a?.type !== 'keyword_argument');
  if (!first) return false;
  const inMemory = (n: Node) =>
    n.type === 'call' && /(^|\.)(BytesIO|StringIO)$/.test(n.childForFieldName('function')?.text ?? '');
  if (inMemory(first)) return true;
  if (first.type !== 'identifier') return false;
  const fn = [...ancestors(statement)].find((a) => a.type === 'function_definition');
  const params = fn?.childForFieldName('parameters')?.namedChildren ?? [];
  if (params.some((p) => p && (p.childForFieldName('name')?.text ?? p.text.split(/[:=]/)[0].trim()) === first.text))
    return STREAM_PARAM.test(first.text);
  // `fp = BytesIO()` earlier in the same scope, or a file it opened itself (`zipfp = open(p, "rb")`,
  // `with open(p) as f:`): that file is the one to close, and its own finding if it is not.
  const scope = fn?.childForFieldName('body') ?? statement.parent;
  const opener = (n: Node) =>
    n.type === 'call' &&
    /(^|\.)(open|TemporaryFile|NamedTemporaryFile)$/.test(n.childForFieldName('function')?.text ?? '');
  return (
    !!scope &&
    (findAll(
      scope,
      'assignment',
      (a) =>
        a.startIndex < statement.startIndex &&
        a.childForFieldName('left')?.text === first.text &&
        !!a.childForFieldName('right') &&
        (inMemory(a.childForFieldName('right')!) || opener(a.childForFieldName('right')!)),
    ).length > 0 ||
      findAll(
        scope,
        'as_pattern',
        (a) =>
          a.startIndex < statement.startIndex &&
          a.childForFieldName('alias')?.text === first.text &&
          opener(a.namedChild(0) ?? a),
      ).length > 0)
  );
}

/** Calls that do not raise in practice (logging, printing, conversions): they do not make a close unsafe. */
// Calls that use a file or socket and keep nothing of it: the standard library's readers and
// writers of an open file (`json.dump(obj, f)`, `shutil.copyfileobj(src, dst)`), `ioctl`/`fcntl` on
// its descriptor, `select` over it.
const HARMLESS_CALL =
  /^(os\.(fstat|read|write|lseek|fsync|ftruncate|fchmod|fchown|isatty|set_inheritable|get_inheritable|sendfile|set_blocking|get_blocking)|(fcntl\.)?(ioctl|fcntl|flock|lockf)|shutil\.copyfileobj|(json|pickle|marshal|plistlib|tomllib)\.(dump|load)|yaml\.(dump|safe_dump|load|safe_load|full_load)|(select\.)?select|hashlib\.file_digest|os\.getpid|os\.getppid|print|len|str|int|float|bool|repr|isinstance|hasattr|getattr|id|type|format|sorted|list|dict|tuple|set|min|max|range|enumerate|zip|time\.\w+|(\w+\.)*(log|logger|_log|_logger|logging|LOG|LOGGER)\.(debug|info|warning|warn|error|exception|critical|log))$/;

function swallowedBefore(call: Node, close: Node): boolean {
  for (const a of ancestors(call)) {
    if (a.type !== 'try_statement' || a.endIndex > close.startIndex) continue;
    const handlers = a.namedChildren.filter((c) => c?.type === 'except_clause');
    if (handlers.length && handlers.every((h) => !/\braise\b|\breturn\b/.test(h!.text))) return true;
  }
  return false;
}

function dupedOnto(use: Node): boolean {
  const attr = use.parent;
  if (attr?.type !== 'attribute' || attr.childForFieldName('attribute')?.text !== 'fileno') return false;
  const args = attr.parent?.parent;
  const call = args?.type === 'argument_list' ? args.parent : null;
  return call?.type === 'call' && /(^|\.)dup2$/.test(call.childForFieldName('function')?.text ?? '');
}

/**
 * `try: s.connect(addr) except OSError: log(...)`: the failure is caught and the code carries on (a
 * retry loop) with the socket still in hand, so the call cannot leave with it.
 */
function swallowsOSError(use: Node): boolean {
  for (const a of ancestors(use)) {
    if (a.type === 'function_definition') break;
    if (a.type !== 'try_statement' || !contains(a.childForFieldName('body') ?? a, use)) continue;
    for (const h of a.namedChildren) {
      if (h?.type !== 'except_clause') continue;
      const body = h.namedChildren.find((c) => c?.type === 'block');
      if (/\b(raise|return)\b/.test(body?.text ?? h.text)) continue;
      const caught = h.namedChildren.find((c) => c && c.type !== 'block' && c.type !== 'comment')?.text ?? '';
      if (!caught || OS_ERRORS.test(caught)) return true;
    }
  }
  return false;
}
const OS_ERRORS =
  /\b(OSError|IOError|EnvironmentError|socket\.error|error|socket\.timeout|TimeoutError|ConnectionError|ConnectionRefusedError|Exception|BaseException)\b/;

const STRING_METHODS =
  /^(replace|format|join|strip|lstrip|rstrip|lower|upper|split|rsplit|splitlines|startswith|endswith|ljust|rjust|center|zfill|title|capitalize)$/;
const BINARY_READS = /^(read|readinto|readline|readlines)$/;
/** `f = open(path, "rb")`: the built-in open with a binary mode. */
function opensBinary(statement: Node): boolean {
  return /^\s*\w+\s*=\s*(io\.)?open\s*\([^()]*,\s*(mode\s*=\s*)?['"][rwax+]*b[rwax+]*['"]\s*\)\s*$/.test(
    statement.text,
  );
}
const LOCAL_OPS = /^(write|writelines|flush|seek|tell|truncate|fileno|settimeout|setsockopt|setblocking|getsockname)$/;

/**
 * Known resource constructors, also as a package refers to its own modules (`from . import sessions`;
 * `sessions.Session()` is `requests.sessions.Session`): a qualified name of two or more parts that
 * ends a known one.
 */
/** Openers whose file is read or written in one expression (`open(p).read()`) and then dropped. */
/** Python 2 only: `except E, e:`, a `print` statement, `import commands`. */
function python2Module(ctx: RuleContext): boolean {
  return ctx.memo('python.python2Module', () =>
    /^\s*except\s+[\w.]+\s*,\s*\w+\s*:|^\s*print\s+["'\w%]|^\s*import\s+(?:[\w, ]*,\s*)?commands\b/m.test(ctx.text),
  );
}

/**
 * Whether `file(...)` here is Python 2's builtin: the module is Python 2 (`except E, e:` or a
 * `print` statement) and binds no `file` of its own (a def, an import, a module-level assignment, a
 * parameter or keyword of that name).
 */
function python2File(ctx: RuleContext): boolean {
  return ctx.memo(
    'python.python2File',
    () =>
      python2Module(ctx) &&
      // A class body's `file = open` (paramiko's SFTPClient) binds an attribute, not the methods' name.
      !/\b(def|class|as|import|for)\s+file\b|^file\s*=[^=]|[(,]\s*file\s*[,)=:]/m.test(ctx.text),
  );
}

const INLINE_OPENERS = new Set([
  'file',
  ...[...KNOWN].filter((k) => /(^|\.)open$|ZipFile$/.test(k) && k !== 'os.open'),
  'PIL.Image.open',
]);

/**
 * `open(p).read()`, `Image.open(p).convert()`: the file is never bound, so nothing can close it; it
 * stays open until the garbage collector finalizes it (at once in CPython unless a traceback or a
 * cycle holds it; later on PyPy). Real projects fixed these (gunicorn, scrapy, Pillow, pip).
 */
function checkInline(opener: Node, method: Node, ctx: RuleContext): void {
  if (method.text === 'close' || method.text === '__enter__') return;
  const fn = opener.childForFieldName('function')!;
  const imports = importsOf(ctx);
  const name = qualify(fn, imports);
  if (name === 'file' && !python2File(ctx)) return;
  if (!INLINE_OPENERS.has(name) || (fn.text === 'open' && imports.has('open'))) return;
  if (/\b(fileobj\s*=|closefd\s*=\s*False\b)/.test(opener.childForFieldName('arguments')?.text ?? '')) return;
  // `Image.open(buff)` of a stream someone else holds (`with BytesIO(data) as buff:`): PIL opens nothing.
  if (name === 'PIL.Image.open' && readsAHeldStream(opener)) return;
  // `with open(p).fileno() ...` never happens; a `with` item's own call is the `with`'s business.
  if ([...ancestors(opener)].some((a) => a.type === 'with_item')) return;
  // Python 2 closes a temporary by reference counting at the end of its statement and has no
  // ResourceWarning to report it: what remains is hygiene nobody would change in a Python 2 module.
  if (isTestModule(ctx.file) || (isScript(ctx) && runsBounded(opener, ctx)) || python2Module(ctx)) return;
  // A module's own top level (`BLANK = open(path).read()`, spyder's templates) runs once, at import.
  if (![...ancestors(opener)].some((a) => /^(function_definition|lambda)$/.test(a.type)) && runsBounded(opener, ctx))
    return;
  // Example and sample code read inline (`open("index.html").read()` in a demo's handler): CPython
  // closes the file as the expression ends; reviewers judged 3 of the 4 seen there not worth a change
  // (eventlet's examples; the fourth, gunicorn's, "users copy examples").
  if (EXAMPLE_CODE.test(ctx.file)) return;
  ctx.report({
    at: opener,
    message:
      `\`${fn.text}(...)\` is used only for \`.${method.text}()\` and never closed: the file stays open until the ` +
      'garbage collector finalizes it (later on PyPy, or while a traceback holds the frame). Use `with`.',
  });
}

/**
 * Whether the first argument of `call` is a stream rather than a path: an in-memory buffer made there
 * (`BytesIO(data)`), or a name a `with` around the call binds (`with BytesIO(data) as buff:`,
 * `with open(p, "rb") as f:`), whose closing is that `with`'s business.
 */
function readsAHeldStream(call: Node): boolean {
  const first = call.childForFieldName('arguments')?.namedChildren[0];
  if (!first) return false;
  if (first.type === 'call' && /(^|\.)(BytesIO|StringIO)$/.test(first.childForFieldName('function')?.text ?? ''))
    return true;
  if (first.type !== 'identifier') return false;
  return [...ancestors(call)].some(
    (a) =>
      a.type === 'with_statement' &&
      findAll(a.namedChildren.find((c) => c?.type === 'with_clause') ?? a, 'as_pattern').some(
        (p) => p.childForFieldName('alias')?.text === first.text || p.lastNamedChild?.text === first.text,
      ),
  );
}

/** The body of the function around `node`, or the module at the top level. */
function functionBody(node: Node, ctx: RuleContext): Node {
  return [...ancestors(node)].find((a) => a.type === 'function_definition')?.childForFieldName('body') ?? ctx.root;
}

/**
 * `tempfile.mkstemp()` opens the file and returns its descriptor, a plain int that nothing ever closes:
 * `mkstemp()[1]` or `_, path = mkstemp()` drops it, and each call leaks one for the life of the process.
 */
function checkMkstemp(call: Node, fn: Node, targets: Node | undefined, ctx: RuleContext): void {
  if (!/^tempfile\.mkstemp$/.test(qualify(fn, importsOf(ctx)))) return;
  // A script's run ends soon, and its descriptors with it.
  if (isScript(ctx) && runsBounded(call, ctx)) return;
  let dropped: string | undefined;
  if (!targets) {
    const subscript = call.parent;
    if (subscript?.type !== 'subscript' || subscript.childForFieldName('value')?.id !== call.id) return;
    const index = subscript.childForFieldName('subscript')?.text.replace(/\s+/g, '');
    if (index !== '1' && index !== '-1') return;
    dropped = `\`${fn.text}()[${index}]\` keeps only the path`;
  } else {
    const first = targets.namedChild(0);
    if (first?.type !== 'identifier' || targets.namedChildCount !== 2) return;
    const scope = functionBody(call, ctx);
    // `_, path = mkstemp(); os.close(_)`: even a descriptor named `_` may be closed. Not by a later
    // `status, _, err = run(...)`, which only rebinds the name.
    if (identifiersIn(scope, first.text).some((n) => n.startIndex > call.endIndex && !assignedTo(n))) return;
    dropped =
      first.text === '_'
        ? `\`${fn.text}()\`'s descriptor is bound to \`_\``
        : `\`${first.text}\`, the descriptor from \`${fn.text}()\`, is never used`;
  }
  ctx.report({
    at: call,
    message: `${dropped}: the file is open and nothing closes its descriptor, an int no garbage collector finalizes. Each call leaks one for the life of the process. Close it with \`os.close()\`, or use \`NamedTemporaryFile\`.`,
  });
}

/** Calls that only use a descriptor: reading, writing, waiting on it, setting its flags. */
const FD_BORROWERS =
  /^(os\.(write|read|readv|writev|fstat|fsync|lseek|isatty|set_blocking|get_blocking|set_inheritable|get_inheritable)|fcntl\.\w+|select\.(select|poll))$/;

/**
 * `r, w = os.pipe()`: two descriptors, plain ints no garbage collector closes. An end that the
 * function only reads from, writes to or waits on, and never closes, hands on, returns or stores,
 * leaks for the life of the process on every call (pyroute2's per-request control pipe).
 */
function checkPipe(call: Node, targets: Node, ctx: RuleContext): void {
  if (targets.namedChildCount !== 2 || isTestModule(ctx.file)) return;
  if (isScript(ctx) && runsBounded(call, ctx)) return;
  const scope = functionBody(call, ctx);
  if (scope.type === 'module') return; // once, at import
  const imports = importsOf(ctx);
  for (const [i, end] of targets.namedChildren.entries()) {
    if (end?.type !== 'identifier' || end.text === '_') continue;
    const uses = identifiersIn(scope, end.text).filter((n) => n.startIndex > call.endIndex);
    if (uses.some((u) => assignedTo(u))) continue; // rebound: followed no further
    const borrowed = (u: Node) => {
      let v: Node = u;
      if (v.parent?.type === 'list' && v.parent.parent?.type === 'argument_list') v = v.parent; // select([r], ...)
      const c = v.parent?.type === 'argument_list' ? v.parent.parent : null;
      const callee = c?.type === 'call' ? c.childForFieldName('function') : null;
      return !!callee && FD_BORROWERS.test(qualify(callee, imports));
    };
    if (!uses.length || !uses.every(borrowed)) continue;
    ctx.report({
      at: call,
      message: `\`${end.text}\`, the ${i === 0 ? 'read' : 'write'} end from \`os.pipe()\`, is only used and never closed: a descriptor is an int no garbage collector finalizes, so each call leaks it for the life of the process. Close it with \`os.close()\` in \`finally\`.`,
    });
  }
}

/** `n` is (part of) an assignment's or a `for`'s target: a new binding of the name, not a use of it. */
function assignedTo(n: Node): boolean {
  let child = n;
  for (let up = n.parent; up; child = up, up = up.parent) {
    if (up.type === 'assignment' || up.type === 'augmented_assignment')
      return up.type === 'assignment' && up.childForFieldName('left')?.id === child.id;
    if (up.type === 'for_statement') return up.childForFieldName('left')?.id === child.id;
    if (!/^(pattern_list|tuple_pattern|list_pattern|parenthesized_expression)$/.test(up.type)) return false;
  }
  return false;
}

const EXAMPLE_CODE = /(^|[\\/])(examples?|samples?|demos?)[\\/]|(^|[\\/])(sample|example|demo)[-_][^\\/]*\.py$/i;

function isKnown(name: string): boolean {
  if (KNOWN.has(name)) return true;
  if (!name.includes('.')) return false;
  return KNOWN_SUFFIXES.has(name.replace(/^\.+/, ''));
}
const KNOWN_SUFFIXES = new Set(
  [...KNOWN].flatMap((k) => {
    const parts = k.split('.');
    return parts.slice(1, -1).map((_, i) => parts.slice(i + 1).join('.'));
  }),
);

/**
 * Socket methods that fail in normal operation: the address in use, the peer refusing. Not `listen()`:
 * an address in use is reported by the `bind()` before it, and a bound socket's listen does not fail.
 */
const SOCKET_CALLS_THAT_FAIL = new Set(['bind', 'connect', 'create_connection']);

/**
 * `u` inside `if not p:` or `if p is None:` (the body, not an else), p the object itself or one made
 * beside it (ansible's `stdin = os.fdopen(master)` after `p = Popen(...)` in one try; `if not p:`
 * then makes both anew): on that path the first ones failed or were never made.
 */
function underAbsenceTest(u: Node, names: () => string[]): boolean {
  for (let child: Node = u, a = u.parent; a; child = a, a = a.parent) {
    if (a.type === 'function_definition') return false;
    if (a.type !== 'if_statement' || a.childForFieldName('consequence')?.id !== child.id) continue;
    const cond = a.childForFieldName('condition')?.text.replace(/\s+/g, ' ').trim() ?? '';
    const tested = /^not ([A-Za-z_]\w*)$/.exec(cond)?.[1] ?? /^([A-Za-z_]\w*) is None$/.exec(cond)?.[1];
    if (tested && names().includes(tested)) return true;
  }
  return false;
}

/** The plain names assigned in the block holding `statement` (also in its branches, not in nested functions). */
function boundBeside(statement: Node): string[] {
  const block = statement.parent;
  if (!block) return [];
  return findAll(block, 'assignment', undefined, ['function_definition', 'lambda', 'class_definition']).flatMap((a) => {
    const left = a.childForFieldName('left');
    return left?.type === 'identifier' ? [left.text] : [];
  });
}

/** The first `raise` in `scope` between `from` and `to` (not in a nested function or an except clause). */
function raiseWhileOpen(
  scope: Node,
  from: number,
  to: number,
  name: string,
  created: Node,
  also: (raise: Node) => boolean = () => true,
): Node | undefined {
  const closesIt = closesName(name);
  return findAll(
    scope,
    'raise_statement',
    (n) =>
      n.startIndex > from &&
      n.startIndex < to &&
      !inOtherBranch(created, n) &&
      !returnsBefore(created, n) &&
      !inClosingTry(n, scope, closesIt) &&
      !inFailureCheck(n, name, from) &&
      !closedBefore(n, closesIt, from) &&
      also(n),
  )[0];
}

/**
 * `connector = TCPConnector()` ... `self._connector = connector` ... `raise ValueError(...)` in
 * `__init__`: stored on an object the caller never gets, so nothing closes it (aiohttp's
 * ClientSession before its fix). Not a raise under a test of the caller's own object (`if
 * connector._loop is not loop:` where `connector` is also a parameter), nor when `__del__` closes it.
 */
function raiseAfterStoringInInit(
  scope: Node,
  stored: Node,
  target: string,
  statement: Node,
): { raise: Node; attr: string } | undefined {
  const assign = stored.parent;
  if (assign?.type !== 'assignment' || assign.childForFieldName('right')?.id !== stored.id) return undefined;
  const attr = assign.childForFieldName('left');
  if (attr?.type !== 'attribute' || attr.childForFieldName('object')?.text !== 'self') return undefined;
  const init = [...ancestors(stored)].find((a) => a.type === 'function_definition');
  if (init?.childForFieldName('name')?.text !== '__init__') return undefined;
  const cls = [...ancestors(init)].find((a) => a.type === 'class_definition');
  const del = cls && findAll(cls, 'function_definition', (f) => f.childForFieldName('name')?.text === '__del__')[0];
  if (del && del.text.includes(attr.text)) return undefined;
  const parameter = (init.childForFieldName('parameters')?.namedChildren ?? []).some(
    (p) => (p?.type === 'identifier' ? p.text : p?.namedChildren[0]?.text) === target,
  );
  const testsCallers = (raise: Node) =>
    parameter &&
    [...ancestors(raise)].some(
      (a) => a.type === 'if_statement' && mentionsWord(a.childForFieldName('condition')?.text ?? '', target),
    );
  const raise = raiseWhileOpen(scope, assign.endIndex, scope.endIndex, target, statement, (r) => !testsCallers(r));
  return raise &&
    !closesName(attr.text).test(
      scope.text.slice(assign.endIndex - scope.startIndex, raise.startIndex - scope.startIndex),
    )
    ? { raise, attr: attr.text }
    : undefined;
}

function mentionsWord(text: string, word: string): boolean {
  return new RegExp(`(^|[^\\w.])${word}\\b`).test(text);
}

/** `self.fh.close()` then `raise OSError(msg)`: closed by a statement before the raise on its own path. */
function closedBefore(raise: Node, closesIt: RegExp, createdAt: number): boolean {
  let child: Node = raise;
  for (const a of ancestors(raise)) {
    if (a.type === 'block' || a.type === 'module')
      for (let s = child.previousNamedSibling; s && s.startIndex > createdAt; s = s.previousNamedSibling)
        if (s.type === 'expression_statement' && closesIt.test(s.text)) return true;
        // An earlier `try:` whose `finally:` closes it: every path out of that try has closed it.
        else if (
          s.type === 'try_statement' &&
          s.namedChildren.some((c) => c?.type === 'finally_clause' && closesIt.test(c.text))
        )
          return true;
    if (a.startIndex <= createdAt || a.type === 'function_definition') return false;
    child = a;
  }
  return false;
}

/**
 * `fd = os.open(p, flags)` then `if fd < 0: raise OSError(...)`: a C-style test of the resource's own
 * failure; where it holds, nothing was opened (and os.open raises instead of returning -1 anyway).
 */
/** The failure test of each name, built once: asked for every raise and call between create and close. */
const failureTests = new Map<string, RegExp>();
function inFailureCheck(raise: Node, name: string, createdAt: number): boolean {
  if (!/^[A-Za-z_][\w.\\]*$/.test(name)) return false;
  let failed = failureTests.get(name);
  if (!failed && failureTests.size > 1000) failureTests.clear(); // bounded: names differ file to file
  if (!failed)
    failureTests.set(
      name,
      (failed = new RegExp(`^(not\\s+${name}|${name}\\s*(<\\s*0|==\\s*-1|<=\\s*-1|is\\s+None|==\\s*None))$`)),
    );
  for (const a of ancestors(raise)) {
    if (a.type === 'function_definition') return false;
    // A test of the value made before it was made (`if not sock: sock = socket(...)`) is no check of it.
    if (a.type !== 'if_statement' || a.startIndex < createdAt) continue;
    const cond =
      a
        .childForFieldName('condition')
        ?.text.replace(/^\((.*)\)$/s, '$1')
        .trim() ?? '';
    const then = a.childForFieldName('consequence');
    if (failed.test(cond) && then && then.startIndex <= raise.startIndex && raise.endIndex <= then.endIndex)
      return true;
  }
  return false;
}

/**
 * `monitor_pid(p.pid)`, `self.watched[p.pid] = cb`: the child's pid handed to code that watches and
 * reaps it (kitty's child monitor). A process with no pipes then holds nothing of the parent's.
 */
function pidHandedOn(use: Node): boolean {
  const attr = use.parent;
  if (attr?.type !== 'attribute' || attr.childForFieldName('attribute')?.text !== 'pid') return false;
  const up = attr.parent;
  if (up?.type === 'argument_list') {
    const callee = up.parent?.childForFieldName('function')?.text ?? '';
    return !HARMLESS_CALL.test(callee) && !/\.(format|join|append)$/.test(callee);
  }
  // `watched[p.pid] = callback`: the pid as a key of a registry.
  return (
    up?.type === 'subscript' && up.parent?.type === 'assignment' && up.parent.childForFieldName('left')?.id === up.id
  );
}

/** The streams a `Popen(...)` call pipes: `stdout=subprocess.PIPE`, or a name set to PIPE in `scope`. */
function pipedStreams(call: Node, scope: Node): string[] {
  const args = call.childForFieldName('arguments')?.namedChildren ?? [];
  const text = scope.text;
  // `stdout=subprocess.PIPE`, or `stdout=stdout` where the function set `stdout = subprocess.PIPE`.
  const isPipe = (value: string) =>
    /^([\w.]+\.)?PIPE$/.test(value) ||
    (/^[A-Za-z_]\w*$/.test(value) &&
      new RegExp(`(^|\\n)\\s*${value}\\s*=\\s*([\\w.]+\\.)?PIPE\\s*(#|$)`, 'm').test(text));
  return args.flatMap((a) =>
    a?.type === 'keyword_argument' &&
    /^(stdin|stdout|stderr)$/.test(a.childForFieldName('name')?.text ?? '') &&
    isPipe(a.childForFieldName('value')?.text ?? '')
      ? [a.childForFieldName('name')!.text]
      : [],
  );
}

/**
 * The streams a `Popen(...)` call pipes (`stdout=subprocess.PIPE`) that `scope` never closes
 * (`p.stdout.close()`), iterates in a `with`, or hands to another process (`stdin=p.stdout`).
 */
function openPipes(call: Node, name: string, scope: Node): string[] {
  const piped = pipedStreams(call, scope);
  const text = scope.text;
  const n = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return piped.filter((stream) => {
    const use = `\\b${n}\\s*\\.\\s*${stream}\\b`;
    // `stdin = p.stdin` ... `stdin.close()`: closed through a local alias.
    const alias = new RegExp(`^\\s*([A-Za-z_]\\w*)\\s*=\\s*${use}\\s*(?:#.*)?$`, 'm').exec(text)?.[1];
    if (alias && new RegExp(`\\b${alias}\\s*\\.\\s*close\\s*\\(`).test(text)) return false;
    return !new RegExp(
      `${use}\\s*\\.\\s*close\\s*\\(|\\bwith\\s+${use}|[(,=]\\s*${use}\\s*[,)]|\\bclosing\\s*\\(\\s*${use}|\\breturn\\b[^\\n]*${use}`,
    ).test(text);
  });
}

function polledUntilExit(use: Node): boolean {
  const attr = use.parent;
  if (attr?.type !== 'attribute' || attr.childForFieldName('attribute')?.text !== 'poll') return false;
  const loop = [...ancestors(use)].find((a) => a.type === 'while_statement');
  const cond = loop?.childForFieldName('condition');
  return !!cond && cond.startIndex <= use.startIndex && use.endIndex <= cond.endIndex;
}

/**
 * A `return` that every path from `created` reaches before `later`: in some block around `created`,
 * a statement after the one holding it returns, and `later` comes after that statement (bottle's
 * reloader branch ends in `return`; the `raise` below it belongs to the other branch).
 */
function returnsBefore(created: Node, later: Node): boolean {
  let child: Node = created;
  for (let block = created.parent; block; child = block, block = block.parent) {
    if (later.startIndex >= block.startIndex && later.endIndex <= block.endIndex && block.type === 'block') {
      for (const s of block.namedChildren) {
        if (!s || s.startIndex <= child.startIndex) continue;
        if (s.startIndex >= later.startIndex) break;
        if (s.type === 'return_statement') return true;
      }
      return false;
    }
    if (block.type === 'function_definition') return false;
    if (block.type === 'block') {
      // The block around `created` ends with a return, and `later` lies outside it.
      const last = block.namedChildren[block.namedChildCount - 1];
      if (
        last?.type === 'return_statement' &&
        last.startIndex > created.startIndex &&
        later.startIndex > block.endIndex
      )
        return true;
    }
  }
  return false;
}

/** `f.close()`, or `os.close(fd)` for a descriptor from `os.open()`. */
function closesName(name: string): RegExp {
  // `self.close()` in a handler closes what the object holds (`self.p`), as its close() would.
  const own = name.startsWith('self\\.') ? `|\\bself\\s*\\.\\s*(?:${[...CLOSERS].join('|')})\\s*\\(` : '';
  // `p.stdout.close()`: a process's pipes, what a Popen holds open in the parent.
  return new RegExp(
    `\\b${name}\\s*\\.\\s*(?:(?:stdout|stderr)\\s*\\.\\s*close|${[...CLOSERS].join('|')})\\s*\\(|\\bos\\s*\\.\\s*close\\s*\\(\\s*${name}\\s*\\)${own}`,
  );
}

/** Inside a nested function, an except clause, or a try whose handlers or finally close it (`closesIt`). */
function inClosingTry(n: Node, scope: Node, closesIt: RegExp): boolean {
  return [...ancestors(n)].some(
    (a) =>
      a.startIndex > scope.startIndex &&
      (a.type === 'function_definition' ||
        a.type === 'except_clause' ||
        a.type === 'lambda' ||
        (a.type === 'try_statement' &&
          a.namedChildren.some(
            (c) =>
              (c?.type === 'except_clause' || c?.type === 'finally_clause') &&
              // Closed there, or the process ends there (`logger.error(exc); sys.exit(1)`).
              (closesIt.test(c.text) || (c.type === 'except_clause' && ENDS_PROCESS.test(c.text))),
          ))),
  );
}
const ENDS_PROCESS = /\b(sys\.exit|os\._exit|os\.abort)\s*\(|\braise\s+SystemExit\b/;

/** A call between the creation statement and the close, other than harmless ones: it may raise. */
function mayRaiseBetween(statement: Node, close: Node): boolean {
  // `close` is the receiver of the close call: its text is the resource's name. The block to search
  // is the one holding both (`if isinstance(fp, str): fp = open(fp, "wb")` ... `fp.close()` after the if).
  let body = statement.parent;
  while (body && body.endIndex < close.endIndex) body = body.parent;
  if (!body) return true;
  const own = close.text;
  for (const call of findAll(
    body,
    'call',
    // Not in an `else` of the branch that made it: on that path there is nothing to leak.
    (n) => n.startIndex >= statement.endIndex && n.endIndex <= close.startIndex && !inOtherBranch(statement, n),
  )) {
    const fn = call.childForFieldName('function');
    const text = fn?.text ?? '';
    if (HARMLESS_CALL.test(text)) continue;
    // `f.write(self.pwd.replace("\\", "/"))`: string formatting does not fail (a Path's one-argument
    // `replace(target)` renames a file, and can).
    const method = fn?.type === 'attribute' ? (fn.childForFieldName('attribute')?.text ?? '') : '';
    if (
      STRING_METHODS.test(method) &&
      (method !== 'replace' || (call.childForFieldName('arguments')?.namedChildCount ?? 0) >= 2)
    )
      continue;
    // `if fd < 0: raise OSError(...)`: where that runs, nothing was opened.
    if (inFailureCheck(call, own, statement.endIndex)) continue;
    // Inside a try whose handlers swallow the exception (no raise), control reaches the close anyway.
    if (swallowedBefore(call, close)) continue;
    // Local file operations on the resource itself (write, flush, options) do not fail in practice,
    // nor do reads of a file opened in binary mode (no decoding to fail).
    if (
      fn?.childForFieldName('object')?.text === own &&
      (LOCAL_OPS.test(method) || (BINARY_READS.test(method) && opensBinary(statement)))
    )
      continue;
    return true;
  }
  // `for data in iterator: f.write(data)` over a parameter: the caller's stream or generator runs its
  // own code at each step, and a failing read raises out of the loop (libcloud's upload from a stream).
  const fn = [...ancestors(statement)].find((a) => a.type === 'function_definition');
  const parameters = new Set(
    (fn?.childForFieldName('parameters')?.namedChildren ?? []).map((p) =>
      p?.type === 'identifier' ? p.text : (p?.childForFieldName('name') ?? p?.namedChild(0))?.text,
    ),
  );
  const overParameter = findAll(
    body,
    'for_statement',
    (n) =>
      n.startIndex >= statement.endIndex &&
      n.endIndex <= close.startIndex &&
      parameters.has(n.childForFieldName('right')?.text ?? '') &&
      !swallowedBefore(n, close),
  );
  if (overParameter.length > 0) return true;
  // A raise, or a subscript or attribute read on other data, between them (rare) is not modelled.
  return (
    findAll(
      body,
      'raise_statement',
      (n) =>
        n.startIndex >= statement.endIndex &&
        n.endIndex <= close.startIndex &&
        !inOtherBranch(statement, n) &&
        !inFailureCheck(n, own, statement.endIndex),
    ).length > 0
  );
}

/**
 * Every way on from `created` through the loop's body meets a `break` of this loop: the made
 * statement's block, or the `else` of the `try` it is made in, ends in one (before any `continue`).
 */
function breaksAfterMaking(loop: Node, created: Node): boolean {
  const body = loop.childForFieldName('body');
  if (!body) return false;
  let statement: Node | null = created;
  while (statement && statement.parent?.type !== 'block') statement = statement.parent;
  for (let n: Node | null = statement; n && n.id !== body.id; n = n.parent) {
    if (n.type !== 'block') continue;
    const owner = n.parent;
    // The made statement's own block, or a `try` whose body it is in: look at its `else` too.
    const following = [...n.namedChildren.filter((c) => c && statement && c.startIndex > statement.startIndex)];
    if (owner?.type === 'try_statement' && owner.childForFieldName('body')?.id === n.id) {
      const orElse = owner.namedChildren.find((c) => c?.type === 'else_clause');
      if (orElse) following.push(...(orElse.namedChildren.find((c) => c?.type === 'block')?.namedChildren ?? []));
    }
    for (const c of following) {
      if (!c) continue;
      if (c.type === 'break_statement') return true;
      if (c.type === 'continue_statement' || c.type === 'return_statement' || c.type === 'raise_statement')
        return false;
    }
    return false;
  }
  return false;
}

function inOtherBranch(created: Node, use: Node): boolean {
  for (const a of ancestors(created)) {
    // `try: fd = os.open(p, NOATIME) except PermissionError: fd = os.open(p)`: the handler runs
    // when the try body failed, and is another path than the one the resource was made on.
    if (a.type === 'try_statement') {
      const body = a.childForFieldName('body');
      const inBody = body && body.startIndex <= created.startIndex && created.endIndex <= body.endIndex;
      const handler = a.namedChildren.find(
        (c) => c?.type === 'except_clause' && c.startIndex <= use.startIndex && use.endIndex <= c.endIndex,
      );
      if (inBody && handler) return true;
      // Made in one handler, rebound in a sibling handler: only one of them runs.
      const own = a.namedChildren.find(
        (c) => c?.type === 'except_clause' && c.startIndex <= created.startIndex && created.endIndex <= c.endIndex,
      );
      if (own && handler && own.id !== handler.id) return true;
      continue;
    }
    // `for i in ...: try: f = open(p) ... else: break` then the loop's `else: raise`: the loop's else
    // runs only when no iteration broke out, and every iteration that opened it did.
    if ((a.type === 'for_statement' || a.type === 'while_statement') && breaksAfterMaking(a, created)) {
      const orElse = a.namedChildren.find((c) => c?.type === 'else_clause');
      if (orElse && orElse.startIndex <= use.startIndex && use.endIndex <= orElse.endIndex) return true;
    }
    if (a.type !== 'if_statement') continue;
    // The if's branches: its block, each `elif`, the `else`. Made in one, used in a later one: only
    // one of them runs.
    const branches = [
      a.childForFieldName('consequence'),
      ...a.namedChildren.filter((c) => /^(elif|else)_clause$/.test(c?.type ?? '')),
    ];
    const inside = (b: Node | null | undefined, n: Node) =>
      !!b && b.startIndex <= n.startIndex && n.endIndex <= b.endIndex;
    const own = branches.findIndex((b) => inside(b, created));
    if (own >= 0 && branches.some((b, i) => i > own && inside(b, use))) return true;
  }
  return false;
}

/** Passed as an argument to a call that may keep it (not a harmless builtin). */
const BOUND_METHODS =
  /^(write|writelines|read|readline|readlines|readinto|send|sendall|recv|recv_into|flush|close|shutdown|terminate|kill|cleanup)$/;

/** The statement's block ends with `os._exit(...)`: a forked child's last steps. */
function endsProcessAfter(statement: Node): boolean {
  const block = statement.parent;
  if (block?.type !== 'block') return false;
  const last = block.namedChildren.filter((c) => c?.type !== 'comment').pop();
  const call = last?.type === 'expression_statement' ? last.firstNamedChild : null;
  return call?.type === 'call' && call.childForFieldName('function')?.text === 'os._exit';
}

function passedOn(use: Node): boolean {
  let n: Node = use;
  // `tracer.setwriter(err.write)`: a bound method handed over keeps the object, for whoever holds it.
  // Only its I/O and closing methods: `exit(p.returncode)` passes a value read from it, not it.
  if (
    n.parent?.type === 'attribute' &&
    n.parent.childForFieldName('object')?.id === n.id &&
    n.parent.parent?.type === 'argument_list' &&
    BOUND_METHODS.test(n.parent.childForFieldName('attribute')?.text ?? '')
  )
    return true;
  // `process.redirect(stdin=proc.stdin, stdout=proc.stdout)`: a process's pipes handed to code that
  // reads, writes and closes them. Not to another `Popen(stdin=p1.stdout)`: the child gets a copy,
  // and the parent's end still wants closing.
  if (
    n.parent?.type === 'attribute' &&
    n.parent.childForFieldName('object')?.id === n.id &&
    /^(stdin|stdout|stderr)$/.test(n.parent.childForFieldName('attribute')?.text ?? '')
  ) {
    const arg = n.parent.parent?.type === 'keyword_argument' ? n.parent.parent : n.parent;
    const callee = arg.parent?.type === 'argument_list' ? arg.parent.parent?.childForFieldName('function') : null;
    if (callee && !/(^|\.)Popen$/.test(callee.text) && !HARMLESS_CALL.test(callee.text)) return true;
    // `return p.stdout`: the caller reads and closes the pipe; subprocess reaps the dropped process.
    if (arg.parent?.type === 'return_statement') return true;
  }
  // `Server(sockets=[sock])`, `run((a, f))`: inside a list, tuple or dict built for the call.
  while (n.parent && /^(list|tuple|set|dictionary|pair|parenthesized_expression)$/.test(n.parent.type)) n = n.parent;
  // `p_last = p` (a pipeline's previous stage), `self.conn = conn`, `procs[i] = p`: another name holds
  // it now, and whatever that name does with it (`p_last.communicate()`) is its close.
  if (n.parent?.type === 'assignment' && n.parent.childForFieldName('right')?.id === n.id) return true;
  if (n.parent?.type === 'keyword_argument') n = n.parent;
  if (n.parent?.type !== 'argument_list') return false;
  // `Popen(cmd, stdout=devnull)`: the child gets a copy of the descriptor; the parent's file is still
  // the parent's to close.
  if (
    n.type === 'keyword_argument' &&
    /^(stdin|stdout|stderr)$/.test(n.childForFieldName('name')?.text ?? '') &&
    /(^|\.)Popen$|^\w*subprocess\.(run|call|check_call|check_output)$/.test(
      n.parent.parent?.childForFieldName('function')?.text ?? '',
    )
  )
    return false;
  // `Parser(fp).parse()`: a temporary that reads through it and is gone; nothing keeps fp.
  if (n.parent.parent?.parent?.type === 'attribute') return false;
  const fn = n.parent.parent?.childForFieldName('function')?.text ?? '';
  return !HARMLESS_CALL.test(fn);
}

/**
 * Seed 004: `v = CameraView(...)` then `v.close()` on every iteration of a loop. Each cycle builds
 * and tears down the whole object; if its close() misses anything, every iteration leaks it.
 */
function checkCreateCloseLoop(statement: Node, name: string, call: Node, ctx: RuleContext): void {
  const block = statement.parent;
  const loop = block?.parent;
  if (!block || (loop?.type !== 'while_statement' && loop?.type !== 'for_statement')) return;
  const next = statement.nextNamedSibling;
  const callNode = next?.type === 'expression_statement' ? next.firstNamedChild : null;
  const receiver =
    callNode?.type === 'call' ? callNode.childForFieldName('function')?.childForFieldName('object') : null;
  if (!receiver || receiver.text !== name || !closerCalled(receiver)) return;
  // `worker = workers.pop()`, `conn = pool.get()`: an object taken out of a container, made before the
  // loop (a shutdown loop joining the threads start() made), not created on each iteration.
  const method = call.childForFieldName('function');
  if (method?.type === 'attribute' && TAKEN_FROM_CONTAINER.test(method.childForFieldName('attribute')?.text ?? ''))
    return;
  // `for proto_ver in [4, 5]`: a loop over a literal list runs a fixed, small number of times; nothing
  // builds up across its iterations.
  if (loop.type === 'for_statement' && overLiteralCollection(loop)) return;
  ctx.report({
    at: call,
    severity: 'info',
    message: `\`${name}\` is created and closed on every iteration: if its close() misses anything, each iteration leaks it. Create it once outside the loop, or profile the loop to check.`,
    related: [{ at: next!, message: 'closed here, then created again on the next iteration' }],
  });
}

const TAKEN_FROM_CONTAINER = /^(pop|popleft|popitem|get|get_nowait|getone|dequeue|remove|take)$/;

/** `for v in [4, 5]`, `for name in ("a", "b")`, `for i in range(3)`: iterations fixed in the source. */
function overLiteralCollection(loop: Node): boolean {
  const iterable = loop.childForFieldName('right');
  if (!iterable) return false;
  if (iterable.type === 'list' || iterable.type === 'tuple' || iterable.type === 'set') return true;
  if (iterable.type !== 'call' || iterable.childForFieldName('function')?.text !== 'range') return false;
  const args = iterable.childForFieldName('arguments')?.namedChildren ?? [];
  return args.length > 0 && args.every((a) => a?.type === 'integer');
}

/** The identifier that ends just before `at` (blanks allowed between), as `\b([A-Za-z_]\w*)\s*` would find it. */
function wordBefore(text: string, at: number): string | undefined {
  let end = at;
  while (end > 0 && /\s/.test(text[end - 1])) end--;
  let start = end;
  while (start > 0 && /\w/.test(text[start - 1])) start--;
  return start < end && /[A-Za-z_]/.test(text[start]) ? text.slice(start, end) : undefined;
}

/** Names closed by hand as a statement of a loop's body: the candidates of checkCreateCloseLoop. */
function closedInLoops(ctx: RuleContext): Set<string> {
  return ctx.memo('python.closedInLoops', () => closedInLoopBodies(ctx.text));
}

/** The last text's names: the anchor and the check both ask for them, once per file. */
let lastClosed: { text: string; names: Set<string> } | undefined;
function closedInLoopBodies(text: string): Set<string> {
  if (lastClosed?.text === text) return lastClosed.names;
  const names = new Set<string>();
  // The method first, then the name before it: a regex starting at every word is ten times slower.
  for (const m of text.matchAll(CLOSER_METHOD)) {
    const name = wordBefore(text, m.index!);
    if (!name || names.has(name)) continue;
    // `v.close()` alone on its line, whose block is a loop's body (or a block indentation cannot name).
    const lineStart = text.lastIndexOf('\n', m.index!) + 1;
    if (text.slice(lineStart, m.index!).trim() !== name) continue;
    const header = enclosingHeaders(text, lineStart).next();
    const keyword = header.done ? 'module' : headerKeyword(header.value);
    if (keyword === undefined || keyword === 'for' || keyword === 'while') names.add(name);
  }
  lastClosed = { text, names };
  return names;
}

/** The last word of every tracked constructor and method: what a call the check can report on ends with. */
const CONSTRUCTOR_WORDS = [
  ...new Set(
    [...KNOWN, ...CLOSE_NOT_ON_EXIT, ...RESOURCE_METHODS, ...INLINE_OPENERS, 'Pool', 'mkstemp', 'pipe'].map((k) =>
      k.split('.').pop()!,
    ),
  ),
];
const IMPORT_ALIAS = new RegExp(`\\b(?:${CONSTRUCTOR_WORDS.join('|')})\\s+as\\s+([A-Za-z_]\\w*)`, 'g');

/**
 * Where a match can start: a constructor's call (not a `def` of a method with its name), an alias
 * from `from subprocess import Popen as P`, or a name closed by hand being bound (`v = View()`).
 */
let lastAnchor: { text: string; anchor: RegExp } | undefined;
function resourceAnchor(text: string): RegExp {
  if (lastAnchor?.text === text) return lastAnchor.anchor;
  const aliases = Array.from(text.matchAll(IMPORT_ALIAS), (m) => m[1]);
  const calls = [...CONSTRUCTOR_WORDS, ...aliases].join('|');
  const closed = [...closedInLoopBodies(text)].join('|');
  const anchor = new RegExp(
    `\\b(?:${calls})(?<!\\bdef\\s+\\w+)\\s*\\(${closed ? `|\\b(?:${closed})\\s*(?::[^=\\n]*)?=(?!=)` : ''}`,
    'g',
  );
  lastAnchor = { text, anchor };
  return anchor;
}
const CLOSER_METHOD = new RegExp(`\\.\\s*(?:${[...CLOSERS].join('|')})\\s*\\(`, 'g');
const CLOSER_CALL = new RegExp(`\\b([A-Za-z_]\\w*)\\s*\\.\\s*(?:${[...CLOSERS].join('|')})\\s*\\(`, 'g');

function isContextPool(fn: Node): boolean {
  return fn.type === 'attribute' && /(^|\.)(ctx|context|mp_ctx|manager)\.Pool$/i.test(fn.text);
}

/** Openers of an HTTP response, which closes its own connection once its body is read to the end. */
const HTTP_RESPONSES = new Set(['urllib.request.urlopen', 'urllib2.urlopen', 'urllib.urlopen']);

/** `use.read()` with no size: the whole body. */
function readsWholeBody(use: Node): boolean {
  const attr = use.parent;
  return (
    attr?.type === 'attribute' &&
    attr.childForFieldName('object')?.id === use.id &&
    attr.childForFieldName('attribute')?.text === 'read' &&
    attr.parent?.type === 'call' &&
    attr.parent.childForFieldName('arguments')?.namedChildCount === 0
  );
}

/** `f.close()` and friends: the closing method's name when `use` is its receiver. */
function closerCalled(use: Node): string | undefined {
  // `os.close(fd)` closes a descriptor from `os.open()`.
  if (use.parent?.type === 'argument_list' && use.parent.parent?.childForFieldName('function')?.text === 'os.close')
    return 'close';
  const attr = use.parent;
  if (attr?.type !== 'attribute' || attr.childForFieldName('object')?.id !== use.id || attr.parent?.type !== 'call')
    return undefined;
  const method = attr.childForFieldName('attribute')!.text;
  return CLOSERS.has(method) ? method : undefined;
}

/** Released for sure or owned elsewhere: `with f`, closed in `finally`, returned, yielded, handed off, stored. */
/** `use` is the object whose method makes the with-item's value (`session.get(url)`). */
function methodCalledOn(use: Node, item: Node): boolean {
  const attr = use.parent;
  if (attr?.type !== 'attribute' || attr.childForFieldName('object')?.id !== use.id) return false;
  const call = attr.parent;
  if (call?.type !== 'call' || call.childForFieldName('function')?.id !== attr.id) return false;
  let value: Node | null = item.childForFieldName('value');
  if (value?.type === 'as_pattern') value = value.namedChild(0);
  return value?.id === call.id || (value?.type === 'await' && value.namedChild(0)?.id === call.id);
}

/**
 * The value of `with VALUE as name` whose target is `use`, when VALUE is another object than the one
 * the name holds (`with open(p) as fd`), not the name itself or a call on it (`with fd as f`,
 * `with fd.lock() as fd`).
 */
function withTargetValue(use: Node): Node | undefined {
  const target = use.parent;
  if (target?.type !== 'as_pattern_target' || target.parent?.type !== 'as_pattern') return undefined;
  const value = target.parent.namedChild(0);
  if (!value || value.type !== 'call') return undefined;
  const fn = value.childForFieldName('function');
  const receiver = fn?.type === 'attribute' ? fn.childForFieldName('object') : null;
  if (receiver?.text === use.text || identifiersIn(value, use.text).length > 0) return undefined;
  return value;
}

/** `nonlocal name` or `global name` among the function's own statements. */
function declaredOuter(scope: Node, name: string): boolean {
  if (scope.type === 'module') return false;
  return (
    findAll(scope, ['nonlocal_statement', 'global_statement'], (n) => n.namedChildren.some((c) => c?.text === name), [
      'function_definition',
      'lambda',
      'class_definition',
    ]).length > 0
  );
}

function managed(use: Node): boolean {
  // `fd = sock.detach()` / `finally: s.detach()`: the descriptor leaves the object, which then holds
  // nothing to close (a socket made over a borrowed descriptor gives it back this way).
  if (
    use.parent?.type === 'attribute' &&
    use.parent.childForFieldName('object')?.id === use.id &&
    use.parent.childForFieldName('attribute')?.text === 'detach' &&
    use.parent.parent?.type === 'call'
  )
    return true;
  // `return sock.close` / `cleanups.append(f.close)`: its close handed to whoever runs cleanups.
  const attr = use.parent;
  if (
    attr?.type === 'attribute' &&
    attr.childForFieldName('object')?.id === use.id &&
    attr.parent?.type !== 'call' &&
    CLOSERS.has(attr.childForFieldName('attribute')?.text ?? '')
  )
    return true;
  if (closerCalled(use)) {
    const path = [...ancestors(use)];
    if (path.some((a) => a.type === 'finally_clause')) return true;
    // `except: x.close(); raise`: closed on the error path, handed on on the success path.
    const handler = path.find((a) => a.type === 'except_clause');
    if (handler && findAll(handler, 'raise_statement').length > 0) return true;
  }
  for (const a of ancestors(use)) {
    // `with f:`, `with closing(f)`, `with TextIOWrapper(f)`: the block's exit closes it. Not `with
    // session.get(url) as resp:` or `with conn.cursor() as cur:`: that closes what its method made.
    // `with open(q) as f:` in another branch or a later pass binds the name to a new file: it closes
    // that one, not this.
    if (a.type === 'with_item') return !methodCalledOn(use, a) && withTargetValue(use) === undefined;
    // `return f` / `yield f` / `return f, meta`: the object itself goes to the caller (not `return f.read()`).
    if (
      (a.type === 'return_statement' || a.type === 'yield') &&
      (use.parent?.id === a.id || (use.parent?.type === 'expression_list' && use.parent.parent?.id === a.id))
    )
      return true;
    // `return name, f, mime` / `return {"file": f}`: returned inside a tuple, list or dict.
    if (
      (a.type === 'return_statement' || a.type === 'yield') &&
      /^(tuple|list|dictionary|pair|parenthesized_expression|expression_list)$/.test(use.parent?.type ?? '') &&
      [...ancestors(use)].every(
        (x) =>
          x.id === a.id ||
          x.startIndex < a.startIndex ||
          /^(tuple|list|dictionary|pair|parenthesized_expression|expression_list)$/.test(x.type),
      )
    )
      return true;
    if (a.type === 'finally_clause' && closerCalled(use)) return true;
    if (
      a.type === 'call' &&
      HANDED_OFF.test(a.childForFieldName('function')?.text ?? '') &&
      a.childForFieldName('arguments')!.startIndex <= use.startIndex
    )
      return true;
    if (
      a.type === 'assignment' &&
      a.childForFieldName('right') &&
      a.childForFieldName('right')!.startIndex <= use.startIndex
    ) {
      const left = a.childForFieldName('left')!;
      if (left.type === 'attribute' || left.type === 'subscript') return true; // stored on an object
    }
    if (a.type === 'block' || a.type === 'module') break;
  }
  // `self.f = f` / `d[k] = f` / `fs.append(f)` as a whole statement
  const parent = use.parent;
  return parent?.type === 'argument_list' && HANDED_OFF.test(parent.parent?.childForFieldName('function')?.text ?? '');
}

/**
 * `process_communicate_or_kill(p)`: a helper named for communicate() is given the process, and
 * communicates with it (youtube-dl's utils), which reaps it and closes its pipes.
 */
function givenToCommunicator(use: Node): boolean {
  const call = use.parent?.type === 'argument_list' ? use.parent.parent : null;
  const fn = call?.type === 'call' ? call.childForFieldName('function') : null;
  const name = fn?.type === 'attribute' ? fn.childForFieldName('attribute')?.text : fn?.text;
  return !!name && /communicate/i.test(name);
}

/** `self.f = open(...)`: fine when the class closes `self.f` somewhere (its close/__exit__/__del__). */
function checkSelfAttribute(target: Node, call: Node, known: boolean, ctx: RuleContext): void {
  if (!known || target.childForFieldName('object')?.text !== 'self') return;
  // A test's fixture object lives for one test; its pools and connections go with it.
  if (isTestModule(ctx.file)) return;
  const cls = [...ancestors(target)].find((a) => a.type === 'class_definition');
  if (!cls) return;
  const attr = target.text;
  // Opened in __init__, then __init__ raises: the caller never gets the object, so nothing ever
  // closes it (its close() or __exit__ can't be called), whatever the class does later.
  const method = [...ancestors(target)].find((a) => a.type === 'function_definition');
  if (method?.childForFieldName('name')?.text === '__init__') {
    const body = method.childForFieldName('body')!;
    const raise = raiseWhileOpen(
      body,
      call.endIndex,
      body.endIndex,
      attr.replace(/\./g, '\\.'),
      target.parent!.parent ?? target,
    );
    if (raise) {
      ctx.report({
        at: call,
        message: `\`${attr}\` holds \`${call.childForFieldName('function')!.text}(...)\`, and the \`raise\` at line ${ctx.lines.point(raise.startIndex).line + 1} leaves __init__ with it open: the caller never gets the object, so nothing closes it. Close it before raising.`,
        related: [{ at: raise, message: 'raised here with it open' }],
      });
      return;
    }
  }
  // A base class (other than object) may close it; `getattr(self, name).close()` loops in teardown do.
  const bases = cls.childForFieldName('superclasses')?.namedChildren.filter((b) => b && b.text !== 'object') ?? [];
  if (bases.length > 0 || /getattr\(\s*self\b[^)]*\)\s*\.\s*close\s*\(/.test(cls.text)) return;
  // Closed (or handed on) anywhere in the class: its close()/__exit__/__del__ owns it. Read from the
  // class's text: walking every attribute node of a large class per match was this rule's hot spot.
  const a = attr.replace(/\./g, '\\.');
  const closes = new RegExp(
    `\\b${a}\\s*\\.\\s*(?:${[...CLOSERS].join('|')})\\b|\\bwith\\s+${a}\\b|[(,]\\s*${a}\\s*[),]|\\breturn\\s+${a}\\s*$`,
    'm',
  );
  if (closedOrHandedOn(closes, cls.text)) return;
  // `file = self.file` and then `file.close()` (distutils' TextFile.close): closed through a local copy.
  for (const m of cls.text.matchAll(new RegExp(`^\\s*([A-Za-z_]\\w*)\\s*=\\s*${a}\\s*$`, 'gm')))
    if (new RegExp(`\\b${m[1]}\\s*\\.\\s*(?:${[...CLOSERS].join('|')})\\s*\\(`).test(cls.text)) return;
  // A subclass in this file closes it (`AsyncPipeBase` leaves it to each `do_reading()`).
  const name = cls.childForFieldName('name')!.text;
  const subclasses = findAll(ctx.root, 'class_definition', (c) =>
    (c.childForFieldName('superclasses')?.namedChildren ?? []).some((b) => b?.text.split('.').pop() === name),
  );
  if (subclasses.some((c) => closedOrHandedOn(closes, c.text))) return;
  // A mixin is never used alone: the class it is mixed into closes what it opens (getmail6's
  // POP3initMixIn opens `self.conn`, POP3RetrieverBase.quit() closes it, in another module).
  if (/Mix[Ii]n$/.test(name)) return;
  // A script's own object, made once per run (`examples/`, a program without an extension): its
  // attributes go with the process.
  if (runsOnce(call, ctx)) return;
  ctx.report({
    at: call,
    message: `\`${attr}\` holds \`${call.childForFieldName('function')!.text}(...)\`, but class \`${cls.childForFieldName('name')!.text}\` never closes it: every instance leaks it. Close it in a close()/__exit__ method.`,
  });
}

/**
 * Whether a match of `closes` in the class closes or hands the attribute on. Given to a `with` item's
 * call (`with catching_logs(self.handler, level=...)`), it is lent for the block, unless the call is
 * one that closes what it is given (`closing(...)`, a stream wrapper).
 */
function closedOrHandedOn(closes: RegExp, text: string): boolean {
  for (const m of text.matchAll(new RegExp(closes.source, 'gm'))) {
    if (!/^[(,]/.test(m[0])) return true;
    const lineStart = text.lastIndexOf('\n', m.index!) + 1;
    const before = text.slice(lineStart, m.index! + 1);
    if (!/^\s*(async\s+)?with\b/.test(before)) return true;
    const callee = /([A-Za-z_][\w.]*)\s*\([^()]*$/.exec(before)?.[1] ?? '';
    if (/(^|\.)(closing|aclosing|\w*Wrapper|Buffered\w+|ZipFile|TarFile|GzipFile|open)$/.test(callee)) return true;
  }
  return false;
}

/** Inside a `unittest.TestCase` (or another `*TestCase`) class. */
function inTestCase(node: Node): boolean {
  return [...ancestors(node)].some(
    (a) => a.type === 'class_definition' && /\b\w*TestCase\b/.test(a.childForFieldName('superclasses')?.text ?? ''),
  );
}

/** What to write instead: `with`, or `with contextlib.closing(...)` for what `with` alone does not close. */
function useWith(name: string): string {
  if (ASYNC_ONLY.test(name)) return 'Use `async with`, or `await` its `close()` in `finally`.';
  return CLOSE_NOT_ON_EXIT.has(name) ? 'Use `with contextlib.closing(...)`.' : 'Use `with`.';
}

/** Turns `x = f(...)` + its uses in the same block into `with f(...) as x:` over those statements. */
function withFix(ctx: RuleContext, statement: Node, name: string, call: Node, uses: Node[], known: boolean): Fix[] {
  const block = statement.parent;
  if (!block || (block.type !== 'block' && block.type !== 'module')) return [];
  const siblings = block.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');
  const first = siblings.findIndex((s) => s.id === statement.id);
  let last = first;
  for (const use of uses) {
    const i = siblings.findIndex((s) => s.startIndex <= use.startIndex && use.endIndex <= s.endIndex);
    if (i < 0) return []; // used outside this block: the with-block cannot cover it
    last = Math.max(last, i);
  }
  const body = siblings.slice(first + 1, last + 1);
  if (body.some((s) => findAll(s, 'string', (n) => n.startPosition.row !== n.endPosition.row).length)) return [];
  const eol = ctx.lines.eol();
  const lineStart = ctx.text.lastIndexOf('\n', statement.startIndex - 1) + 1;
  const indent = ctx.text.slice(lineStart, statement.startIndex);
  if (indent.trim() !== '') return [];
  const unit = ctx.memo('python.indentUnit', () => indentUnit(ctx.text));
  // Manual closes of `name` at the top level of the block go: the with-block closes it.
  const dropped: Array<{ start: number; end: number }> = [];
  for (const s of body) {
    const callNode = s.type === 'expression_statement' ? s.firstNamedChild : null;
    const receiver =
      callNode?.type === 'call' ? callNode.childForFieldName('function')?.childForFieldName('object') : null;
    if (receiver && receiver.text === name && closerCalled(receiver)) {
      const line = wholeLineSpan(ctx.text, s);
      if (!line) return [];
      dropped.push(line);
    }
  }
  const end = body.length ? body[body.length - 1].endIndex : statement.endIndex;
  const manager = known ? call.text : `contextlib.closing(${call.text})`;
  let out = `${indent}with ${manager} as ${name}:`;
  let hasCode = false;
  // Re-indent every line after the assignment, up to the last use, one step deeper.
  const rest = ctx.text.slice(statement.endIndex, end);
  let offset = statement.endIndex;
  rest.split('\n').forEach((line, i) => {
    const at = offset;
    offset += line.length + 1;
    if (i === 0) {
      out += line.replace(/\r$/, '');
      return;
    }
    if (dropped.some((d) => d.start <= at && at < d.end)) return;
    const clean = line.replace(/\r$/, '');
    if (clean.trim() === '') {
      out += eol;
      return;
    }
    out += eol + unit + clean;
    if (!clean.trim().startsWith('#')) hasCode = true;
  });
  if (!hasCode) out += `${eol}${indent}${unit}pass`;
  const edits: TextEdit[] = [{ start: lineStart, end, newText: out }];
  if (!known) edits.push(...ensureImport(ctx, 'contextlib'));
  return [
    {
      title: known
        ? `Use \`with ${shorten(call.text)} as ${name}:\``
        : `Use \`with contextlib.closing(...) as ${name}:\``,
      isPreferred: true,
      applicability: 'safe',
      edits,
    },
  ];
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** The file's indentation step: the smallest indentation of any indented line, else four spaces. */
function indentUnit(text: string): string {
  let best: string | undefined;
  for (const m of text.matchAll(/\n([ \t]+)\S/g)) if (!best || m[1].length < best.length) best = m[1];
  return best ?? '    ';
}
