// What C and C++ statements do to a resource held in a local variable: released, handed on
// (returned, stored in a field, global, container or out-parameter, adopted by a call that keeps
// it), re-acquired, or only used. Shared by the rules that track C resources and C++ `new`.
import { dirname, resolve, sep } from 'node:path';
import type { Node } from 'web-tree-sitter';
import { languageOfPath } from '../parser';
import type { ProjectSources } from '../project';
import type { ResourcePair } from '../resources';
import { ancestors, argumentsOf, callArguments, contains, findAll } from '../tree';
import type { CfgBlock, CfgLanguage, EdgeKind } from './cfg';
import type { Effect, PathFacts } from './lifetime';

/**
 * Calls after which control never returns: the process ends (or jumps away), nothing leaks. An exec
 * replaces the program, which inherits the descriptors on purpose; if it fails, a child only exits.
 */
const NORETURN =
  /^(execv|execve|execvp|execvpe|execl|execlp|execle|fexecve|exit|_exit|_Exit|quick_exit|abort|err|errx|verr|verrx|longjmp|siglongjmp|fatal|fatalx|fatal_exit|fatal_error|FATAL_ERROR|FATAL|fatal_f|fatal_r|fatal_fr|logdie|logdie_f|logdie_r|logdie_fr|sshfatal|sshlogdie|cleanup_exit|die|panic|xalloc_die|__builtin_unreachable|std::exit|std::abort|std::terminate|std::quick_exit|std::_Exit|g_error|Curl_failf_exit|FatalError|Fatal|ASSERT_NOT_REACHED)$/;

/** Where `main` may be defined: at the start of a line (the tree confirms it). */
export const MAIN_DEFINITIONS = /^(?:int|void|auto)\s+(?:w?main|_tmain)\s*\(/gm;

/**
 * A file with `main()` is a program's entry (a command-line tool, an example): its helpers run once,
 * and whatever they hold the process gives back as it exits.
 */
export function definesMain(ctx: { text: string; root: Node; memo<T>(key: string, compute: () => T): T }): boolean {
  return ctx.memo('c.definesMain', () => {
    // A definition at the start of a line, confirmed by the tree (not an example in a comment).
    for (const m of ctx.text.matchAll(MAIN_DEFINITIONS)) {
      const node = ctx.root.descendantForIndex(m.index!);
      for (let a: Node | null = node; a; a = a.parent) if (a.type === 'function_definition') return true;
      // `int wmain(...)\n#else\nint main(...)\n#endif\n{`: directives between the head and its body.
      const rest = ctx.text.slice(m.index!, m.index! + 2000);
      if (!node || node.type === 'comment' || node.type.includes('string')) continue; // an example in a comment
      if (/^[^\n;{}]*\)[ \t]*\n(?:[ \t]*#[^\n]*\n|[ \t]*\n)*[ \t]*\{/.test(rest)) return true;
    }
    return false;
  });
}

const LOOPS = new Set(['for_statement', 'while_statement', 'do_statement', 'for_range_loop']);

/** What `runsOnceBeforeExit` reads of a file: its text and tree, and the project around it. */
interface CallerContext {
  file: string;
  path?: string;
  text: string;
  root: Node;
  memo<T>(key: string, compute: () => T): T;
  project?(): ProjectSources | undefined;
}

/** One file as the caller search sees it: this one, or another of the project (no memo there). */
interface CallerFile {
  path: string;
  text: string;
  root: Node;
  memo?: CallerContext['memo'];
}

const ENTRY_POINTS = /^(w?main|_tmain|WinMain|wWinMain)$/;

/**
 * Whether `func` runs at most once and the process ends soon after: every call to it in this file is
 * made by `main` (or by a function that itself runs once so), outside any loop. A helper nothing calls
 * is someone else's (a callback, a library function beside a test `main`), and one called from a loop
 * runs again with what it leaked still held: both are reported.
 *
 * `acrossFiles` (for a leak on an error return): the rest of the project's calls count too, each of
 * which must also end the program when the call fails (`if (ngx_daemon(log) != NGX_OK) return 1;`,
 * `return run(argc, argv);`), from a program in the function's own part of the tree (not a library's
 * function that one of its example programs calls). A function the project also uses any other way
 * (a table of commands, a macro) is reported: who calls it, and how often, is not in the text.
 */
export function runsOnceBeforeExit(func: Node, ctx: CallerContext, acrossFiles = false): boolean {
  const name = definitionName(func);
  if (!name || /::|\./.test(name) || REPEATED_ENTRY_POINTS.test(name)) return false;
  const home: CallerFile = { path: ctx.path ?? ctx.file, text: ctx.text, root: ctx.root, memo: ctx.memo };
  return ctx.memo(`c.runsOnce.${acrossFiles}.${name}`, () =>
    once(name, home, acrossFiles ? ctx.project?.() : undefined, new Set()),
  );
}

/** Called by a driver once per input (libFuzzer), however the file's own `main` calls it. */
const REPEATED_ENTRY_POINTS = /^(LLVMFuzzerTestOneInput|LLVMFuzzerInitialize)$/;

function once(name: string, file: CallerFile, project: ProjectSources | undefined, seen: Set<string>): boolean {
  if (ENTRY_POINTS.test(name)) return true;
  const key = `${file.path}\0${name}`;
  if (seen.has(key) || seen.size > 8) return false;
  seen.add(key);
  const def = definitionIn(file.root, name);
  const calls = callsIn(file, name);
  if (calls === undefined) return false;
  // A `static` function is called from its own file only.
  if (def && isStatic(def)) return calls.length > 0 && calls.every((c) => callRunsOnce(c, file, project, seen));
  const others = project?.filesMentioning(name, 'cpp', file.path) ?? (project ? undefined : []);
  if (others === undefined) return false;
  let found = calls.length;
  for (const other of others) {
    const verdict = project!.withFile(other, 'cpp', (o) => {
      const view: CallerFile = { path: o.path, text: o.text, root: o.root };
      // Another definition of the name (a static twin, another program's helper): its calls are its own.
      if (definitionIn(o.root, name)) return 0;
      const theirs = callsIn(view, name);
      if (theirs === undefined || !sameProgram(file.path, o.path, project!.root)) return -1;
      return theirs.every((c) => failureEnds(c) && callRunsOnce(c, view, project, seen)) ? theirs.length : -1;
    });
    if (verdict === undefined || verdict < 0) return false;
    found += verdict;
  }
  return found > 0 && calls.every((c) => callRunsOnce(c, file, project, seen));
}

/**
 * The calls of `name` in `file`; undefined when the file also uses the name otherwise (its address taken,
 * in a macro's body): then it may be called from anywhere, any number of times.
 */
function callsIn(file: CallerFile, name: string): Node[] | undefined {
  const compute = (): Node[] | undefined => {
    const calls: Node[] = [];
    for (const id of findAll(file.root, 'identifier', (n) => n.text === name)) {
      const parent = id.parent;
      if (parent?.type === 'call_expression' && parent.childForFieldName('function')?.id === id.id) {
        calls.push(parent);
        continue;
      }
      // Its own name: in the definition, or a declaration (`int helper(void);`).
      if (parent?.type === 'function_declarator') continue;
      // The name of a macro standing in for it in another configuration (`#define helper() 0`).
      if (/^preproc_(function_)?def$/.test(parent?.type ?? '') && parent!.childForFieldName('name')?.id === id.id)
        continue;
      return undefined;
    }
    // A macro's body is text to the grammar: `#define RUN() helper()` calls it wherever RUN() is.
    // (Not `#define helper() 0`, the stand-in another configuration builds instead.)
    for (const m of file.text.matchAll(/^[ \t]*#[ \t]*define[ \t]+(\w+)[^\n]*(?:\\\n[^\n]*)*/gm))
      if (m[1] !== name && new RegExp(`\\b${name}\\b`).test(m[0])) return undefined;
    return calls;
  };
  return file.memo ? file.memo(`c.callsOf.${name}`, compute) : compute();
}

function callRunsOnce(call: Node, file: CallerFile, project: ProjectSources | undefined, seen: Set<string>): boolean {
  for (const a of ancestors(call)) {
    if (LOOPS.has(a.type)) return false;
    if (a.type === 'function_definition') {
      const caller = functionName(a);
      return !!caller && !/::|\./.test(caller) && once(caller, file, project, seen);
    }
  }
  // Preprocessor branches the grammar cannot pair leave `main` in an ERROR node: the caller is the
  // last function head above the call.
  const heads = file.memo
    ? file.memo('c.functionHeads', () => functionHeadsByText(file.text))
    : functionHeadsByText(file.text);
  const caller = lastBefore(heads, call.startIndex);
  return !!caller && once(caller, file, project, seen);
}

/**
 * The parameter positions that function `callee`, defined in another file of the project, keeps
 * (stores in a field, an out-pointer, a list) or releases: passing a resource there hands it on, as a
 * call to a same-file helper does (`sameFileAdopters`, `sameFileReleasers`). Every definition the
 * project has of the name must agree; none found (a library's function) is no evidence.
 */
export function takenInOtherFiles(callee: string, ctx: CallerContext, releaseNames: Set<string>): Set<number> {
  return ctx.memo(`c.takenInOtherFiles.${callee}`, () => {
    const project = ctx.project?.();
    const empty = new Set<number>();
    if (!project || definitionIn(ctx.root, callee)) return empty;
    const files = project.filesMentioning(callee, 'cpp', ctx.path ?? ctx.file) ?? [];
    let taken: Set<number> | undefined;
    for (const file of files) {
      const here = project.withFile(file, 'cpp', (o) => {
        const def = definitionIn(o.root, callee);
        if (!def) return undefined;
        const kept = keptParameters(def, (name) => sameFileAdopters(o.root).get(name), true) ?? empty;
        const released = sameFileReleasers(o.root, releaseNames).get(callee) ?? empty;
        return new Set([...kept, ...released]);
      });
      if (!here) continue;
      taken = taken ? new Set([...taken].filter((i) => here.has(i))) : here;
    }
    return taken ?? empty;
  });
}

/**
 * Two files of one program: one's folder holds the other's, or they share a folder below the project's
 * root (nginx's `src/os/unix/` and `src/core/`). Not leptonica's `src/` and `prog/`, a library and the
 * programs that use it.
 */
function sameProgram(a: string, b: string, root: string): boolean {
  const da = dirname(resolve(a));
  const db = dirname(resolve(b));
  const top = resolve(root);
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer + sep);
  if (within(da, db) || within(db, da)) return true;
  const pa = da.split(sep);
  const pb = db.split(sep);
  let n = 0;
  while (n < pa.length && n < pb.length && pa[n] === pb[n]) n++;
  const common = pa.slice(0, n).join(sep);
  return within(common, top) && common !== top && common.startsWith(top);
}

/**
 * Whether the caller gives up when `call` fails: it returns the call's value, or tests it (in the `if`
 * around it, or in the statement right after the assignment) and returns, jumps to its exit or ends the
 * process. A call whose result is ignored lets the program run on with whatever it leaked.
 */
function failureEnds(call: Node): boolean {
  let at: Node = call;
  while (
    at.parent &&
    /^(parenthesized_expression|cast_expression|unary_expression|binary_expression)$/.test(at.parent.type)
  )
    at = at.parent;
  const parent = at.parent;
  if (parent?.type === 'return_statement') return true;
  if (parent?.type === 'condition_clause' || parent?.type === 'parenthesized_expression')
    return parent.parent?.type === 'if_statement' && leaves(parent.parent.childForFieldName('consequence'));
  // `rc = helper(...);` or `T *x = helper(...);` then `if (rc != 0) return rc;`
  let statement: Node | null = parent;
  while (statement && !/^(expression_statement|declaration)$/.test(statement.type)) {
    if (!/^(assignment_expression|init_declarator)$/.test(statement.type)) return false;
    statement = statement.parent;
  }
  const target =
    parent?.type === 'assignment_expression'
      ? parent.childForFieldName('left')?.text
      : parent?.type === 'init_declarator'
        ? innermostName(parent.childForFieldName('declarator'))
        : undefined;
  const next = statement?.nextNamedSibling;
  if (!target || next?.type !== 'if_statement') return false;
  const condition = next.childForFieldName('condition');
  return (
    !!condition &&
    new RegExp(`\\b${target.replace(/[^\w]/g, '\\$&')}\\b`).test(condition.text) &&
    leaves(next.childForFieldName('consequence'))
  );
}

/** A branch that leaves its function: ends with `return`, a `goto` (its exit), or a call that never returns. */
function leaves(branch: Node | null): boolean {
  let last: Node | null = branch;
  while (last?.type === 'compound_statement') last = last.lastNamedChild;
  if (!last) return false;
  if (last.type === 'return_statement' || last.type === 'goto_statement') return true;
  const call = last.type === 'expression_statement' ? last.namedChild(0) : null;
  return call?.type === 'call_expression' && NORETURN.test(call.childForFieldName('function')?.text ?? '');
}

/** The definition of function `name` in a file's tree, if it has one. */
function definitionIn(root: Node, name: string): Node | undefined {
  for (const d of findAll(root, 'function_declarator', (n) => innermostName(n) === name)) {
    let up = d.parent;
    while (up && up.type.endsWith('_declarator')) up = up.parent;
    if (up?.type === 'function_definition') return up;
  }
  return undefined;
}

function isStatic(def: Node): boolean {
  return def.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
}

/** The name of the function whose definition (or body) `func` is. */
function definitionName(func: Node): string | undefined {
  const def = func.type === 'function_definition' ? func : func.parent;
  return def?.type === 'function_definition' ? functionName(def) : undefined;
}

/**
 * `atexit(restore_ip_forward)`, `on_exit(cleanup, arg)`: a function this file registers to run as the
 * process exits; whatever it leaves held, the exit gives back right after.
 */
export function runsAtExit(func: Node, ctx: { text: string; memo<T>(key: string, compute: () => T): T }): boolean {
  const name = definitionName(func);
  if (!name) return false;
  // Read once per file: every acquisition asks.
  const handlers = ctx.memo('c.atexitHandlers', () => {
    const names = new Set<string>();
    for (const m of ctx.text.matchAll(/\b(?:atexit|on_exit)\s*\(\s*&?\s*([A-Za-z_]\w*)\s*[,)]/g)) names.add(m[1]);
    return names;
  });
  return handlers.has(name);
}

/** Function heads by their text (`static int f(...)` at the start of a line, then `{`), in order. */
function functionHeadsByText(text: string): { at: number; name: string }[] {
  const heads: { at: number; name: string }[] = [];
  // `int main(int argc, char *argv[])\n#endif\n{`: directives may stand between the head and its body.
  for (const m of text.matchAll(/^[A-Za-z_][\w \t*]*?\b([A-Za-z_]\w*)\s*\([^;{}]*\)[ \t]*(?:\n[ \t]*#[^\n]*)*\s*\{/gm))
    heads.push({ at: m.index!, name: m[1] });
  return heads;
}

function lastBefore(heads: { at: number; name: string }[], at: number): string | undefined {
  let lo = 0;
  let hi = heads.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (heads[mid].at < at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? heads[lo - 1].name : undefined;
}

export const cLanguage: CfgLanguage = {
  isNoreturnCall(call) {
    return NORETURN.test(call.childForFieldName('function')?.text ?? '');
  },
  callOf(statement) {
    if (statement.type !== 'expression_statement') return null;
    const e = statement.namedChild(0);
    return e?.type === 'call_expression' ? e : null;
  },
};

/**
 * Functions the file itself declares as never returning: `static void error(const char *, ...)
 * ATTR_NORETURN;`, `_Noreturn void die(...)`, `[[noreturn]] void fail()`, `__attribute__((noreturn))`.
 */
const NORETURN_MARK = String.raw`(?:_Noreturn|\[\[\s*noreturn\s*\]\]|__attribute__\s*\(\(\s*(?:__)?noreturn(?:__)?\s*\)\)|\w*NORETURN\w*|\w*NO_RETURN\w*|__dead2?)`;
// Other attributes may come first: `__attribute__((format(printf, 1, 2))) __attribute__((noreturn))`.
const ATTRIBUTES = String.raw`(?:\s*__attribute__\s*\(\((?:[^()]|\([^()]*\))*\)\))*`;
const NORETURN_AFTER = new RegExp(
  String.raw`\b([A-Za-z_]\w*)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)${ATTRIBUTES}\s*${NORETURN_MARK}`,
  'g',
);
const NORETURN_BEFORE = new RegExp(String.raw`${NORETURN_MARK}[\w\s*]*?\b([A-Za-z_]\w*)\s*\(`, 'g');

export function noreturnDeclaredIn(text: string): Set<string> {
  const names = new Set<string>();
  if (!/noreturn|no_return|__dead/i.test(text)) return names;
  for (const re of [NORETURN_AFTER, NORETURN_BEFORE])
    for (const m of text.matchAll(re)) if (!/^(if|while|for|switch|return|sizeof)$/.test(m[1])) names.add(m[1]);
  return names;
}

/** A function definition's head at the start of a line, up to its body's `{`. */
const DEFINITION_HEAD =
  /^[A-Za-z_][\w \t*:]*?\b([A-Za-z_]\w*)\s*\([^;{}()]*(?:\([^;{}()]*\)[^;{}()]*)*\)[ \t]*\n?[ \t]*\{/gm;
/** A body's last statement, a call (`exit(1);`, `die("...");`), and what may follow it before the `}`. */
const LAST_CALL = /\b([A-Za-z_][\w:]*)\s*\([^;]*\)\s*;\s*(?:\/\/[^\n]*\s*|\/\*[\s\S]*?\*\/\s*)*$/;

/** The bodies of the functions defined in `text`, by name (read from the text, braces matched). */
function definitionBodies(text: string): Array<[string, string]> {
  const bodies: Array<[string, string]> = [];
  if (!/\b(?:exit|_exit|_Exit|abort|\w*[Ff]atal\w*|die|err|errx)\s*\(/.test(text)) return bodies;
  for (const m of text.matchAll(DEFINITION_HEAD)) {
    if (/^(if|while|for|switch|return|sizeof|else)$/.test(m[1])) continue;
    const open = m.index! + m[0].length - 1;
    let depth = 0;
    let i = open;
    for (; i < text.length && i - open < 20_000; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) break;
    }
    if (depth === 0) bodies.push([m[1], text.slice(open + 1, i)]);
  }
  return bodies;
}

/**
 * Functions whose body ends in a call that never returns and has no `return` anywhere: a program's
 * `usage()` and `die()`, lrzip's `error()`, thc-hydra's `hydra_child_exit()`. A path through a call to
 * one ends the process. Two rounds: a helper ending in another such helper counts too.
 */
export function exitingFunctions(bodies: ReadonlyArray<[string, string]>): Set<string> {
  const out = new Set<string>();
  for (let round = 0; round < 2; round++)
    for (const [name, body] of bodies) {
      if (out.has(name) || /\breturn\b/.test(body)) continue;
      const last = LAST_CALL.exec(body)?.[1];
      if (last && (NORETURN.test(last) || out.has(last))) out.add(name);
    }
  return out;
}

/** The project's functions that end the process (`exitingFunctions`), read once per project. */
function projectExitingFunctions(project: ProjectSources | undefined): ReadonlySet<string> {
  return (
    project?.derive('c.exitingFunctions', (texts) =>
      exitingFunctions(
        [...texts].filter(([path]) => languageOfPath(path) === 'cpp').flatMap(([, t]) => definitionBodies(t)),
      ),
    ) ?? new Set<string>()
  );
}

/**
 * cLanguage, with the never-returning functions of the file (declared so, or ending in `exit()`) and of
 * the rest of the project (ending in `exit()`, unless this file defines its own of that name) ending a
 * path too.
 */
export function cLanguageFor(ctx: { text: string; project?(): ProjectSources | undefined }): CfgLanguage {
  const text = ctx.text;
  const own = noreturnDeclaredIn(text);
  const bodies = definitionBodies(text);
  for (const name of exitingFunctions(bodies)) own.add(name);
  const defined = new Set(functionHeadsByText(text).map((h) => h.name));
  const elsewhere = projectExitingFunctions(ctx.project?.());
  for (const name of elsewhere) if (!defined.has(name)) own.add(name);
  if (own.size === 0) return cLanguage;
  return {
    ...cLanguage,
    isNoreturnCall: (call) => cLanguage.isNoreturnCall(call) || own.has(call.childForFieldName('function')?.text ?? ''),
  };
}

/**
 * Calls that only look at a pointer for the duration of the call (they never keep it): the C
 * library's string, memory and stdio functions, and formatting.
 */
const BORROWS = new Set(
  `memcpy memmove memset memcmp memchr strlen strnlen strcpy strncpy strcat strncat strcmp strncmp strcasecmp
  strncasecmp strchr strrchr strstr strtok strtok_r strspn strcspn strpbrk strdup strndup sprintf snprintf vsnprintf vsprintf printf fprintf
  vfprintf puts fputs fputc putc fgetc getc fgets fread fwrite fseek fseeko ftell ftello rewind fflush feof ferror clearerr fileno
  setvbuf setbuf sscanf fscanf vfscanf scanf getline getdelim ungetc atoi atol atoll atof strtol strtoul strtoll strtoull strtod strtof
  qsort bsearch readdir readdir_r stat fstat lstat read write send recv pread pwrite memcpy_s strlcpy strlcat sizeof assert
  std::memcpy std::memset std::strlen std::fread std::fwrite std::fprintf std::fgets std::fputs std::fseek std::ftell std::printf
  std::snprintf std::sprintf std::strcmp std::strcpy std::strncpy std::memcmp std::fflush`.split(/\s+/),
);

/** String and memory functions that return their destination argument. */
const RETURNS_DEST = new Set([
  'memcpy',
  'memmove',
  'memset',
  'strcpy',
  'strncpy',
  'strcat',
  'strncat',
  'std::memcpy',
  'std::memmove',
  'std::memset',
]);
/** System calls that use a descriptor without keeping it. */
const FD_BORROWS = new Set(
  `read write pread pwrite readv writev send recv sendto recvfrom sendmsg recvmsg fstat fstatat lseek fcntl ioctl
  setsockopt getsockopt bind listen connect shutdown getsockname getpeername fsync fdatasync ftruncate fchmod fchown futimens
  flock lockf dup2 dup3 select poll isatty ttyname tcgetattr tcsetattr fchdir fstatfs fstatvfs posix_fadvise posix_fallocate
  mmap sendfile splice tee epoll_ctl epoll_wait accept accept4 openat fdatasync syncfs fgetxattr fsetxattr`.split(
    /\s+/,
  ),
);

/**
 * A project's wrapper that sets or reads an option of a descriptor (`SetNonBlocking(sock)`,
 * `set_cloexec(fd)`, `UA_EventLoopPOSIX_setNoSigPipe(s)`, `sock_set_keepalive(fd, 1)`): it configures
 * the descriptor and keeps nothing, whatever file it is defined in.
 */
const FD_OPTION_SETTER =
  /(^|_|[a-z])(set|get|enable|disable|make)_?(sock(et)?_?)?(non_?block(ing)?|blocking|clo(se_?on_?)?exec|no_?delay|no_?nagle|no_?sig_?pipe|reuse_?(addr|port)?|keep_?alive|sock_?opt(ion)?s?|opt(ion)?s?|(snd|rcv|send|recv|receive)?_?buf(fer)?_?size|timeouts?|tos|dscp|ttl|linger|priority)$/i;

const FD_IO_WORDS = new Set(['read', 'write', 'recv', 'pread', 'pwrite', 'readn', 'writen', 'readline']);
/** Words that say the callee keeps the descriptor to use later (`io_watch_read`, `ev_read_start`). */
const FD_KEEP_WORDS = new Set(['watch', 'start', 'add', 'register', 'attach', 'set', 'new', 'create', 'wrap', 'open']);

/**
 * A project's I/O helper by its name: `read_all_alloc(fd, &buf)`, `xwrite(fd, ...)`. Not `send`-named
 * ones: tmux's `proc_send(peer, type, fd, ...)` passes the descriptor to imsg, which closes it.
 */
function readsOrWritesThrough(name: string): boolean {
  const w = words(name).map((x) => x.replace(/^(x|safe|full|ul)(?=read|write|recv)/, ''));
  return w.some((x) => FD_IO_WORDS.has(x)) && !keepsDescriptor(w);
}

function keepsDescriptor(w: string[]): boolean {
  return w.some((x) => FD_KEEP_WORDS.has(x) || /^(close|free)/.test(x));
}

/** What a socket's own calls do, in a project's wrapper of them: `addr_bind(fd, addr)`, `UA_connect(fd, ...)`. */
const FD_SOCKET_WORDS = new Set(['bind', 'connect', 'listen', 'sockopt', 'ioctl', 'fsync', 'flock', 'seek', 'fstat']);

/**
 * `addr_bind(fd, addr, ...)`, `sock_bind_to_device(fd, ifname)`: a wrapper of a socket call given the
 * descriptor as its subject (the first argument) uses it there. As a later argument (`conn_bind(c, fd)`)
 * it may be attached to the subject, so it is not read as a borrow.
 */
function usesSocketThrough(name: string, index: number): boolean {
  const w = words(name);
  return index === 0 && w.some((x) => FD_SOCKET_WORDS.has(x)) && !keepsDescriptor(w);
}

/** `call` with the parentheses and casts around it: `return(memcpy(cp, s, n))`, `(char *)f(p)`. */
function outerValue(call: Node): Node {
  let at: Node = call;
  while (at.parent?.type === 'parenthesized_expression' || at.parent?.type === 'cast_expression') at = at.parent;
  return at;
}

function isUsedAsValue(call: Node): boolean {
  const at = outerValue(call);
  const up = at.parent;
  return (
    up?.type === 'return_statement' ||
    up?.type === 'init_declarator' ||
    up?.type === 'argument_list' ||
    (up?.type === 'assignment_expression' && up.childForFieldName('right')?.id === at.id)
  );
}

/** Calls whose name says they keep what they are given. */
const ADOPT_VERBS =
  'setopt|setspecific|connect|replace|exchange|swap|push|insert|emplace|append|prepend|enqueue|submit|register|attach|adopt|own|take|store|add|set|put|wrap|assign|queue';
// A verb as a word of the name: `list_append`, `pushBack`, `SetTexID`, not `GetAdaptersAddresses`.
const ADOPTS = new RegExp(
  `(^|_)(${ADOPT_VERBS})(_|$|[A-Z0-9])|(^|[a-z0-9_])(${ADOPT_VERBS.replace(/(^|\|)(\w)/g, (_m, sep: string, c: string) => sep + c.toUpperCase())})([A-Z0-9_]|$)|(^|_)(list|hash|tree|array|vector)_`,
);
/** A setter of something named after it: `log_set_logfd`, `setDefaultStream`, not `SSL_connect` or `set`. */
const SETTER = /(^|_)set_?[A-Za-z]|(^|[a-z0-9_])Set[A-Z]/;
/** Calls whose name says they release their argument (a project's own `xfree`, `buffer_free`, `g_free`). */
const RELEASE_VERBS =
  /^(free|destroy|release|dispose|unref|delete|close|cleanup|clear|fini|deinit|dealloc|finalize|discard)|(free|destroy|release|unref|close|delete)$/;
/** Words that make a name a question or a callback slot, not an action: `glfwWindowShouldClose`, `onClose`. */
const NOT_ACTION = new Set([
  'should',
  'is',
  'has',
  'can',
  'will',
  'on',
  'get',
  'check',
  'query',
  'need',
  'needs',
  'want',
  'wants',
  'did',
]);

/** Words that make a call a constructor of something that may keep its arguments. */
const CONSTRUCTS = new Set([
  'new',
  'create',
  'make',
  'from',
  'wrap',
  'init',
  'alloc',
  'open',
  'build',
  'attach',
  'adopt',
  'dup',
  'copy',
  'ref',
  'bind',
  'with',
]);

/** Constructor words of a call that builds around its argument (not `dup`/`copy`: those keep a copy). */
const BUILDS_AROUND = new Set(['new', 'create', 'make', 'wrap', 'init', 'build']);
/** Verbs of a call that looks a value up: it compares with the argument and keeps nothing. */
const LOOKUPS = new Set([
  'find',
  'lookup',
  'search',
  'get',
  'contains',
  'has',
  'exists',
  'cmp',
  'compare',
  'index',
  'count',
]);

/** The words of an identifier: `BIO_free` -> bio, free; `cmsCloseProfile` -> cms, close, profile. */
function words(name: string): string[] {
  return name
    .replace(/^.*::/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/_+/)
    .filter(Boolean);
}

/**
 * A name that says it releases its argument: a word that starts or ends with a release verb
 * (`fclose`, `xfree`, `sdsfree`, `closedir`, `cmsCloseProfile`), and no word that makes it a
 * question (`glfwWindowShouldClose`). Whole words: `AffinityPanel` does not contain `fini`.
 */
export const RELEASE_NAME = {
  test(name: string): boolean {
    const w = words(name);
    return w.some((x) => RELEASE_VERBS.test(x)) && !w.some((x) => NOT_ACTION.has(x));
  },
};

/**
 * Whether passing a handle to `callee` leaves its ownership where it was: a C library function that
 * only looks at it for the call, or a function of the resource's own library (`WebPEncode(&cfg, &pic)`,
 * `sqlite3_prepare_v2(db, ...)`) whose name does not say it keeps it. A RAII rewrite of a handle that
 * only meets such calls cannot free it under a keeper.
 */
export function borrowsHandle(callee: string, pair: ResourcePair): boolean {
  if (BORROWS.has(callee) || FD_BORROWS.has(callee)) return true;
  if (ADOPTS.test(callee.replace(/^.*::/, ''))) return false;
  const library = (name: string) => words(name)[0] ?? '';
  const own = library(pair.acquire[0] ?? '');
  return own.length >= 2 && words(callee).length > 1 && library(callee) === own;
}

const CASTS = new Set(['cast_expression', 'parenthesized_expression', 'pointer_expression', 'static_cast_expression']);

export interface COwnedResource {
  pair: ResourcePair;
  /** The variable that holds the resource. */
  name: string;
  /** The acquiring call (or `new` expression). */
  call: Node;
  /** `rc` in `int rc = sqlite3_open(...)`: the acquisition's status, tested by later conditions. */
  status?: string;
  /** Same-file functions known to release an argument: name -> argument positions. */
  releasers: Map<string, Set<number>>;
  /** Same-file functions known to keep an argument (store it, or hand it to a keeper). */
  adopters?: Map<string, Set<number>>;
  /** Names of the functions this file defines: passed beside the resource, one is its callback. */
  functions?: Set<string>;
  /** Same-file functions that only use a descriptor argument (`set_bufsize(fd, n)` calling setsockopt). */
  fdBorrowers?: Map<string, Set<number>>;
  /** Whether the acquisition leaves something to release even when it reports failure. */
  heldOnFailure: boolean;
  /** Status convention of an outParam/inPlace acquisition: 0 means success (FT_Error, SQLITE_OK). */
  zeroIsSuccess: boolean;
  isNew: boolean;
  /** `new T[n]`: a buffer, used through calls that do not keep it. */
  isArray?: boolean;
  /** Made by `new` of a container or string: calls fill or read it, none adopts it. */
  isValueObject?: boolean;
  /**
   * Paired by name only (`x_calloc`/`x_free`): nothing says which of the project's calls keep it, so any
   * call but a release, a read or a known borrow is taken to (registries, trees, queues, consumers).
   */
  isInferred?: boolean;
  /**
   * Whether the function itself deletes a `new` object on a path from `at` (without acquiring it
   * again): a call or constructor given the pointer there only borrowed it.
   */
  deletedAfter?: (at: Node) => boolean;
  /**
   * A single struct allocated here (`g_new0(IGNORE_REC, 1)`, `calloc(1, sizeof *rec)`) or one whose
   * fields this function fills: a record built to be given away.
   */
  isRecord?: boolean;
  /** Whether the function releases the resource on a path from `at` (then a call there only borrowed it). */
  releasedAfter?: (at: Node) => boolean;
  /** Whether the function uses the resource after `at` (then a call there did not take it for good). */
  usedAfter?: (at: Node) => boolean;
  /** C++ code (not a `.c` file): constructors of project types may keep what they are given. */
  cpp?: boolean;
  /** A file descriptor (released with `close`): handed to other code, it is usually kept there. */
  isDescriptor?: boolean;
  /** Acquisitions of other resources (`fdopen`): passing this one to them hands it over. */
  otherAcquires?: Set<string>;
  /** Local pointers that copy the resource (`pbuf = buf`), and its wrappers. */
  aliases?: string[];
  /** This file's function-like macros and the names they release (sameFileMacroReleases). */
  macroReleases?: Map<string, Set<string>>;
  /** Locals holding another resource that wraps this one (`fp = fdopen(fd, "w")`), also among aliases. */
  wrappers?: string[];
  /** Flags set true right after the acquisition (`temp_is_copy = true;`), still true later. */
  knownTrue?: Set<string>;
  /** Where the function stores it (`priv->avfc = avfc`): set there, that place holds it, not this path. */
  storedAt?: Set<string>;
  /** Uses (node ids) where a smart pointer or a kept container takes the object over: it escapes there. */
  adoptedAt?: Set<number>;
}

/**
 * Function-like macros of this file and the names their bodies release (`#define BAIL_OUT(s)
 * sfree(names); sfree(values); return s`): a use of the macro releases them, though the call names
 * neither.
 */
export function sameFileMacroReleases(root: Node, releaseNames: Set<string>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  if (!root.text.includes('#define')) return out;
  for (const def of findAll(root, 'preproc_function_def')) {
    const macro = def.childForFieldName('name')?.text;
    const body = def.childForFieldName('value')?.text ?? '';
    if (!macro) continue;
    for (const m of body.matchAll(/\b([A-Za-z_]\w*)\s*\(\s*&?\s*([A-Za-z_]\w*)\s*\)/g)) {
      if (!releaseNames.has(m[1]) && !RELEASE_NAME.test(m[1])) continue;
      if (!out.has(macro)) out.set(macro, new Set());
      out.get(macro)!.add(m[2]);
    }
  }
  return out;
}

/** What `block` does to the resource. */
export function cEffect(block: CfgBlock, res: COwnedResource): Effect {
  const node = block.node;
  if (!node) return 'none';
  // Read once: each `text` crosses into wasm and copies the block's source.
  const text = node.text;
  if (res.macroReleases?.size)
    for (const [macro, names] of res.macroReleases)
      if (names.has(res.name) && mentionsText(text, macro) && callsMacro(node, macro)) return 'release';
  if (releasedAfterMacro(node, res)) return 'release';
  let result: Effect = 'none';
  for (const name of [res.name, ...(res.aliases ?? [])]) {
    if (!mentionsText(text, name)) continue;
    if (res.cpp && constructedFrom(node, name) && !deletedLater(res, node)) return 'escape';
    for (const use of findAll(node, 'identifier', (n) => n.text === name)) {
      // `q = p` into a local alias: uses of q are followed as uses of p.
      if (name === res.name && isAliasCopy(use, res)) continue;
      // `fp = fdopen(fd, "w")`: the wrapper being made from the resource, not overwritten. `pbuf = buf`
      // with buf still used after it: a walking copy, not a hand-off. Where the original is not used
      // again (`comment = p`, `buf = newbuf`), the alias takes it over, and is not followed further.
      if (name !== res.name && isAssignedTo(use) && isMadeFrom(use, res.name)) {
        if (res.wrappers?.includes(name) || originalUsedAfter(use, res.name)) continue;
      }
      const e = useEffect(use, node, name === res.name ? res : { ...res, name });
      if (e === 'release') return 'release';
      if (name !== res.name && e === 'reacquire') continue; // the alias reused for something else
      if (e === 'escape' || (e === 'reacquire' && result === 'none')) result = e;
    }
  }
  return result;
}

/**
 * `DIAG_ON_FORMAT_TRUNCATION\n pcap_close(fp);`: a statement macro with no `;` before a call makes the
 * grammar read a declaration of a function `pcap_close` taking a parameter of type `fp`. The call, its
 * name and its (plain) arguments.
 */
function macroPrefixedCall(node: Node): { fn: string; args: string[] } | undefined {
  if (node.type !== 'declaration') return undefined;
  if (!/^[A-Z][A-Z0-9_]*$/.test(node.childForFieldName('type')?.text ?? '')) return undefined;
  const declarator = node.childForFieldName('declarator');
  if (declarator?.type !== 'function_declarator') return undefined;
  const fn = declarator.childForFieldName('declarator')?.text;
  if (!fn) return undefined;
  const args = (declarator.childForFieldName('parameters')?.namedChildren ?? []).map((p) => p?.text.trim() ?? '');
  return { fn, args };
}

/** Such a misread call that releases the resource (or one of its aliases). */
export function releasedAfterMacro(node: Node, res: COwnedResource): boolean {
  const call = macroPrefixedCall(node);
  return (
    !!call &&
    (res.pair.release.includes(call.fn) || res.releasers.has(call.fn)) &&
    call.args.some((a) => a === res.name || (res.aliases ?? []).includes(a))
  );
}

function releasedThroughMember(field: Node, res: COwnedResource): boolean {
  // `&rdpdr->common.base`: the base may sit in a member of a member.
  while (field.parent?.type === 'field_expression' && field.parent.childForFieldName('argument')?.id === field.id)
    field = field.parent;
  const address = field.parent;
  if (address?.type !== 'pointer_expression' || !address.text.startsWith('&')) return false;
  const list = address.parent;
  const call = list?.type === 'argument_list' ? list.parent : null;
  if (call?.type !== 'call_expression') return false;
  const index = callArguments(call).findIndex((a) => a.id === address.id);
  return index >= 0 && !!res.releasers.get(call.childForFieldName('function')?.text ?? '')?.has(index);
}

function isAssignedTo(use: Node): boolean {
  const up = use.parent;
  return up?.type === 'assignment_expression' && up.childForFieldName('left')?.id === use.id;
}

function isMadeFrom(use: Node, name: string): boolean {
  return mentionsText(use.parent?.childForFieldName('right')?.text ?? '', name);
}

/** Whether `name` is read (not assigned) after the statement holding `use`, in the block holding both. */
function originalUsedAfter(use: Node, name: string): boolean {
  const block = [...ancestors(use)].find((a) => a.type === 'compound_statement');
  const from = use.parent!.endIndex;
  return (
    !!block &&
    findAll(block, 'identifier', (n) => n.text === name && n.startIndex > from && !isAssignedTo(n)).length > 0
  );
}

/**
 * `node_t node (data);`: the grammar reads a local constructed from a variable as a function
 * declaration whose parameter type is the variable's name. The object built keeps the pointer.
 */
function constructedFrom(node: Node, name: string): boolean {
  if (node.type !== 'declaration') return false;
  // `std::string s(buf);`: a string copies the characters; the buffer stays the function's to free.
  if (COPYING_TYPE.test(node.childForFieldName('type')?.text ?? '')) return false;
  return findAll(node, 'function_declarator').some((d) =>
    (d.childForFieldName('parameters')?.namedChildren ?? []).some(
      (p) => p?.type === 'parameter_declaration' && !p.childForFieldName('declarator') && p.text.trim() === name,
    ),
  );
}

const COPYING_TYPE = /^(std::)?(w|u8|u16|u32)?string(_view)?$|^Q(String|ByteArray)$/;

function callsMacro(node: Node, macro: string): boolean {
  return findAll(node, 'call_expression', (c) => c.childForFieldName('function')?.text === macro).length > 0;
}

/** `q = p` / `T* q = p` / `q = p + k` with q one of the resource's local aliases. */
function isAliasCopy(use: Node, res: COwnedResource): boolean {
  const target = aliasTarget(use);
  return target?.type === 'identifier' && (res.aliases ?? []).includes(target.text);
}

/** The variable a use of the resource is copied into (`q` in `q = p`, `T* q = (T*)p + k`), if any. */
function aliasTarget(use: Node): Node | null {
  let n: Node = use;
  // `struct mCore *core = &gbcore->d;`: a pointer into the block is the block, as `line + 1` is.
  let field: Node = n;
  while (field.parent?.type === 'field_expression' && field.parent.childForFieldName('argument')?.id === field.id)
    field = field.parent;
  if (field.id !== n.id && field.parent?.type === 'pointer_expression' && field.parent.text.startsWith('&'))
    n = field.parent;
  while (
    n.parent &&
    (n.parent.type === 'cast_expression' ||
      n.parent.type === 'parenthesized_expression' ||
      (n.parent.type === 'binary_expression' && /^[+-]$/.test(n.parent.childForFieldName('operator')?.text ?? '')))
  )
    n = n.parent;
  const up = n.parent;
  if (up?.type === 'assignment_expression' && up.childForFieldName('right')?.id === n.id)
    return up.childForFieldName('left');
  if (up?.type === 'init_declarator' && up.childForFieldName('value')?.id === n.id)
    return innermostNode(up.childForFieldName('declarator'));
  return null;
}

function innermostNode(decl: Node | null): Node | null {
  let n = decl;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator') ?? n.namedChild(0);
  return n;
}

/**
 * Local pointers that copy the resource (`pbuf = buf`, `char* cur = line + 1`) in `body`: locals
 * declared there without `static`. Their escapes and releases are the resource's.
 */
export function localAliases(body: Node, name: string, locals: (n: string) => boolean): string[] {
  const out = new Set<string>();
  for (const id of findAll(body, 'identifier', (n) => n.text === name)) {
    const target = aliasTarget(id);
    if (target?.type === 'identifier' && target.text !== name && locals(target.text)) out.add(target.text);
  }
  return [...out];
}

/**
 * Locals that wrap the resource in another one (`FILE *fp = fdopen(fd, "w")`, `dir = fdopendir(fd)`):
 * the wrapper owns the resource once the wrap succeeded, so its uses and releases are the resource's.
 */
export function wrapperLocals(
  body: Node,
  name: string,
  acquires: Set<string>,
  locals: (n: string) => boolean,
): Array<{ local: string; call: Node }> {
  const out: Array<{ local: string; call: Node }> = [];
  for (const id of findAll(body, 'identifier', (n) => n.text === name)) {
    const call = id.parent?.type === 'argument_list' ? id.parent.parent : null;
    if (call?.type !== 'call_expression') continue;
    if (!wrapsAnother(call.childForFieldName('function')?.text ?? '', acquires)) continue;
    const target = aliasTarget(call);
    if (target?.type === 'identifier' && target.text !== name && locals(target.text))
      out.push({ local: target.text, call });
  }
  return out;
}

/** `fdopen`, `fdopendir`, `BZ2_bzdopen`, or any acquisition: a call that makes another resource of its argument. */
function wrapsAnother(fn: string, acquires: Set<string> | undefined): boolean {
  return !!acquires?.has(fn) || /dopen(dir)?$/i.test(fn.replace(/^.*(::|\.|->)/, ''));
}

/** Methods by which a C++ object ends its own life (COM's `Release()`, Qt's `deleteLater()`, refcounts). */
const SELF_DESTROYING = /^(release|destroy|dispose|unref|decRef|deref|free|deleteLater|deleteThis|selfDestruct)$/i;

function useEffect(use: Node, top: Node, res: COwnedResource): Effect {
  if (res.adoptedAt?.has(use.id)) return 'escape';
  // `p->field`, `p.field`, `p[i]`: a use through the resource, not of the pointer itself.
  const parent = use.parent;
  if (!parent) return 'none';
  if (parent.type === 'field_expression' && parent.childForFieldName('field')?.id === use.id) return 'none'; // `x.p`: another p
  // `pix.destroy()`, `img->release()`: a wrapper's own release method.
  // An object made by `new` frees itself only by a method that says so (`Release()`, `deleteLater()`):
  // a `QProcess`'s `closeWriteChannel()` or a stream's `close()` leaves the object on the heap.
  const method = parent.childForFieldName('field')?.text ?? '';
  if (
    parent.type === 'field_expression' &&
    parent.parent?.type === 'call_expression' &&
    RELEASE_NAME.test(method) &&
    (!res.isNew || SELF_DESTROYING.test(method))
  )
    return 'release';
  // `printer_free(&cups_printer->printer)`: a same-file helper that frees its parameter, given the
  // address of the struct's embedded base, casts it back and frees the whole (the C "base class" idiom).
  if (parent.type === 'field_expression' && releasedThroughMember(parent, res)) return 'release';
  if (parent.type === 'field_expression' && fieldAddressLeaves(parent, top, res)) return 'escape';
  // `fds[0]` of `pipe(fds)`: an element is one of the descriptors itself.
  const element =
    res.pair.arrayHandle === true &&
    parent.type === 'subscript_expression' &&
    parent.childForFieldName('argument')?.id === use.id;
  if (
    !element &&
    (parent.type === 'field_expression' ||
      (parent.type === 'subscript_expression' && parent.childForFieldName('argument')?.id === use.id))
  )
    return 'none';
  let n: Node = element ? parent : use;
  let addressTaken = false;
  while (n.parent && CASTS.has(n.parent.type) && n.parent.id !== top.id) {
    if (n.parent.type === 'pointer_expression') {
      if (n.parent.text.startsWith('&')) addressTaken = true;
      // `nodes.AddChild(*node)`: a C++ object passed by reference to a call that says it keeps it.
      else if (res.isNew && !res.isArray && adoptedByReference(n.parent)) return 'escape';
      else return 'none'; // `*p`: the pointee
    }
    n = n.parent;
  }
  // `free(tmp ? tmp : old)`: either value of the choice goes where the whole expression goes.
  while (
    n.parent?.type === 'conditional_expression' &&
    n.parent.id !== top.id &&
    n.parent.childForFieldName('condition')?.id !== n.id
  ) {
    n = n.parent;
    while (n.parent && n.parent.type === 'parenthesized_expression' && n.parent.id !== top.id) n = n.parent;
  }
  for (const a of ancestors(use)) {
    if (a.type === 'lambda_expression') return 'escape'; // captured: lives on elsewhere
    if (a.id === top.id) break;
  }
  const up = n.parent;
  if (!up) return 'none';
  if (up.type === 'delete_expression') return 'release';
  // `*out = q + 1`, `return (char *)(hdr + 1)`: a pointer past a header the caller gets is the block.
  if (pastHeaderLeaves(n, top)) return 'escape';
  // `return &state->base`, `return (struct x){ .buf = p }`: whatever the return carries of it goes to the caller.
  if (top.type === 'return_statement' && !inCallArgument(use, top)) return 'escape';
  if (up.type === 'return_statement') return 'escape';
  if (up.type === 'assignment_expression') {
    if (up.childForFieldName('right')?.id === n.id) return 'escape'; // stored elsewhere (field, global, alias, *out)
    if (up.childForFieldName('left')?.id === n.id) {
      const right = up.childForFieldName('right');
      // `newbuf = realloc(buf, n)` after `buf = newbuf`: the same block moving, not a second one.
      if (
        right &&
        isAcquisition(right, res) &&
        ![res.name, ...(res.aliases ?? [])].some((name) => mentionsText(right.text, name))
      )
        return 'reacquire';
      if (right && mentionsText(right.text, res.name)) return 'none'; // p = realloc(p, n), p = p + k
      // `p = NULL` drops the only pointer (the path stays held, and leaks at its exit); anything
      // else assigned to p means we no longer know what p holds.
      return /^(NULL|nullptr|0)$/.test(right?.text ?? '') ? 'none' : 'escape';
    }
  }
  if (up.type === 'init_declarator' && up.childForFieldName('declarator')?.id === n.id) return 'none'; // `T obj(...)`
  if (
    up.type === 'init_declarator' ||
    up.type === 'initializer_list' ||
    up.type === 'initializer_pair' ||
    up.type === 'compound_literal_expression'
  )
    return 'escape';
  if (up.type === 'argument_list') {
    const call = up.parent;
    // A constructor: the new object keeps it, unless this function deletes it later itself.
    if (call?.type !== 'call_expression') return deletedLater(res, up) ? 'none' : 'escape';
    return callEffect(
      call,
      argumentsOf(up).findIndex((c) => c.id === n.id),
      addressTaken,
      res,
    );
  }
  return 'none';
}

/**
 * `return &state->base;`, `*out = &s->hdr;`: a pointer into the resource goes to the caller or into
 * storage, and the resource with it (the `container_of` idiom). Passing `&p->field` to a call is not:
 * `init(&p->lock)` works on a part of p; unless a callback goes beside it (`uv_write(&wr->req, h, bufs,
 * 1, after_write)`): the callback gets the field back and frees the whole from it.
 */
function fieldAddressLeaves(field: Node, top: Node, res: COwnedResource): boolean {
  let n: Node = field;
  while (
    (n.parent?.type === 'field_expression' && n.parent.childForFieldName('argument')?.id === n.id) ||
    n.parent?.type === 'parenthesized_expression' // `&(a->archive)`
  )
    n = n.parent;
  const amp = n.parent;
  // `return hdr->data;` with `char data[];` declared in this file: an array member decays to a pointer
  // into the block, handed out past its header (vifm's dynarray); the caller frees it from there.
  if (
    amp?.type === 'return_statement' &&
    n.id === field.id &&
    arrayMemberInFile(field.childForFieldName('field')?.text ?? '', field.tree.rootNode.text)
  )
    return true;
  if (amp?.type !== 'pointer_expression' || !amp.text.startsWith('&')) return false;
  let v: Node = amp;
  while (v.parent && CASTS.has(v.parent.type) && v.parent.id !== top.id) v = v.parent;
  const up = v.parent;
  if (!up) return false;
  if (up.type === 'return_statement') return true;
  if (up.type === 'argument_list' && up.parent?.type === 'call_expression')
    return (
      linksIntoContainer(up.parent) ||
      callbackBeside(
        up.parent,
        argumentsOf(up).findIndex((c) => c.id === v.id),
        res,
      )
    );
  return up.type === 'assignment_expression' && up.childForFieldName('right')?.id === v.id;
}

/** `char data[];` / `uint8_t data[0];` / `char data[1];`: a struct's trailing array member, by name. */
function arrayMemberInFile(name: string, text: string): boolean {
  if (!/^[A-Za-z_]\w*$/.test(name)) return false;
  return new RegExp(`\\b${name}\\s*\\[\\s*[01]?\\s*\\]\\s*;`).test(text);
}

/**
 * `list_add_tail(&msg->list, &ctx->msgs)`, `avl_insert(&tree, &n->node)`, `rb_link_node(&e->rb, …)`: an
 * intrusive container's link call puts the whole object in the container, which frees it later; a
 * registering call hands it to whoever it registers with. Otherwise both
 * a container word and a linking word, so `sigaddset(&p->mask, s)` and `atomic_add(&p->refs, 1)` work
 * on a part of p and keep nothing.
 */
function linksIntoContainer(call: Node): boolean {
  const fn = call.childForFieldName('function');
  const name = fn?.type === 'field_expression' ? (fn.childForFieldName('field')?.text ?? '') : (fn?.text ?? '');
  const parts = words(name);
  // `pRegisterRdpsndDevice(rdpsnd, &fake->device)`, `RegisterPlugin(ep, "x", &p->iface)`: registered,
  // unless its status is kept and never tested (`status = RegisterPlugin(…); return status;` leaks the
  // object when the registration fails).
  if (parts.includes('register')) return !statusKeptUntested(call);
  // `ebst_insert(&tree, &e->node)`: inserting a part of an object can only link the object in.
  if (parts.some((w) => STRONG_LINK_WORDS.has(w))) return true;
  return parts.some((w) => CONTAINER_WORDS.has(w)) && parts.some((w) => LINK_WORDS.has(w));
}

/** The variable the call's result is stored in: `st` of `st = f(…)` or `int st = f(…)`. */
function statusOf(call: Node): Node | undefined {
  let top: Node = call;
  while (top.parent && CASTS.has(top.parent.type)) top = top.parent;
  const up = top.parent;
  const status =
    up?.type === 'assignment_expression' && up.childForFieldName('right')?.id === top.id
      ? up.childForFieldName('left')
      : up?.type === 'init_declarator' && up.childForFieldName('value')?.id === top.id
        ? innermostNode(up.childForFieldName('declarator'))
        : null;
  return status?.type === 'identifier' ? status : undefined;
}

/** `st = f(…)` (or `T st = f(…)`) whose `st` no condition after it reads. */
function statusKeptUntested(call: Node): boolean {
  const status = statusOf(call);
  if (!status) return false;
  const body = [...ancestors(call)].find((a) => a.type === 'function_definition');
  if (!body) return false;
  const after = body.text.slice(call.endIndex - body.startIndex);
  const name = status.text; // an identifier: nothing to escape
  return !new RegExp(`\\b(if|while|switch)\\s*\\([^;{]*\\b${name}\\b|\\b${name}\\s*(==|!=|<=|>=|<|>)`).test(after);
}

const CONTAINER_WORDS = new Set([
  ...['list', 'lst', 'dlist', 'hlist', 'llist', 'slist', 'stailq', 'tailq', 'queue', 'fifo', 'ring', 'stack', 'heap'],
  ...['tree', 'rb', 'rbtree', 'avl', 'splay', 'hash', 'hashtable', 'htable', 'table', 'map', 'dict', 'cache'],
  // `wl_signal_add(&seat->events.destroy, &p->destroy)`: a signal keeps a list of its listeners.
  'signal',
]);
const LINK_WORDS = new Set(['add', 'insert', 'append', 'prepend', 'push', 'enqueue', 'link', 'put', 'attach']);
/** Link words that say so without a container word (`add`, `put`, `push` also count and store values). */
const STRONG_LINK_WORDS = new Set(['insert', 'append', 'prepend', 'enqueue']);

function pastHeaderLeaves(use: Node, top: Node): boolean {
  let v: Node = use;
  let offset = false;
  while (v.parent && v.parent.id !== top.id) {
    const p = v.parent;
    if (p.type === 'binary_expression' && /^[+-]$/.test(p.childForFieldName('operator')?.text ?? '')) {
      if (p.childForFieldName('left')?.id !== v.id) return false; // `n - p`: a distance, not a pointer
      offset = true;
    } else if (!CASTS.has(p.type) || p.type === 'pointer_expression') break;
    v = p;
  }
  if (!offset) return false;
  const up = v.parent;
  if (up?.type === 'return_statement') return true;
  // Into storage the caller sees (`*out`, `ab->buf.base`), not into a local alias.
  return (
    up?.type === 'assignment_expression' &&
    up.childForFieldName('right')?.id === v.id &&
    up.childForFieldName('left')?.type !== 'identifier'
  );
}

function adoptedByReference(deref: Node): boolean {
  const call = deref.parent?.type === 'argument_list' ? deref.parent.parent : null;
  const fn = call?.type === 'call_expression' ? call.childForFieldName('function') : null;
  const name = fn?.type === 'field_expression' ? fn.childForFieldName('field')?.text : fn?.text;
  return !!name && ADOPTS.test(name.replace(/^.*::/, ''));
}

function inCallArgument(use: Node, top: Node): boolean {
  for (let a = use.parent; a && a.id !== top.id; a = a.parent) if (a.type === 'argument_list') return true;
  return false;
}

function callEffect(call: Node, index: number, addressTaken: boolean, res: COwnedResource): Effect {
  const fnNode = call.childForFieldName('function');
  const fn = fnNode?.text ?? '';
  const simple =
    fnNode?.type === 'field_expression' ? (fnNode.childForFieldName('field')?.text ?? '') : fn.replace(/^::/, '');
  // `TIFFClose(tif)`, or `lib.TIFFClose(tif)` through a table of the library's functions.
  if (res.pair.release.includes(fn) || (fnNode?.type === 'field_expression' && res.pair.release.includes(simple)))
    return 'release';
  if (res.releasers.get(simple)?.has(index)) return 'release';
  if (res.adopters?.get(simple)?.has(index)) return 'escape';
  // `SetNonBlocking(sock)`: configures the descriptor (before the one-argument setter rule below);
  // `read_all_alloc(fd, &buf)`, `write_all(fd, p, n)`: reads or writes through it.
  if (
    res.isDescriptor &&
    (FD_OPTION_SETTER.test(simple) || readsOrWritesThrough(simple) || usesSocketThrough(simple, index))
  )
    return 'none';
  if (
    res.isInferred &&
    !res.pair.acquire.includes(fn) &&
    !BORROWS.has(fn) &&
    !BORROWS.has(simple) &&
    !FD_BORROWS.has(simple) &&
    !words(simple).some((w) => READS.has(w))
  )
    return 'escape';
  // `event_base_once(base, -1, EV_TIMEOUT, chunk_cb, state, &tv)`, `pthread_create(&t, NULL, worker,
  // job)`: given as the user data of a callback, it belongs to the callback from then on.
  if (index > 0 && callbackBeside(call, index, res)) return 'escape';
  if (res.pair.acquire.includes(fn)) {
    // `q = realloc(p, n)`: p moves to q (tracked on its own); `&p` to the acquisition again re-acquires.
    if (addressTaken && res.pair.kind !== 'returns') return 'reacquire';
    return isStoredBackTo(call, res.name) ? 'none' : 'escape';
  }
  // `bio = BIO_push(b64, bio)`: OpenSSL returns the chain's head, its first argument; whoever holds the
  // result owns the whole chain (BIO_free_all), the appended BIO included.
  if (simple === 'BIO_push') return index === 0 && !isUsedAsValue(call) ? 'none' : 'escape';
  // `putenv(str)`: the string becomes part of the environment (POSIX); freeing it would corrupt `environ`.
  if (index === 0 && simple === 'putenv') return 'escape';
  // `fopencookie(c, mode, io)`, `funopen(c, ...)`: the stream owns its cookie from then on.
  if (index === 0 && /^(fopencookie|funopen|fropen|fwopen)$/.test(simple)) return 'escape';
  // `PyRun_FileEx(fp, name, start, globals, locals, 1)`: a true `closeit` has Python close the file.
  if (index === 0 && /^PyRun_(Any|Simple)?FileEx(Flags)?$/.test(simple)) {
    const args = callArguments(call);
    const closeit = args[/Simple|Any/.test(simple) ? 2 : 5]?.text.trim();
    return closeit && !/^(0|false|NULL)$/.test(closeit) ? 'release' : 'none';
  }
  // `fdopen(fd)`, `fdopendir(fd)`, `BZ2_bzdopen(fd)`: another resource takes it over. Into a local
  // (`fp = fdopen(fd, "w")`), only once it exists: the local is followed as the resource (see
  // wrapperLocals), and a failed wrap (`if (!fp) return -1;`) still holds the descriptor.
  if (wrapsAnother(fn, res.otherAcquires)) {
    const into = aliasTarget(call);
    return into?.type === 'identifier' && (res.aliases ?? []).includes(into.text) ? 'none' : 'escape';
  }
  // `curl_easy_setopt(h, CURLOPT_WRITEDATA, fp)`: libcurl uses what it is given and never frees it;
  // only CURLOPT_PRIVATE keeps a pointer the code gets back (curl_easy_getinfo) to free later.
  if (/^curl_(easy|multi|share)_setopt$/.test(simple))
    return /PRIVATE/.test(callArguments(call)[1]?.text ?? '') ? 'escape' : 'none';
  if (BORROWS.has(fn) || BORROWS.has(simple)) {
    // `return memcpy(buf, ...)`: these return their first argument, the resource itself.
    return index === 0 && RETURNS_DEST.has(simple) && isUsedAsValue(call) ? 'escape' : 'none';
  }
  if (RELEASE_NAME.test(simple)) return 'release';
  if (!addressTaken && !words(simple).some((w) => READS.has(w)) && keptUnlessItFails(call, res)) return 'escape';
  // A descriptor handed to other code (`proc_send(peer, fd)`, `auto_fd(fd)`) is usually kept there;
  // the system calls that only use it are borrows, and so are this file's functions that only pass
  // it to those (`netlink_socket_set_buffer_size(s, ...)` calling setsockopt and getsockopt).
  if (res.isDescriptor && !FD_BORROWS.has(simple) && !res.fdBorrowers?.get(simple)?.has(index)) return 'escape';
  // A raw pointer to an object handed to C++ code is usually adopted; a `new T[n]` array is a
  // buffer that calls read and write through, like malloc's.
  if (res.isNew && !res.isArray && !res.isValueObject && !deletedLater(res, call)) return 'escape';
  // A record filled and then handed to a call as its last use, never released on a path from there
  // (`ignore_add_rec(rec)`, `query_init(query)`, `MODULE_DATA_SET(server, rec)`, the user data of an
  // async call): it was built to be given away. A call before other uses (`parse(line, rec)`) borrows.
  if (
    res.isRecord &&
    !addressTaken &&
    !res.functions?.has(simple) && // a same-file callee's own effect is known (releasers, adopters)
    !words(simple).some((w) => READS.has(w)) &&
    !res.releasedAfter?.(call) &&
    !res.usedAfter?.(call)
  )
    return 'escape';
  // `init(&p)`, `take(&p)`: may be replaced or freed through it. A struct set up in place
  // (`WebPEncode(&cfg, &pic)`) is always used through its address.
  // A struct on the stack (`WebPAnimEncoderAdd(enc, &pic, ...)`, `pcap_setfilter(p, &prog)` after
  // `pcap_compile(p, &prog, ...)`): a call can copy it, never keep it.
  const onStack = res.pair.kind === 'inPlace' || (res.pair.kind === 'outParam' && res.pair.releaseArg === 'address');
  if (addressTaken) return onStack ? 'none' : 'escape';
  // `list_append(list, p)` adopts p; `FT_Set_Pixel_Sizes(face, ...)` only works on face, its subject.
  // A function of this file is read instead of its name (`set_provider_opts(cfg, info)` fills info;
  // the adopters above know the ones that keep it).
  // `log_set_logfd(fp)`, `set_default_output(buf)`: the only argument of a setter is the value it sets.
  if (
    (index > 0 || fnNode?.type === 'field_expression' || (callArguments(call).length === 1 && SETTER.test(simple))) &&
    ADOPTS.test(simple) &&
    !(fnNode?.type === 'identifier' && res.functions?.has(simple))
  )
    return 'escape';
  // `dns_ring_init(ring, area, size)`, `mpring_init(&h->buf, buf, n)`: an object set up around the
  // buffer keeps it (its own free releases it), as long as the object is another one than the buffer.
  if (
    index > 0 &&
    words(simple).some((w) => w === 'init' || w === 'initialize') &&
    !findAll(callArguments(call)[0] ?? call, 'identifier').some((n) => n.text === res.name) &&
    !res.functions?.has(simple)
  )
    return 'escape';
  // `http_req_keywords_register(kwl)`: the one argument of a registration is what gets registered.
  if (
    index === 0 &&
    callArguments(call).length === 1 &&
    words(simple).includes('register') &&
    !res.functions?.has(simple) &&
    !statusKeptUntested(call)
  )
    return 'escape';
  // `TAILQ_INSERT_TAIL(&q, elm, entry)`, `RB_INSERT(tree, head, elm)`: the queue and tree macros link it in.
  if (index > 0 && /^[A-Z][A-Z0-9_]*$/.test(simple) && ADOPTS.test(simple.toLowerCase())) return 'escape';
  // `obj = wrap(p)`, `return make_image_from(p)`: a constructor-like call whose result may keep the
  // pointer. `line = read_line(fp)` only reads through it.
  const value = outerValue(call); // `return (tree_reopen(t, path))`
  const use = value.parent;
  // `return ERROR_PTR(msg, proc, pixd)`, `return wrap(p)`: what a return passes on goes to the caller.
  if (use?.type === 'return_statement') return 'escape';
  const kept =
    use &&
    (use.type === 'init_declarator' ||
      use.type === 'argument_list' ||
      (use.type === 'assignment_expression' && use.childForFieldName('right')?.id === value.id));
  if (
    kept &&
    words(simple).some((w) => CONSTRUCTS.has(w)) &&
    !(index === 0 && intoStatus(use, value) && namedForItsType(simple, call, res.name))
  )
    return 'escape';
  // C++ `result->data = Slice(ubuf, n)`: an object of a project type built around the pointer and
  // stored where the caller sees it (a field, an out-parameter) carries it on.
  if (res.cpp && /^[A-Z]\w*$/.test(fn) && use?.type === 'assignment_expression') {
    const left = use.childForFieldName('left');
    if (left && left.type !== 'identifier') return 'escape';
  }
  return 'none';
}

/**
 * `ret = scols_cell_refer_data(ce, data); if (ret < 0) free(data); return ret;`: released when the call
 * fails and never mentioned after that test, the resource is the call's once it succeeds.
 */
function keptUnlessItFails(call: Node, res: COwnedResource): boolean {
  const func = [...ancestors(call)].find((a) => a.type === 'function_definition');
  if (!func) return false;
  let test: Node | undefined;
  let subject = call.text;
  for (let a = call.parent; a && a.id !== func.id; a = a.parent) {
    if (a.type === 'if_statement') {
      if (contains(a.childForFieldName('condition')!, call)) test = a;
      break;
    }
    if (/statement$|declaration$/.test(a.type)) break;
  }
  if (!test) {
    const status = statusOf(call);
    if (!status) return false;
    subject = status.text;
    // The test right after the statement that stored it, or after the block around it (`if (buf) ret =
    // f(buf); if (!ret) free(buf);`): the next statement at some level on the way out.
    for (let a: Node | null = call; a && a.id !== func.id && !test; a = a.parent) {
      if (!/statement$/.test(a.type)) continue;
      let next = a.nextNamedSibling;
      while (next?.type === 'comment') next = next.nextNamedSibling;
      if (next?.type === 'if_statement' && mentionsText(next.childForFieldName('condition')?.text ?? '', status.text))
        test = next;
    }
  }
  const onFailure = test?.childForFieldName('consequence');
  if (!test || !onFailure || !testsFailure(test.childForFieldName('condition')!, subject)) return false;
  const releases = findAll(onFailure, 'call_expression').some((c) => {
    const fn = c.childForFieldName('function')?.text ?? '';
    if (!res.pair.release.includes(fn) && !res.releasers.has(fn)) return false;
    return callArguments(c).some((a) => unwrap(a).text === res.name);
  });
  return releases && !mentionsText(func.text.slice(test.endIndex - func.startIndex), res.name);
}

/**
 * Whether `cond` goes true when `subject` (the call, or the status it was stored in) says it failed:
 * `!ret`, `ret`, `ret < 0`, `ret == -1`, `ret != 0`, `ret == NULL`. Not `fstatfs(fd, &st) == 0`: that
 * branch is the success, and the fd leaks on the other one.
 */
function testsFailure(cond: Node, subject: string): boolean {
  let c = cond;
  while (c.type === 'parenthesized_expression' || c.type === 'condition_clause') c = c.namedChild(0)!;
  const text = flat(c);
  const s = subject.replace(/\s+/g, '');
  if (text === s || text === `!${s}` || text === `!(${s})`) return true;
  if (!text.startsWith(s) && !text.endsWith(s)) return false;
  const rest = text.startsWith(s) ? text.slice(s.length) : text.slice(0, text.length - s.length);
  return /^(<0|<=-1|==-1|!=0|==NULL|==nullptr|!=[A-Z_]*(OK|SUCCESS))$|^(0>|-1>=|-1==|0!=|NULL==|nullptr==)$/.test(rest);
}

/**
 * `nghttp2_hd_entry_init(ent, ...)` with `nghttp2_hd_entry *ent`: a function named for the type of
 * its first argument sets that object up (C's `TYPE_init(TYPE *obj)`); `subscribe_init(conf)` with a
 * config of another type may keep it.
 */
function namedForItsType(callee: string, call: Node, name: string): boolean {
  const func = [...ancestors(call)].find((a) => a.type === 'function_definition');
  const type = (func && localDeclarationType(func, name, true))
    ?.replace(/^(struct|union)\s+/, '')
    .replace(/_t$/, '')
    .toLowerCase();
  return !!type && type.length > 2 && callee.toLowerCase().startsWith(type);
}

function declaratorNamed(declarator: Node, name: string): boolean {
  let d: Node | null = declarator;
  while (d && d.type !== 'identifier') d = d.childForFieldName('declarator');
  return d?.text === name;
}

/** Types of a status or a count: what a call returns into one keeps no pointer. */
const STATUS_TYPE =
  /^(?:(?:const|unsigned|signed|long|short)\s+)*(int|long|short|unsigned|char|size_t|ssize_t|bool|_Bool|gboolean|BOOL|[A-Za-z_]\w*(?:_err|_error|_code|_status|_rc|Error|Code|Status|Result)(?:_t)?)$/;

/**
 * `rv = entry_init(ent, ...)`, `int r = buf_init(b)`: an initialiser's result kept in a status
 * (declared `int`, an error-code type) says whether it worked; the object it set up stays the caller's.
 */
function intoStatus(use: Node, value: Node): boolean {
  const target =
    use.type === 'init_declarator'
      ? use.childForFieldName('declarator')
      : use.type === 'assignment_expression' && use.childForFieldName('right')?.id === value.id
        ? use.childForFieldName('left')
        : null;
  if (target?.type !== 'identifier') return false;
  if (use.type === 'init_declarator') return STATUS_TYPE.test(use.parent?.childForFieldName('type')?.text ?? '');
  const func = [...ancestors(use)].find((a) => a.type === 'function_definition');
  // A parameter: `int foo(..., int *rc)` never reaches here (`*rc` is no identifier).
  return !!func && STATUS_TYPE.test(localDeclarationType(func, target.text) ?? '');
}

/**
 * The type a declaration in `body` gives `name` (`auto_fd fd;`, `int rv = 0;`); with `throughPointers`
 * also `struct entry *ent = ...` (the declarator under its `*`s).
 */
export function localDeclarationType(body: Node, name: string, throughPointers = false): string | undefined {
  for (const d of findAll(body, 'declaration')) {
    const declares = d.namedChildren.some(
      (c) =>
        c &&
        (throughPointers
          ? c.type !== 'primitive_type' && declaratorNamed(c, name)
          : (c.type === 'identifier' && c.text === name) ||
            (c.type === 'init_declarator' && c.childForFieldName('declarator')?.text === name)),
    );
    if (declares) return d.childForFieldName('type')?.text;
  }
  return undefined;
}

/** Words of callees that look at a record and give it back: logging, printing, checks, lookups. */
const READS = new Set(
  'log print dump debug trace show check validate verify is has get find lookup compare cmp hash count len size format describe test assert'.split(
    ' ',
  ),
);

const CALLBACK_NAME = /(^|_)(cb|callback|handler)$|(Callback|Handler)$/;

function callbackBeside(call: Node, index: number, res: COwnedResource): boolean {
  const args = callArguments(call);
  return args.some((a, i) => {
    if (!a || i === index) return false;
    const name = a.type === 'pointer_expression' && a.text.startsWith('&') ? a.namedChild(0)?.text : a.text;
    return !!name && /^\w+$/.test(name) && (CALLBACK_NAME.test(name) || !!res.functions?.has(name));
  });
}

function deletedLater(res: COwnedResource, at: Node): boolean {
  return res.isNew && !!res.deletedAfter?.(at);
}

function isStoredBackTo(call: Node, name: string): boolean {
  const up = call.parent;
  return up?.type === 'assignment_expression' && up.childForFieldName('left')?.text === name;
}

function isAcquisition(expr: Node, res: COwnedResource): boolean {
  let e: Node | null = expr;
  while (e && CASTS.has(e.type)) e = e.namedChild(e.namedChildCount - 1);
  if (!e) return false;
  if (res.isNew) return e.type === 'new_expression';
  return e.type === 'call_expression' && res.pair.acquire.includes(e.childForFieldName('function')?.text ?? '');
}

export function mentionsText(text: string, name: string): boolean {
  const i = text.indexOf(name);
  if (i < 0) return false;
  return new RegExp(`(^|[^\\w])${name.replace(/[$]/g, '\\$&')}([^\\w]|$)`).test(text);
}

/**
 * Whether the resource can still be held after `cond` went the way `edge` says: false on the
 * branch where it is null, or where its acquisition reported failure (unless the API leaves
 * something to release even then, like `sqlite3_open`).
 */
export function cHeldAlong(cond: Node, edge: EdgeKind, res: COwnedResource): boolean {
  if (edge !== 'true' && edge !== 'false') return true;
  return implies(unwrap(cond), edge === 'true', res) !== 'absent';
}

/**
 * A switch on the acquisition's own status (`switch (getaddrinfo(host, NULL, &hints, &res)) { case 0:
 * ...; case EAI_NONAME: ...; default: ... }`): only the success case holds the resource; with a
 * success case listed, `default` is a failure too.
 */
export function caseHeld(cond: Node, to: CfgBlock | undefined, res: COwnedResource): boolean {
  if (res.heldOnFailure || isSubject(unwrap(cond), res) !== 'status') return true;
  const success = (v: string) =>
    res.zeroIsSuccess ? /^(0|\w+_OK|\w+_SUCCESS)$/.test(v) : !/^(0|false|FALSE)$/.test(v);
  const value = to?.node?.text.trim();
  if (value !== undefined) return success(value);
  const body = cond.parent?.childForFieldName('body');
  return !(body?.namedChildren ?? []).some(
    (c) => c?.type === 'case_statement' && success(c.childForFieldName('value')?.text.trim() ?? 'default'),
  );
}

type Fact = 'held' | 'absent' | undefined;

function within(outer: Node, inner: Node): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

/** A condition's text without blanks or outer parentheses: `( fp == NULL )` -> `fp==NULL`. */
export function normalizeCondition(text: string): string {
  return text.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');
}

function flat(n: Node): string {
  return normalizeCondition(n.text);
}

/** The expression a condition tests, without `( )` and the `if`'s condition clause. */
export function unwrap(n: Node): Node {
  let cur = n;
  for (;;) {
    if (cur.type === 'condition_clause') {
      const v = cur.childForFieldName('value') ?? cur.namedChildren[cur.namedChildCount - 1];
      if (!v) return cur;
      cur = v;
    } else if (cur.type === 'parenthesized_expression' && cur.namedChildCount === 1) cur = cur.namedChild(0)!;
    else return cur;
  }
}

/**
 * Calls that return the truth of their first argument: asserts that log and go on, a test framework's
 * checks (`TEST_CHECK(fp != NULL)`, acutest), branch hints, a project's own (`mk_unlikely`, `G_LIKELY`).
 */
const ASSERT_RETURNING_CONDITION =
  /(^|_)(assert|ASSERT|CHECK)(_\w+)?$|^(likely|unlikely|LIKELY|UNLIKELY|__builtin_expect)$|^\w+_(un)?likely$|^[A-Z]+_(UN)?LIKELY$/;
const VALIDITY_TEST = /(^|_)(is_?)?valid(_\w+)?$|^(is|IS)_?(VALID|Valid)\w*$|^isValid\w*$/;

function implies(e: Node, outcome: boolean, res: COwnedResource): Fact {
  e = unwrap(e);
  if (e.type === 'unary_expression' && e.child(0)?.text === '!') return implies(e.namedChild(0)!, !outcome, res);
  // `is_valid_socket(fd)`, `IS_VALID_HANDLE(h)`: a project's own validity test of the handle alone.
  if (e.type === 'call_expression') {
    const args = callArguments(e);
    const fn = e.childForFieldName('function')?.text ?? '';
    if (args.length === 1 && args[0].text === res.name && VALIDITY_TEST.test(fn)) return outcome ? 'held' : 'absent';
    // `if (!sway_assert(p, "alloc failed")) return;`, `if (unlikely(!p))`: a call that returns the truth of
    // its first argument (an assert that logs and goes on, a branch hint) says what that argument says.
    if (args.length >= 1 && ASSERT_RETURNING_CONDITION.test(fn)) return implies(args[0], outcome, res);
  }
  if (e.type === 'binary_expression') {
    let op = e.childForFieldName('operator')?.text ?? e.child(1)?.text;
    const l = e.childForFieldName('left')!;
    const r = e.childForFieldName('right')!;
    // `fds[0] >= 0`, `fds[1] != -1`: an end of a pipe pair still open (the array starts at -1).
    if (
      res.pair.arrayHandle &&
      l.type === 'subscript_expression' &&
      l.childForFieldName('argument')?.text === res.name
    ) {
      const valid = /^(>=0|!=-1|>-1)$/.test(`${op}${r.text.replace(/\s+/g, '')}`);
      const invalid = /^(<0|==-1|<=-1)$/.test(`${op}${r.text.replace(/\s+/g, '')}`);
      if (valid || invalid) return outcome === valid ? 'held' : 'absent';
    }
    if (op === '&&' || op === 'and') {
      if (!outcome) {
        // `if (copied && temp)` with `copied` known true on this path: it went false because of temp.
        if (res.knownTrue?.has(flat(l))) return implies(r, false, res);
        if (res.knownTrue?.has(flat(r))) return implies(l, false, res);
        // `if (ok && (d = opendir(p)))` went false: either the acquisition never ran, or it failed.
        // `if (p && p != input)` went false: p is null or it is the input, not ours, either way.
        const b = implies(r, false, res);
        return b === 'absent' && (within(r, res.call) || implies(l, false, res) === 'absent') ? 'absent' : undefined;
      }
      const a = implies(l, true, res);
      return a === 'absent' ? a : implies(r, true, res) === 'absent' ? 'absent' : a;
    }
    if (op === '||' || op === 'or') {
      if (outcome) {
        // `if (rc != SQLITE_OK || !stmt)`: both ways of going true hold nothing. `if (!(a = f()) ||
        // !(p = g()))` with p acquired last: true either before p was acquired or because it failed.
        const a = implies(l, true, res);
        const b = implies(r, true, res);
        return b === 'absent' && (a === 'absent' || within(r, res.call)) ? 'absent' : undefined;
      }
      const a = implies(l, false, res);
      return a === 'absent' ? a : implies(r, false, res) === 'absent' ? 'absent' : a;
    }
    if (op === '==' || op === '!=' || op === '<' || op === '>=' || op === '>' || op === '<=') {
      // `if (*mustFree == 1) free(p)` with the flag set right after the acquisition: it goes true.
      const flag = res.knownTrue?.has(flat(l)) ? r : res.knownTrue?.has(flat(r)) ? l : undefined;
      if (flag && (op === '==' || op === '!=')) {
        const against = flat(flag);
        const one = /^(1|true|TRUE)$/.test(against);
        if (one || /^(0|false|FALSE)$/.test(against)) return ((op === '==') === one) === outcome ? undefined : 'absent';
      }
      // `if (priv->avfc == NULL) free(avfc)` with `priv->avfc = avfc` on the way: set, the place holds it.
      const place = res.storedAt?.has(flat(l)) ? r : res.storedAt?.has(flat(r)) ? l : undefined;
      if (place && /^(NULL|nullptr|0)$/.test(flat(place)) && (op === '==' || op === '!='))
        return (op === '!=') === outcome ? 'absent' : undefined;
      const swapped = isSubject(unwrap(r), res) && !isSubject(unwrap(l), res);
      const [subject, other] = swapped ? [r, l] : [l, r];
      // `0 > (fd = socket(...))` is `fd < 0`.
      if (swapped) op = ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=' } as Record<string, string>)[op] ?? op;
      const kind = isSubject(unwrap(subject), res);
      if (!kind) return undefined;
      // `(sock_t)-1`, `(HANDLE)NULL`: the value under a cast.
      // `iconv_t(-1)`, `static_cast<HANDLE>(-1)`: a C++ cast of it.
      const o = unwrap(other)
        .text.replace(/^\(\s*[\w\s*]+\)\s*/, '')
        .replace(
          /^(?:[A-Za-z_][\w:]*|(?:static|reinterpret)_cast\s*<[^<>]*>)\s*\((\s*(?:-\s*1|0|NULL|nullptr)\s*)\)$/,
          '$1',
        )
        .replace(/^\((.*)\)$/, '$1')
        .trim();
      if (kind === 'pointer') {
        // Pointers test against NULL; descriptors (`socket()`) against -1 or below 0.
        const invalid =
          /^(NULL|nullptr|0|\(void\s*\*\)\s*0|-1|INVALID_SOCKET|CURL_SOCKET_BAD|INVALID_HANDLE_VALUE|MAP_FAILED|SIG_ERR)$/.test(
            o,
          ) ||
          // A project's own sentinel: `priv::SocketImpl::invalidSocket()`, `kInvalidHandle`, `INVALID_FD`.
          /^([\w:]*::)?(invalid\w*\(\)|[Ii]nvalid[A-Z]\w*|kInvalid\w+|INVALID_\w+|\w+_INVALID)$/.test(o);
        // `if (converted != surface) destroy(converted)`, `if (data != *buf) free(data)`: equal to another
        // object (the caller's buffer, a field's default), it is that one, held there.
        if (
          !invalid &&
          /^(identifier|field_expression|pointer_expression|subscript_expression)$/.test(unwrap(other).type) &&
          (op === '==' || op === '!=')
        )
          return (op === '==') === outcome ? 'absent' : undefined;
        if (invalid && op === '==') return outcome ? 'absent' : 'held';
        if (invalid && op === '!=') return outcome ? 'held' : 'absent';
        if (o === '0' && op === '<') return outcome ? 'absent' : 'held';
        // `if (fd > 2) close(fd)`, `if (devnull > STDERR_FILENO)`: a descriptor at or below the bound is a
        // standard stream (dup2'ed there or opened when one was closed), kept on purpose.
        if (res.isDescriptor && /^(\d+|STD(IN|OUT|ERR)_FILENO)$/.test(o) && op === '>')
          return outcome ? undefined : 'absent';
        // `if (desc != 1) close(desc)` after `desc = 1` for output to stdout: equal, it is that stream.
        if (res.isDescriptor && /^([0-2]|STD(IN|OUT|ERR)_FILENO)$/.test(o) && (op === '==' || op === '!='))
          return (op === '==') === outcome ? 'absent' : undefined;
        if (o === '0' && op === '>=') return outcome ? 'held' : 'absent';
        // `if (fd > -1) close(fd)`: the same test as `fd >= 0`.
        if (o === '-1' && op === '>') return outcome ? 'held' : 'absent';
        if (o === '-1' && op === '<=') return outcome ? 'absent' : 'held';
        return undefined;
      }
      // A status: success or failure of the acquisition.
      const zero = /^(0|[A-Z_]*OK|[A-Z_]*SUCCESS|S_OK|Z_OK)$/.test(o);
      let success: boolean | undefined;
      // `pipe(fds) == -1`: the failure value of a call that returns 0 on success.
      const failure = res.zeroIsSuccess && /^-\s*\d+$/.test(o);
      // `rc == EAI_NONAME` after `rc = getaddrinfo(...)`: a named code that is not success is a failure.
      const failureCode =
        res.zeroIsSuccess && !zero && /^[A-Z][A-Z0-9_]*$/.test(o) && !/(OK|SUCCESS|NO_?ERR(OR)?|DONE|ROW)$/.test(o);
      if (failureCode && (op === '==') === outcome) success = false;
      else if (op === '==') success = zero ? outcome : failure ? !outcome : undefined;
      else if (op === '!=') success = zero ? !outcome : failure ? outcome : undefined;
      else if (o === '0' && op === '<') success = !outcome;
      else if (o === '0' && op === '>=') success = outcome;
      // `if (asprintf(&s, "%s.tmp", f) <= 0)`: a code that tests zero with the failures reads the status as
      // a count of what was made (zero only for an empty result); the branch is the failure.
      else if (o === '0' && op === '<=') success = !outcome;
      else if (o === '0' && op === '>') success = outcome;
      if (success === undefined) return undefined;
      return success ? 'held' : res.heldOnFailure ? 'held' : 'absent';
    }
    return undefined;
  }
  // `if (temp_is_copy) free(temp)` with the flag set right after the acquisition: it goes true.
  if (res.knownTrue?.has(flat(e))) return outcome ? undefined : 'absent';
  if (res.storedAt?.has(flat(e))) return outcome ? 'absent' : undefined;
  const kind = isSubject(e, res);
  if (kind === 'pointer') return outcome ? 'held' : 'absent';
  if (kind === 'status') {
    const success = res.zeroIsSuccess ? !outcome : outcome;
    return success ? 'held' : res.heldOnFailure ? 'held' : 'absent';
  }
  return undefined;
}

/** The resource's pointer itself (`p`, `(p = malloc(n))`), or its acquisition's status (`rc`, the call). */
function isSubject(e: Node, res: COwnedResource): 'pointer' | 'status' | undefined {
  e = unwrap(e);
  if (e.type === 'identifier') {
    // The pointer itself, also for out-parameters (`if (stmt)` after prepare: null when it failed).
    if (e.text === res.name) return 'pointer';
    if (res.status && e.text === res.status) return 'status';
    return undefined;
  }
  if (e.type === 'assignment_expression') {
    const left = e.childForFieldName('left')?.text;
    if (left === res.name && res.pair.kind === 'returns') return 'pointer';
    if (res.status && left === res.status) return 'status';
    const right = e.childForFieldName('right');
    if (right && right.id === res.call.id) return res.pair.kind === 'returns' ? 'pointer' : 'status';
    return undefined;
  }
  if (e.id === res.call.id) return res.pair.kind === 'returns' ? 'pointer' : 'status';
  return undefined;
}

/**
 * Functions of this file that release one of their parameters (`void buf_free(buf *b) { free(b->data);
 * free(b); }`), found from their bodies: calls to them count as releases. A parameter copied into a
 * local first (`T *d = (T *)opaque; ... free(d);`, the thread-entry idiom) counts as the parameter.
 */
export function sameFileReleasers(root: Node, releaseNames: Set<string>): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  const all = findAll(root, 'function_definition');
  for (let round = 0; round < 2; round++) {
    // Only functions whose text calls a release, or (second round) a releaser found in the first.
    const names = [...releaseNames, ...out.keys()].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    const callsRelease = new RegExp(`\\b(?:${names.join('|')}|\\w*free|\\w*FREE)\\s*\\(`);
    for (const def of all) {
      if (!callsRelease.test(def.text)) continue;
      const fn = parametersOf(def);
      if (!fn) continue;
      for (const call of findAll(fn.body, 'call_expression')) {
        const callee = call.childForFieldName('function')?.text ?? '';
        const argsOf = callArguments(call);
        // A project's own `sfree(p)` / `xfree(p)` / `SAFE_FREE(p)` macro or wrapper of free(): one pointer,
        // released.
        const freeLike = argsOf.length === 1 && /^([A-Za-z_]*free|[A-Z_]*FREE)$/.test(callee);
        const released = releaseNames.has(callee) || freeLike ? argsOf.map((_, i) => i) : [...(out.get(callee) ?? [])];
        for (const i of released) {
          const at = fn.paramAt(argsOf[i] ?? null);
          if (at >= 0) {
            if (!out.has(fn.name)) out.set(fn.name, new Set());
            out.get(fn.name)!.add(at);
          }
        }
      }
    }
  }
  return out;
}

/**
 * Functions of this file that keep one of their pointer parameters: store it in a field, through an
 * out-pointer or in an element (`s->rbuf = buf`), or hand it to a call whose name says it keeps it
 * (`sarrayAddString(sa, hexdata, L_INSERT)`). Passing a resource to them hands it on. Read lazily,
 * one callee at a time: most resources never meet a same-file call.
 */
export function sameFileAdopters(root: Node): Map<string, Set<number>> {
  return sameFileSummary(root, keptParameters);
}

/**
 * Argument positions per function of this file, summarised by `summarize` on first need; a function
 * calling itself (or round a cycle) adds nothing through that call.
 */
function sameFileSummary(
  root: Node,
  summarize: (def: Node, lookup: (name: string) => Set<number> | undefined) => Set<number> | undefined,
): Map<string, Set<number>> {
  let defs: Map<string, Node> | undefined;
  const cache = new Map<string, Set<number> | undefined>();
  const lookup = (name: string): Set<number> | undefined => {
    if (cache.has(name)) return cache.get(name);
    if (!defs) {
      defs = new Map();
      for (const def of findAll(root, 'function_definition')) {
        const n = functionName(def)?.replace(/^.*::/, '');
        if (n && !defs.has(n)) defs.set(n, def);
      }
    }
    const def = defs.get(name);
    cache.set(name, undefined);
    const out = def ? summarize(def, lookup) : undefined;
    cache.set(name, out);
    return out;
  };
  return { get: lookup } as Map<string, Set<number>>;
}

/**
 * `strict` (a function of another file, read for its callers here): a store into a struct local to it
 * (`headers.data = data`) keeps nothing past its return, and a lookup (`tree_find(t, name)`) keeps
 * nothing either, whatever container its name says it searches.
 */
function keptParameters(
  def: Node,
  adoptedBy: (name: string) => Set<number> | undefined,
  strict = false,
): Set<number> | undefined {
  const fn = parametersOf(def);
  if (!fn) return undefined;
  const locals = strict
    ? new Set(
        findAll(fn.body, 'declaration').flatMap((d) =>
          d.namedChildren.flatMap((c) =>
            c?.type === 'identifier'
              ? [c.text]
              : c?.type === 'init_declarator' && c.namedChild(0)?.type === 'identifier'
                ? [c.namedChild(0)!.text]
                : [],
          ),
        ),
      )
    : undefined;
  const out = new Set<number>();
  const keep = (i: number) => {
    if (i >= 0 && fn.pointers[i]) out.add(i);
  };
  for (const assign of findAll(fn.body, 'assignment_expression')) {
    const left = assign.childForFieldName('left');
    if (!left || !/^(field_expression|pointer_expression|subscript_expression)$/.test(left.type)) continue;
    if (locals && left.type === 'field_expression' && left.childForFieldName('operator')?.text === '.') {
      let base: Node | null = left;
      while (base?.type === 'field_expression') base = base.childForFieldName('argument');
      if (base?.type === 'identifier' && locals.has(base.text)) continue;
    }
    const right = assign.childForFieldName('right');
    keep(fn.paramAt(right));
    // `ring->buf = b_make(area, size, 0, 0)`: stored inside what a constructor-like call builds around it.
    const callee = right?.type === 'call_expression' ? (right.childForFieldName('function')?.text ?? '') : '';
    if (words(callee).some((w) => BUILDS_AROUND.has(w))) for (const a of callArguments(right!)) keep(fn.paramAt(a));
  }
  for (const call of findAll(fn.body, 'call_expression')) {
    const callee = call.childForFieldName('function')?.text.replace(/^.*::/, '') ?? '';
    // A same-file callee that keeps the argument (`return assemble_table(names, n, buf)`).
    const kept = callee !== fn.name ? adoptedBy(callee) : undefined;
    if (kept) {
      const args = callArguments(call);
      for (const i of kept) keep(fn.paramAt(args[i] ?? null));
    }
    // `write(pipe_fd, &request, sizeof(request))`: the pointer itself goes down a pipe or socket to
    // another thread, which takes the block it points to (mtr's ICMP thread requests).
    if (/^(write|send)$/.test(callee)) {
      const sent = callArguments(call)[1];
      const pointee =
        sent?.type === 'pointer_expression' && sent.text.startsWith('&') ? sent.childForFieldName('argument') : null;
      if (pointee) keep(fn.paramAt(pointee));
    }
    // `DEQ_INSERT_TAIL(out_messages, cdm)`: a list macro's name is its verb in capitals.
    const verb = /^[A-Z][A-Z0-9_]*$/.test(callee) ? callee.toLowerCase() : callee;
    if (!ADOPTS.test(verb) || BORROWS.has(callee)) continue;
    if (strict && words(callee).some((w) => LOOKUPS.has(w))) continue;
    const argsOf = callArguments(call);
    argsOf.forEach((a, i) => {
      if (i > 0) keep(fn.paramAt(a ?? null));
      // `register_read(name, cb, &(user_data_t){.data = st, .free_func = st_free})`: carried in a record.
      if (a.text.includes('{'))
        for (const v of findAll(a, ['initializer_pair', 'initializer_list']))
          for (const c of v.namedChildren) if (c) keep(fn.paramAt(c));
    });
  }
  return out.size ? out : undefined;
}

interface FunctionParameters {
  name: string;
  body: Node;
  /** Whether each parameter is a pointer (only those can carry an owned block). */
  pointers: boolean[];
  /** The parameter an argument expression is (through casts and local copies), or -1. */
  paramAt(arg: Node | null): number;
}

function parametersOf(def: Node): FunctionParameters | undefined {
  const declarator = findDeclarator(def);
  const name = declarator?.childForFieldName('declarator')?.text.replace(/^.*::/, '');
  const params =
    declarator?.childForFieldName('parameters')?.namedChildren.filter((p) => p?.type === 'parameter_declaration') ?? [];
  const body = def.childForFieldName('body');
  if (!name || !body || params.length === 0) return undefined;
  const paramNames = params.map((p) => innermostName(p!.childForFieldName('declarator')));
  // Pointer typedefs count too: `LPVOID data`, `PVOID ctx`, `gpointer user_data`.
  const pointers = params.map(
    (p) =>
      /\*|\[/.test(p!.childForFieldName('declarator')?.text ?? '') ||
      /\bvoid\s*\*/.test(p!.text) ||
      /^(LP|P)[A-Z]\w*$|^g(const)?pointer$/.test(p!.childForFieldName('type')?.text ?? ''),
  );
  // `T *d = (T *)opaque;`: d stands for the parameter from here on. Found on first need.
  let aliases: Map<string, number> | undefined;
  const aliasOf = (name: string) => {
    if (!aliases) {
      aliases = new Map();
      for (const init of findAll(body, 'init_declarator')) {
        const at = paramNames.indexOf(argumentVariable(init.childForFieldName('value')));
        const local = innermostName(init.childForFieldName('declarator'));
        if (at >= 0 && local) aliases.set(local, at);
      }
    }
    return aliases.get(name) ?? -1;
  };
  return {
    name,
    body,
    pointers,
    paramAt(arg) {
      const text = argumentVariable(arg);
      if (!text) return -1;
      const at = paramNames.indexOf(text);
      return at >= 0 ? at : aliasOf(text);
    },
  };
}

/**
 * This file's functions that only use a descriptor parameter: each use of it is an argument of a
 * system call that borrows descriptors (setsockopt, fstat, read) or of another such function, or a
 * comparison; never stored, returned, assigned or handed anywhere else. Computed per name on demand.
 */
export function sameFileFdBorrowers(root: Node): Map<string, Set<number>> {
  return sameFileSummary(root, fdBorrowedParameters);
}

function fdBorrowedParameters(def: Node, borrowedBy: (name: string) => Set<number> | undefined): Set<number> {
  const fn = parametersOf(def);
  const out = new Set<number>();
  if (!fn) return out;
  const declarator = findDeclarator(def);
  const params =
    declarator?.childForFieldName('parameters')?.namedChildren.filter((p) => p?.type === 'parameter_declaration') ?? [];
  params.forEach((param, i) => {
    if (fn.pointers[i]) return;
    const name = innermostName(param!.childForFieldName('declarator'));
    if (!name) return;
    const uses = findAll(fn.body, 'identifier').filter((id) => id.text === name);
    if (uses.length && uses.every((use) => onlyBorrows(use, fn.name, borrowedBy))) out.add(i);
  });
  return out;
}

function onlyBorrows(use: Node, self: string, borrowedBy: (name: string) => Set<number> | undefined): boolean {
  let v: Node = use;
  while (v.parent?.type === 'parenthesized_expression') v = v.parent;
  const up = v.parent;
  if (!up) return false;
  // `if (fd < 0)`, `fd == -1`, `fd >= 0 && ...`: compared, not kept.
  if (up.type === 'binary_expression') return /^(==|!=|<|<=|>|>=)$/.test(up.childForFieldName('operator')?.text ?? '');
  if (up.type !== 'argument_list' || up.parent?.type !== 'call_expression') return false;
  const callee = up.parent.childForFieldName('function');
  if (callee?.type !== 'identifier') return false;
  if (FD_BORROWS.has(callee.text) && !/^(dup2|dup3|accept|accept4|openat|mmap)$/.test(callee.text)) return true;
  const index = up.namedChildren.findIndex((a) => a?.id === v.id);
  return callee.text !== self && !!borrowedBy(callee.text)?.has(index);
}

/** An argument's variable under casts and `&`: `(T *)p`, `&p`, `(p)` -> p. */
export function argumentVariable(arg: Node | null): string | undefined {
  let n = arg;
  while (n && (CASTS.has(n.type) || n.type === 'cast_expression')) {
    if (n.type === 'pointer_expression' && !n.text.startsWith('&')) return undefined;
    n = n.childForFieldName('value') ?? n.childForFieldName('argument') ?? n.namedChild(n.namedChildCount - 1);
  }
  return n?.type === 'identifier' ? n.text : undefined;
}

/**
 * The names of the functions the file defines (`chunk_cb`): passed beside a resource, one of them is
 * the callback the resource is the user data of.
 */
export function sameFileFunctionNames(root: Node): Set<string> {
  const out = new Set<string>();
  for (const def of findAll(root, 'function_definition')) {
    const name = functionName(def);
    if (name && /^\w+$/.test(name)) out.add(name);
  }
  return out;
}

/** `f` of `int f(void) {...}`, `Cls::f` of a method defined out of its class. */
export function functionName(def: Node): string | undefined {
  // `int WINAPI WinMain(...)`: the calling convention is part of the declarator's text.
  return findDeclarator(def)?.childForFieldName('declarator')?.text.split(/\s+/).pop();
}

function findDeclarator(def: Node): Node | null {
  let d = def.childForFieldName('declarator');
  while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
  return d;
}

function innermostName(decl: Node | null): string | undefined {
  let n = decl;
  while (n && n.type !== 'identifier') n = n.childForFieldName('declarator') ?? n.namedChild(0);
  return n?.text;
}

/** `!x`, `x == NULL`, `NULL == x`, `x != 0`, `x` (text without blanks): a test of whether x is null. */
export function nullTest(text: string): { subject: string; nullWhenTrue: boolean } | undefined {
  let m = NULL_WHEN_TRUE.exec(text);
  if (m) return { subject: m[1] ?? m[2] ?? m[3], nullWhenTrue: true };
  m = NULL_WHEN_FALSE.exec(text);
  if (m) return { subject: m[1] ?? m[2] ?? m[3], nullWhenTrue: false };
  return undefined;
}
const NULL_WORD = '(?:NULL|nullptr|0)';
const NULL_WHEN_TRUE = new RegExp(`^(?:!(\\w+)|(\\w+)==${NULL_WORD}|${NULL_WORD}==(\\w+))$`);
const NULL_WHEN_FALSE = new RegExp(`^(?:(\\w+)|(\\w+)!=${NULL_WORD}|${NULL_WORD}!=(\\w+))$`);

const NULL_LITERAL = /^(NULL|nullptr|0|\(void\s*\*\)\s*0)$/;

/**
 * Null facts about other local pointers, followed along each path: still NULL since before the
 * acquisition (`FILE *res = NULL;` or `in = res = NULL;` on every path to it), or learnt from a
 * test (`if (surface)` went false: NULL there). A later test of the same pointer, with nothing
 * assigned to it since, goes one way only. Up to 8 pointers, those the function tests for null.
 */
export function nullFacts(
  func: Node,
  acquisition: Node,
  resource: string,
  memo: <T>(key: string, compute: () => T) => T = (_k, f) => f(),
  max = 8,
): PathFacts | undefined {
  const tests = new Map<number, ReturnType<typeof nullTest>>();
  const testOf = (cond: Node) => {
    if (!tests.has(cond.id)) tests.set(cond.id, nullTest(normalizeCondition(cond.text)));
    return tests.get(cond.id);
  };
  const vars: string[] = [];
  const tested = memo(`c.nullTested.${func.id}`, () => nullTestedPointers(func));
  if (tested.size === 0) return undefined;
  const assignments = memo(`c.assignments.${func.id}`, () =>
    findAll(func, ['init_declarator', 'assignment_expression']),
  );
  // A fact only pays when it decides a test: a pointer tested twice, or known NULL at the start.
  // Each one kept multiplies the states the path search may visit.
  for (const [v, count] of tested)
    if (
      v !== resource &&
      vars.length < max &&
      (count > 1 ||
        nullAtAcquisition(func, acquisition, v, assignments) ||
        loopTestedAtAcquisition(acquisition, v, assignments) ||
        assignments.some((a) => neverNullInto(a, v)))
    )
      vars.push(v);
  if (vars.length === 0) return undefined;
  return pathNullFacts(func, acquisition, vars, testOf, assignments);
}

/** The pointers the function tests for null, with how many tests each. */
function nullTestedPointers(func: Node): Map<string, number> {
  const out = new Map<string, number>();
  for (const cond of findAll(
    func,
    ['condition_clause', 'parenthesized_expression'],
    (n) => n.parent?.type === 'if_statement',
  )) {
    const t = nullTest(normalizeCondition(cond.text));
    if (t) out.set(t.subject, (out.get(t.subject) ?? 0) + 1);
  }
  return out;
}

/**
 * Allocators that never return NULL: GLib's abort when memory runs out (not `g_strdup`, NULL for NULL),
 * and the projects' `x`/`e`/`s`-prefixed ones that die instead of failing. A null test of what they
 * returned goes one way.
 */
const NEVER_NULL_ALLOC =
  /^(g_malloc0?|g_new0?|g_renew|g_realloc|g_strdup_printf|g_strdup_vprintf|g_strconcat|g_strjoin|g_memdup2?|g_slice_new0?|g_slice_alloc0?|(x|e|s)(malloc|calloc|realloc|strdup|strndup|zalloc))$/;

/** `v = g_malloc(n)` (also with a cast): v is not NULL after it. */
function neverNullInto(assignment: Node, v: string): boolean {
  if (assignment.type !== 'assignment_expression' || assignment.childForFieldName('left')?.text !== v) return false;
  let right = unwrap(assignment.childForFieldName('right')!);
  while (right.type === 'cast_expression') right = unwrap(right.childForFieldName('value') ?? right);
  return right.type === 'call_expression' && NEVER_NULL_ALLOC.test(right.childForFieldName('function')?.text ?? '');
}

function pathNullFacts(
  func: Node,
  acquisition: Node,
  vars: string[],
  testOf: (cond: Node) => { subject: string; nullWhenTrue: boolean } | undefined,
  assignments: Node[],
): PathFacts | undefined {
  // Bit i: vars[i] is NULL; bit i + count: it is not.
  const count = vars.length;
  const isNull = (v: string) => 1 << vars.indexOf(v);
  const notNull = (v: string) => 1 << (vars.indexOf(v) + count);
  const forget = (v: string) => ~(isNull(v) | notNull(v));
  return {
    bits: 2 * count,
    initial: vars.reduce(
      (m, v) =>
        nullAtAcquisition(func, acquisition, v, assignments)
          ? m | isNull(v)
          : loopTestedAtAcquisition(acquisition, v, assignments)
            ? m | notNull(v)
            : m,
      0,
    ),
    transfer(block, facts) {
      const node = block.node;
      if (!node) return facts;
      let out = facts;
      for (const v of vars) {
        if (!mentionsText(node.text, v)) continue;
        // Set to something (`res = fopencookie(...)`), or passed by address: no longer known.
        for (const id of findAll(node, 'identifier', (n) => n.text === v)) {
          const up = id.parent;
          if (up?.type === 'assignment_expression' && up.childForFieldName('left')?.id === id.id) {
            out &= forget(v);
            if (NULL_LITERAL.test(up.childForFieldName('right')?.text ?? '')) out |= isNull(v);
            else if (neverNullInto(up, v)) out |= notNull(v);
          } else if ((up?.type === 'pointer_expression' && up.text.startsWith('&')) || up?.type === 'update_expression')
            out &= forget(v);
        }
      }
      return out;
    },
    feasible(cond, edge, facts) {
      if (facts === 0 || (edge !== 'true' && edge !== 'false')) return true;
      const t = testOf(cond);
      if (!t || !vars.includes(t.subject)) return true;
      const nullHere = (edge === 'true') === t.nullWhenTrue;
      if (facts & isNull(t.subject)) return nullHere;
      if (facts & notNull(t.subject)) return !nullHere;
      return true;
    },
    refine(cond, edge, facts) {
      if (edge !== 'true' && edge !== 'false') return facts;
      const t = testOf(cond);
      if (!t || !vars.includes(t.subject)) return facts;
      const nullHere = (edge === 'true') === t.nullWhenTrue;
      return (facts & forget(t.subject)) | (nullHere ? isNull(t.subject) : notNull(t.subject));
    },
  };
}

/**
 * Whether `v` is known non-NULL where `acquisition` runs because the loop around it runs only while it
 * is (`for (ai = res; ai; ai = ai->ai_next) { sock = socket(...); ... break; }`), and nothing in the
 * body before the acquisition assigns it. A `break` then leaves with it non-NULL, and the usual
 * `if (ai == NULL) return -1;` after the loop is reached only when every iteration gave up.
 */
function loopTestedAtAcquisition(acquisition: Node, v: string, assignments: Node[]): boolean {
  for (const loop of ancestors(acquisition)) {
    if (loop.type !== 'for_statement' && loop.type !== 'while_statement') continue;
    const cond = loop.childForFieldName('condition');
    const body = loop.childForFieldName('body');
    if (!cond || !body || !contains(body, acquisition)) continue;
    const t = nullTest(normalizeCondition(cond.text));
    if (t?.subject !== v || t.nullWhenTrue) continue;
    return !assignments.some(
      (n) =>
        n.startIndex >= body.startIndex &&
        n.startIndex < acquisition.startIndex &&
        (n.type === 'init_declarator'
          ? innermostName(n.childForFieldName('declarator'))
          : n.childForFieldName('left')?.text) === v,
    );
  }
  return false;
}

/**
 * Whether `v` is NULL when `acquisition` runs on every path: declared or set to NULL by a statement
 * of a block that encloses the acquisition, with no other assignment to it in between.
 */
function nullAtAcquisition(func: Node, acquisition: Node, v: string, assignments: Node[]): boolean {
  let nulled: Node | undefined;
  for (const n of assignments) {
    if (n.startIndex >= acquisition.startIndex) break;
    const target =
      n.type === 'init_declarator'
        ? innermostName(n.childForFieldName('declarator'))
        : n.childForFieldName('left')?.text;
    if (target !== v) continue;
    const value = n.childForFieldName(n.type === 'init_declarator' ? 'value' : 'right');
    // `in = res = NULL`: the innermost value of the chain.
    let end = value;
    while (end?.type === 'assignment_expression') end = end.childForFieldName('right');
    nulled = NULL_LITERAL.test(end?.text ?? '') ? n : undefined;
  }
  if (!nulled) return false;
  // The statement holding it must sit in a block that also holds the acquisition (runs before it on every path).
  let statement: Node | null = nulled;
  while (statement && statement.parent?.type !== 'compound_statement') statement = statement.parent;
  const block = statement?.parent;
  if (!statement || !block) return false;
  // Also taken by address or incremented before the acquisition: unknown.
  const between = findAll(
    func,
    'identifier',
    (n) => n.text === v && n.startIndex > nulled!.endIndex && n.startIndex < acquisition.startIndex,
  );
  if (between.some((n) => n.parent?.type === 'pointer_expression' && n.parent.text.startsWith('&'))) return false;
  return block.startIndex <= acquisition.startIndex && acquisition.endIndex <= block.endIndex;
}

/**
 * One answer per preprocessor condition along a path: `#ifdef WINDOWED` taken once is taken again
 * later in the function, `#ifndef WINDOWED` and `#if !defined(WINDOWED)` then are not. Up to 8.
 */
export function preprocessorFacts(
  func: Node,
  acquisition: Node,
  memo: <T>(key: string, compute: () => T) => T = (_k, f) => f(),
  max = 8,
): PathFacts | undefined {
  const directives = memo(`c.preprocessor.${func.id}`, () =>
    findAll(func, ['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef']),
  );
  if (directives.length === 0) return undefined;
  const keys: string[] = [];
  const keyOf = (cond: Node): { key: string; whenTrue: boolean } | undefined => {
    const directive = cond.parent;
    if (!directive || !/^preproc_(if|ifdef|elif|elifdef)$/.test(directive.type)) return undefined;
    const keyword = directive.child(0)?.text ?? '';
    let text = cond.text.replace(/\s+/g, '').replace(/defined\(?(\w+)\)?/g, '$1');
    let whenTrue = !/^#(ifndef|elifndef)$/.test(keyword);
    while (text.startsWith('!')) {
      text = text.slice(1).replace(/^\((.*)\)$/, '$1');
      whenTrue = !whenTrue;
    }
    return { key: text, whenTrue };
  };
  for (const d of directives) {
    const cond = d.childForFieldName('condition') ?? d.childForFieldName('name');
    const k = cond && keyOf(cond);
    if (k && !keys.includes(k.key) && keys.length < max) keys.push(k.key);
  }
  if (keys.length < 1) return undefined;
  const on = (k: string) => 1 << keys.indexOf(k);
  const off = (k: string) => 1 << (keys.indexOf(k) + keys.length);
  const answer = (cond: Node, edge: string) => {
    const k = keyOf(cond);
    if (!k || !keys.includes(k.key) || (edge !== 'true' && edge !== 'false')) return undefined;
    return { key: k.key, value: (edge === 'true') === k.whenTrue };
  };
  // The branches the acquisition itself sits in: compiled in, so their conditions hold.
  let initial = 0;
  for (let child: Node = acquisition, a = acquisition.parent; a && a.id !== func.id; child = a, a = a.parent) {
    if (!/^preproc_(if|ifdef|elif|elifdef)$/.test(a.type)) continue;
    const cond = a.childForFieldName('condition') ?? a.childForFieldName('name');
    const inAlternative = a.childForFieldName('alternative')?.id === child.id;
    const k = cond && keyOf(cond);
    if (k && keys.includes(k.key)) initial |= k.whenTrue !== inAlternative ? on(k.key) : off(k.key);
  }
  return {
    bits: 2 * keys.length,
    initial,
    transfer: (_block, facts) => facts,
    feasible(cond, edge, facts) {
      const a = answer(cond, edge);
      if (!a) return true;
      return !(facts & (a.value ? off(a.key) : on(a.key)));
    },
    refine(cond, edge, facts) {
      const a = answer(cond, edge);
      return a ? facts | (a.value ? on(a.key) : off(a.key)) : facts;
    },
  };
}
