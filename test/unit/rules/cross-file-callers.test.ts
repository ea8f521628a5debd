// A helper in one file that only another file's main() calls, once, and whose failure ends the program:
// what it leaks on its error return the process gives back a moment later (nginx's ngx_daemon, swaynag's
// config loader, memcached's automover start). Each fixture is a small project on disk, read by the
// engine as `leaklens check` reads one; beside each, the shape that is still reported.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ResultCache } from '../../../src/core/cache';
import { defaultConfig } from '../../../src/core/config';
import { code, engine } from '../helpers';

const RULE = 'raw-c-resource';
const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `files` written under a fresh project root (a `.git` folder marks it); the lines `path` is flagged at. */
async function flagged(files: Record<string, string>, path: string, projectRoot?: string): Promise<number[]> {
  const root = mkdtempSync(join(tmpdir(), 'leaklens-project-'));
  dirs.push(root);
  if (!projectRoot) mkdirSync(join(root, '.git'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  const e = await engine();
  const result = e.analyzeFile(join(root, path), path, defaultConfig(), projectRoot && join(root, projectRoot));
  return result.findings.filter((f) => f.ruleId === RULE).map((f) => f.location.startPoint.line + 1);
}

const LOADER = code`
  #include <stdio.h>
  int load_config(const char *path) {
      FILE *f = fopen(path, "r");
      if (!f)
          return -1;
      char buf[64];
      if (!fgets(buf, sizeof buf, f))
          return -1;
      fclose(f);
      return 0;
  }
  `;
const mainThat = (body: string) =>
  `int load_config(const char *path);\nint main(int argc, char **argv) {\n${body}\n    return 0;\n}\n`;

describe('raw-c-resource: callers in other files', () => {
  it('is not flagged: main in another file calls it once and returns when it fails', async () => {
    const files = {
      'src/config.c': LOADER,
      'src/main.c': mainThat('    if (load_config(argv[1]) < 0)\n        return 1;'),
    };
    assert.deepEqual(await flagged(files, 'src/config.c'), []);
  });

  it('is not flagged when main returns its result, or tests what it assigned and exits', async () => {
    assert.deepEqual(await flagged({ 'a.c': LOADER, 'b.c': mainThat('    return load_config(argv[1]);') }, 'a.c'), []);
    const tested = mainThat('    int rc = load_config(argv[1]);\n    if (rc != 0) {\n        exit(2);\n    }');
    assert.deepEqual(await flagged({ 'a.c': LOADER, 'b.c': tested }, 'a.c'), []);
  });

  it('is not flagged through a chain of helpers across files, each giving up when the next fails', async () => {
    const setup =
      'int load_config(const char *);\nint setup(const char *p) {\n    if (load_config(p))\n        return -1;\n    return 0;\n}\n';
    const main = 'int setup(const char *);\nint main(int argc, char **argv) {\n    return setup(argv[1]);\n}\n';
    assert.deepEqual(await flagged({ 'src/a.c': LOADER, 'src/b.c': setup, 'src/main.c': main }, 'src/a.c'), []);
  });

  it('uses the working directory as the project when no .git marks one (the CLI passes it)', async () => {
    const files = {
      'x/config.c': LOADER,
      'x/main.c': mainThat('    if (load_config(argv[1]) < 0)\n        return 1;'),
    };
    assert.deepEqual(await flagged(files, 'x/config.c', '.'), []);
  });

  it('flags it when main calls it from a loop', async () => {
    const loop = mainThat(
      '    for (int i = 1; i < argc; i++)\n        if (load_config(argv[i]) < 0)\n            return 1;',
    );
    assert.deepEqual(await flagged({ 'a.c': LOADER, 'b.c': loop }, 'a.c'), [3]);
  });

  it('flags it when main ignores its failure and runs on with the leak (bitlbee ipc_master_listen_socket)', async () => {
    assert.deepEqual(await flagged({ 'a.c': LOADER, 'b.c': mainThat('    load_config(argv[1]);') }, 'a.c'), [3]);
  });

  it('flags it when another file also calls it from a function no main reaches (a callback)', async () => {
    const other = 'int load_config(const char *);\nvoid on_reload(void *data) {\n    load_config(data);\n}\n';
    const main = mainThat('    if (load_config(argv[1]) < 0)\n        return 1;');
    assert.deepEqual(await flagged({ 'a.c': LOADER, 'b.c': main, 'c.c': other }, 'a.c'), [3]);
  });

  it('flags it when a command table holds its address', async () => {
    const table =
      'int load_config(const char *);\nstruct cmd { int (*fn)(const char *); } cmds[] = { { load_config } };\n' +
      mainThat('    if (load_config(argv[1]) < 0)\n        return 1;');
    assert.deepEqual(await flagged({ 'a.c': LOADER, 'b.c': table }, 'a.c'), [3]);
  });

  it("flags a library's function that only its example program calls (leptonica's src/ and prog/)", async () => {
    const files = {
      'src/config.c': LOADER,
      'prog/demo.c': mainThat('    if (load_config(argv[1]) < 0)\n        return 1;'),
    };
    assert.deepEqual(await flagged(files, 'src/config.c'), [3]);
  });

  it('flags a leak on every path (the normal one too), whoever calls it', async () => {
    const always = code`
      #include <stdio.h>
      int load_config(const char *path) {
          FILE *f = fopen(path, "r");
          if (!f)
              return -1;
          return 0;
      }
      `;
    const main = mainThat('    if (load_config(argv[1]) < 0)\n        return 1;');
    assert.deepEqual(await flagged({ 'a.c': always, 'b.c': main }, 'a.c'), [3]);
  });

  it('flags a libFuzzer entry point, which the driver calls once per input', async () => {
    const fuzz = LOADER.replace(/load_config\(const char \*path\)/, 'LLVMFuzzerTestOneInput(const char *path)');
    const main =
      'int LLVMFuzzerTestOneInput(const char *);\nint main(int argc, char **argv) {\n    return LLVMFuzzerTestOneInput(argv[1]);\n}\n';
    assert.deepEqual(await flagged({ 'fuzz.c': fuzz, 'afl.c': main }, 'fuzz.c'), [3]);
  });

  it('flags it without a project: a file alone says nothing of its callers', async () => {
    assert.deepEqual(
      await flagged({ 'a.c': LOADER, 'b.c': mainThat('    return load_config(argv[1]);') }, 'a.c', 'none'),
      [3],
    );
  });

  it('is not thrown off by the stand-in another build defines (`#define main_checkfds() 0`, curl)', async () => {
    const withStandIn = LOADER + '#ifdef NO_CONFIG\n#define load_config(p) 0\n#endif\n';
    const main = mainThat('    if (load_config(argv[1]) < 0)\n        return 1;');
    assert.deepEqual(await flagged({ 'src/a.c': withStandIn, 'src/main.c': main }, 'src/a.c'), []);
  });

  it("counts only plain calls: other files' `server.run()` are other functions (nghttp2's run)", async () => {
    const program =
      LOADER.replace(/load_config/g, 'run') + 'int main(int argc, char **argv) {\n    return run(argv[1]);\n}\n';
    const members = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [
        `src/s${i}.cc`,
        `void serve${i}(Server &server) {\n    server.run();\n}\n`,
      ]),
    );
    assert.deepEqual(await flagged({ 'src/nghttp.c': program, ...members }, 'src/nghttp.c'), []);
  });

  it('is not cached: a change to the caller must be seen the next time the file is checked', async () => {
    const root = mkdtempSync(join(tmpdir(), 'leaklens-cache-'));
    dirs.push(root);
    const cache = new ResultCache(root, ['k']);
    const result = { file: 'a.c', language: 'cpp' as const, findings: [], errors: [], parseMs: 0, rulesMs: 0 };
    cache.set('/p/a.c', 'h', 'c', result);
    assert.ok(cache.get('/p/a.c', 'h', 'c'));
    cache.set('/p/a.c', 'h', 'c', { ...result, readOtherFiles: true });
    assert.equal(cache.get('/p/a.c', 'h', 'c'), undefined);
  });
});

describe('raw-c-resource: callees in other files', () => {
  const ITEMS = code`
    #include <stdlib.h>
    #include <string.h>
    struct list;
    int track(struct list *l, char *item);
    int add_item(struct list *l, const char *s) {
        char *copy = strdup(s);
        if (!copy)
            return -1;
        if (track(l, copy) < 0)
            return -1;
        return 0;
    }
    `;
  const STORES = code`
    #include <stdlib.h>
    struct node { char *item; struct node *next; };
    struct list { struct node *head; };
    int track(struct list *l, char *item) {
        struct node *n = malloc(sizeof *n);
        if (!n)
            return -1;
        n->item = item;
        n->next = l->head;
        l->head = n;
        return 0;
    }
    `;

  it('is not flagged when the function another file defines stores the argument (handed on, like a same-file helper)', async () => {
    assert.deepEqual(await flagged({ 'src/items.c': ITEMS, 'src/list.c': STORES }, 'src/items.c'), []);
  });

  it('is not flagged when the function another file defines frees it', async () => {
    const frees =
      '#include <stdlib.h>\nstruct list;\nint track(struct list *l, char *item) {\n    free(item);\n    return 0;\n}\n';
    assert.deepEqual(await flagged({ 'src/items.c': ITEMS, 'src/list.c': frees }, 'src/items.c'), []);
  });

  it('flags it when that function only reads the argument', async () => {
    const reads =
      '#include <string.h>\nstruct list;\nint track(struct list *l, char *item) {\n    return strlen(item) ? 0 : -1;\n}\n';
    assert.deepEqual(await flagged({ 'src/items.c': ITEMS, 'src/list.c': reads }, 'src/items.c'), [6]);
  });

  it("flags it when that function only looks it up (hexchat's userlist_find() calling tree_find())", async () => {
    const looks =
      'struct list;\nvoid *tree_find(void *t, const char *k);\nint track(struct list *l, char *item) {\n' +
      '    return tree_find(l, item) ? 0 : -1;\n}\n';
    assert.deepEqual(await flagged({ 'src/items.c': ITEMS, 'src/list.c': looks }, 'src/items.c'), [6]);
  });

  it("flags it when that function stores it only in a struct of its own (libwebp's `headers.data = data`)", async () => {
    const local =
      'struct hdr { char *data; };\nstruct list;\nint parse(struct hdr *h);\n' +
      'int track(struct list *l, char *item) {\n    struct hdr headers;\n    headers.data = item;\n    return parse(&headers);\n}\n';
    assert.deepEqual(await flagged({ 'src/items.c': ITEMS, 'src/list.c': local }, 'src/items.c'), [6]);
  });

  it('flags it when no file of the project defines the function (a library call: no evidence)', async () => {
    assert.deepEqual(await flagged({ 'src/items.c': ITEMS }, 'src/items.c'), [6]);
  });
});

describe('raw-c-resource: functions that end the process, defined in other files', () => {
  const SERVICE = code`
    #include <stdlib.h>
    #include <string.h>
    void child_exit(int code);
    int service(const char *s, int n) {
        char *buf = strdup(s);
        if (!buf)
            return -1;
        if (n == 0) {
            child_exit(1);
            return 3;
        }
        free(buf);
        return 0;
    }
    `;
  const EXITS = code`
    #include <stdlib.h>
    #include <unistd.h>
    int sock;
    void child_exit(int code) {
        if (code)
            write(sock, "E", 1);
        close(sock);
        exit(0); // might be killed before reaching this
    }
    `;

  it("is not flagged: the return after thc-hydra's hydra_child_exit() is never reached", async () => {
    assert.deepEqual(await flagged({ 'hydra-ncp.c': SERVICE, 'hydra-mod.c': EXITS }, 'hydra-ncp.c'), []);
  });

  it('flags it when that function returns on some path', async () => {
    const returns = EXITS.replace('    close(sock);', '    if (!code)\n        return;\n    close(sock);');
    assert.deepEqual(await flagged({ 'hydra-ncp.c': SERVICE, 'hydra-mod.c': returns }, 'hydra-ncp.c'), [5]);
  });

  it('flags it when this file defines its own function of that name, one that returns', async () => {
    const own = SERVICE.replace('void child_exit(int code);', 'static void child_exit(int code) { (void)code; }');
    assert.deepEqual(await flagged({ 'hydra-ncp.c': own, 'hydra-mod.c': EXITS }, 'hydra-ncp.c'), [5]);
  });
});
