// Shapes from the sixteenth group of real projects (libusb, libfuse, fail2ban, kazoo; judged before any
// tuning on them): each a fixture of its own, beside the leak the same shape has when the code is wrong.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, lines } from '../helpers';

describe('raw-c-resource: an object linked into an intrusive container by a member', () => {
  const NOTIFY = (link: string) => code`
    void notify(struct ctx *ctx, int event) {
        struct msg *msg = calloc(1, sizeof(*msg));
        if (!msg)
            return;
        msg->event = event;
        ${link}
    }`;

  it('list_add_tail(&msg->list, …), avl_insert, rb_link_node: the container keeps it, no leak', async () => {
    for (const link of [
      'list_add_tail(&msg->list, &ctx->msgs);',
      'list_add_nreq(&msg->nreq, &ctx->notify_list);',
      'avl_insert(&ctx->tree, &msg->node);',
      'rb_link_node(&msg->rb, parent, link);',
      'ctx->ops->queue_push(ctx->q, &msg->entry);',
    ])
      assert.deepEqual(await lines(NOTIFY(link), 'cpp', 'raw-c-resource', 'hotplug.c'), [], link);
  });

  it('registered by its interface member (FreeRDP plugins): the host keeps it, no leak', async () => {
    const src = code`
      UINT entry(PDEVICE_ENTRY_POINTS ep) {
          rdpsndFakePlugin *fake = calloc(1, sizeof(rdpsndFakePlugin));
          if (!fake)
              return CHANNEL_RC_NO_MEMORY;
          fake->device.Free = rdpsnd_fake_free;
          ep->pRegisterRdpsndDevice(ep->rdpsnd, &fake->device);
          return CHANNEL_RC_OK;
      }`;
    assert.deepEqual(await lines(src, 'cpp', 'raw-c-resource', 'rdpsnd_fake.c'), []);
  });

  it('registered with its status returned untested: a failed registration leaks it', async () => {
    const src = (after: string) => code`
      UINT entry(IDRDYNVC_ENTRY_POINTS *ep) {
          UINT status = CHANNEL_RC_OK;
          SSHAGENT_PLUGIN *agent = calloc(1, sizeof(SSHAGENT_PLUGIN));
          if (!agent)
              return CHANNEL_RC_NO_MEMORY;
          agent->iface.Terminated = agent_terminated;
          status = ep->RegisterPlugin(ep, "sshagent", &agent->iface);
          ${after}
          return status;
      }`;
    assert.deepEqual(await lines(src(''), 'cpp', 'raw-c-resource', 'sshagent_main.c'), [3]);
    assert.deepEqual(
      await lines(
        src('if (status != CHANNEL_RC_OK)\n        free(agent);'),
        'cpp',
        'raw-c-resource',
        'sshagent_main.c',
      ),
      [],
    );
  });

  it('a call that works on a part of it (a signal set, a counter, a lock) keeps nothing: a leak', async () => {
    for (const part of [
      'sigaddset(&msg->mask, SIGINT);',
      'atomic_add(&msg->refs, 1);',
      'pthread_mutex_init(&msg->lock, NULL);',
    ])
      assert.deepEqual(await lines(NOTIFY(part), 'cpp', 'raw-c-resource', 'hotplug.c'), [2], part);
  });
});

describe('resource-without-context: closed by quit() or logout()', () => {
  const SEND = (release: string) => code`
    import smtplib

    def send(host, ssl, msg):
        smtp = smtplib.SMTP(host)
        try:
            if ssl:
                raise Exception("starttls failed")
            smtp.sendmail("a", "b", msg)
        finally:
            ${release}`;

  it('smtp.quit() in finally, even as an argument in a nested try: no leak', async () => {
    assert.deepEqual(await lines(SEND('smtp.quit()'), 'python', 'resource-without-context', 'smtp.py'), []);
    // Continuation lines carry the template's own indentation (4) besides their own (8).
    const nested = [
      'try:',
      '    log.debug("Disconnected: %i %s", *smtp.quit())',
      'except smtplib.SMTPServerDisconnected:',
      '    pass',
    ]
      .map((l, i) => (i ? ' '.repeat(12) : '') + l)
      .join('\n');
    assert.deepEqual(await lines(SEND(nested), 'python', 'resource-without-context', 'smtp.py'), []);
  });

  it('imaplib closes in logout(): no leak', async () => {
    const src = code`
      import imaplib

      def fetch(host):
          m = imaplib.IMAP4_SSL(host)
          try:
              return m.select("INBOX")
          finally:
              m.logout()`;
    assert.deepEqual(await lines(src, 'python', 'resource-without-context', 'mail.py'), []);
  });

  it('a finally that only logs leaves the raise with it open: a leak', async () => {
    assert.deepEqual(await lines(SEND('log.debug("done")'), 'python', 'resource-without-context', 'smtp.py'), [4]);
  });
});

describe('resource-without-context: a loop that takes objects out of a container and joins them', () => {
  const STOP = (take: string) => code`
    def stop(self):
        while self._workers:
            worker = ${take}
            worker.join()`;

  it('worker = workers.pop() / queue.get(): made before the loop, joined once each, no finding', async () => {
    for (const take of ['self._workers.pop()', 'self._queue.get()', 'self._workers.popleft()'])
      assert.deepEqual(await lines(STOP(take), 'python', 'resource-without-context', 'handler.py'), [], take);
  });

  it('a thread made and joined on every iteration is still reported', async () => {
    assert.deepEqual(
      await lines(STOP('threading.Thread(target=self._run)'), 'python', 'resource-without-context', 'handler.py'),
      [3],
    );
  });
});

describe('recall misses of the sixteenth group', () => {
  it('fsopen(), pidfd_open() and the other new descriptor calls return a descriptor to close', async () => {
    const mount = (ret: string) => code`
      int mount_fs(const char *type, unsigned flags) {
          int fsfd = fsopen(type, FSOPEN_CLOEXEC);
          if (fsfd < 0)
              return -1;
          if (flags & ~SUPPORTED)
              ${ret}
          int r = fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
          close(fsfd);
          return r;
      }`;
    assert.deepEqual(await lines(mount('return -1;'), 'cpp', 'raw-c-resource', 'mount_fsmount.c'), [2]);
    assert.deepEqual(await lines(mount('{ close(fsfd); return -1; }'), 'cpp', 'raw-c-resource', 'mount_fsmount.c'), []);
  });

  it("libfuse's argument vector: a failed second add leaks the first one's vector", async () => {
    const help = (fail: string) => code`
      static void print_module_help(const char *name) {
          struct fuse_args a = FUSE_ARGS_INIT(0, NULL);
          if (fuse_opt_add_arg(&a, "") == -1 ||
              fuse_opt_add_arg(&a, "-h") == -1)
              ${fail}
          run_help(name, &a);
          fuse_opt_free_args(&a);
      }`;
    assert.deepEqual(await lines(help('return;'), 'cpp', 'raw-c-resource', 'fuse.c'), [3]);
    assert.deepEqual(await lines(help('{ fuse_opt_free_args(&a); return; }'), 'cpp', 'raw-c-resource', 'fuse.c'), []);
    // A caller's vector (a parameter, a member) is the caller's to free.
    const caller = code`
      static int add(struct fuse_args *args, struct fs *fs) {
          if (fuse_opt_add_arg(args, "-o") == -1)
              return -1;
          if (fuse_opt_add_arg(&fs->args, "-f") == -1)
              return -1;
          return 0;
      }`;
    assert.deepEqual(await lines(caller, 'cpp', 'raw-c-resource', 'fuse.c'), []);
  });

  it('a file given to Popen as stdout is copied into the child: the parent still closes its own', async () => {
    const start = (open: string) => code`
      import os
      import subprocess

      def start_syslog():
          global _p
          ${open}
          _p = subprocess.Popen(['logger'], stdin=subprocess.PIPE, stdout=devnull, stderr=devnull)`;
    assert.deepEqual(
      await lines(start("devnull = open(os.devnull, 'w')"), 'python', 'resource-without-context', 'ssyslog.py'),
      [6],
    );
    assert.deepEqual(
      await lines(start('devnull = subprocess.DEVNULL'), 'python', 'resource-without-context', 'ssyslog.py'),
      [],
    );
    // Another library's run() may take the file over (asyncssh closes a redirected file at EOF).
    const remote = code`
      async def test_stdin_file(self):
          file = open('stdin')
          async with self.connect() as conn:
              result = await conn.run('echo', stdin=file)`;
    assert.deepEqual(await lines(remote, 'python', 'resource-without-context', 'ssh.py'), []);
  });

  it("a process's pipe returned to the caller goes with the process: no finding", async () => {
    const popen = (ret: string) => code`
      import subprocess

      def popen(cmd):
          p = subprocess.Popen(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
          return ${ret}`;
    assert.deepEqual(await lines(popen('p.stdout'), 'python', 'resource-without-context', 'modpy.py'), []);
    assert.deepEqual(await lines(popen('p.pid'), 'python', 'resource-without-context', 'modpy.py'), [4]);
  });
});
