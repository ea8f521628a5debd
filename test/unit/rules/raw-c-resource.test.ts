import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { code, config, findings, lines } from '../helpers';

const RULE = 'raw-c-resource';

describe('raw-c-resource', () => {
  it('flags stbi pixels with a throwing call before the release (seed 000 #7)', async () => {
    const [f] = await findings(
      code`
      bool decode(const std::vector<uint8_t>& data, Image& out) {
        int w, h, c;
        stbi_uc* pixels = stbi_load_from_memory(data.data(), data.size(), &w, &h, &c, 3);
        if (!pixels) {
          return false;
        }
        out.pixels.assign(pixels, pixels + w * h * 3);
        stbi_image_free(pixels);
        return true;
      }`,
      'cpp',
      { rule: RULE },
    );
    assert.equal(f.location.startPoint.line, 2);
    assert.match(f.message, /may throw/);
    assert.deepEqual(
      f.related.map((r) => r.location.startPoint.line),
      [6, 7],
    );
  });

  it('flags WebP writer and picture skipped by a throw (seed 000 #5)', async () => {
    assert.deepEqual(
      await lines(
        code`
      void encode(const Image& img, std::vector<uint8_t>& out) {
        WebPPicture pic;
        WebPPictureInit(&pic);
        WebPPictureAlloc(&pic);
        WebPMemoryWriter writer;
        WebPMemoryWriterInit(&writer);
        if (!WebPEncode(&cfg, &pic)) throw std::runtime_error("encode");
        out.assign(writer.mem, writer.mem + writer.size);
        WebPMemoryWriterClear(&writer);
        WebPPictureFree(&pic);
      }`,
        'cpp',
        RULE,
      ),
      [3, 6],
    );
  });

  it('flags an early return, a missing release, a release on some paths, and break out of the loop', async () => {
    assert.deepEqual(
      await lines(
        code`
      int a(const char* p) {
        FILE* f = fopen(p, "r");
        if (!f) return -1;
        if (bad(p)) return -2;
        fclose(f);
        return 0;
      }
      void b(size_t n) {
        char* buf = (char*)malloc(n);
        memset(buf, 0, n);
      }
      void c(size_t n, bool ok) {
        char* buf = static_cast<char*>(malloc(n));
        if (ok) free(buf);
      }
      void d(const char** names, int n) {
        for (int i = 0; i < n; i++) {
          FILE* f = fopen(names[i], "r");
          if (!f) continue;
          if (fgetc(f) < 0) break;
          fclose(f);
        }
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [2, 9, 13, 18],
    );
  });

  it('an allocation that may throw in C++ is a hint; unknown calls and anything in .c files are not', async () => {
    const src = code`
      void f(size_t n, std::vector<char>& out) {
        char* buf = (char*)malloc(n);
        process(buf);
        out.assign(buf, buf + n);
        free(buf);
      }`;
    const [f] = await findings(src, 'cpp', { rule: RULE, file: 'x.cpp' });
    assert.equal(f.location.startPoint.line, 1);
    assert.equal(f.severity, 'info');
    assert.match(f.message, /out\.assign\(buf, buf \+ n\)` may throw/);
    assert.deepEqual(await lines(src.replace('out.assign(buf, buf + n);', 'out.resize(n);'), 'cpp', RULE, 'x.cpp'), []);
    assert.deepEqual(await lines(src, 'cpp', RULE, 'x.c'), []);
  });

  it('does not flag RAII owners, guards, handed-off pointers, or failure-path returns', async () => {
    assert.deepEqual(
      await lines(
        code`
      std::unique_ptr<uint8_t, decltype(&free)> a(size_t n) {
        std::unique_ptr<uint8_t, decltype(&free)> buf((uint8_t*)malloc(n), &free);
        process(buf.get());
        return buf;
      }
      char* b(const char* s) {
        char* copy = strdup(s);
        if (!copy) return nullptr;
        return copy;
      }
      void c(Node* list, size_t n) {
        Node* node = (Node*)malloc(sizeof(Node));
        list->next = node;
      }
      void d(const char* p) {
        FILE* f = fopen(p, "r");
        auto guard = make_scope_exit([&] { fclose(f); });
        parse(f);
      }
      void e(const char* p) {
        FILE* f = fopen(p, "r");
        if (f == NULL) {
          log_error("cannot open");
          return;
        }
        char line[64];
        fgets(line, sizeof line, f);
        fclose(f);
      }
      class Buffer {
       public:
        explicit Buffer(size_t n) { data_ = (char*)malloc(n); }
        ~Buffer() { free(data_); }
       private:
        char* data_;
      };
      void g(Image& img) {
        std::vector<uint8_t> full(img.w * img.h * 3);
        ncnn::Mat in = ncnn::Mat::from_pixels(full.data(), 1, img.w, img.h);
        ncnn::Extractor ex = net.create_extractor();
        ex.input("in0", in);
      }
      int h(const char* path) {
        sqlite3* db = nullptr;
        if (sqlite3_open(path, &db) != SQLITE_OK) {
          sqlite3_close(db);
          return -1;
        }
        int rc = sqlite3_exec(db, "select 1", nullptr, nullptr, nullptr);
        sqlite3_close(db);
        return rc;
      }`,
        'cpp',
        RULE,
      ),
      [],
    );
  });

  it('flags out-parameter handles (FreeType) and releases that take an address (av_frame_free)', async () => {
    assert.deepEqual(
      await lines(
        code`
      bool face(FT_Library lib, const char* path) {
        FT_Face face;
        if (FT_New_Face(lib, path, 0, &face)) return false;
        if (!configure(face)) return false;
        FT_Done_Face(face);
        return true;
      }
      void frame(bool ok) {
        AVFrame* frame = av_frame_alloc();
        if (!decode(frame)) return;
        av_frame_free(&frame);
      }`,
        'cpp',
        RULE,
      ),
      [3, 9],
    );
  });

  it('takes extra pairs from config', async () => {
    const cfg = config({ resources: [{ acquire: ['pool_acquire'], release: ['pool_release'] }] });
    assert.deepEqual(
      await lines(
        code`
      void f(Pool* p) {
        Item* it = pool_acquire(p);
        if (!use(it)) return;
        pool_release(it);
      }`,
        'cpp',
        RULE,
        'x.cpp',
        cfg,
      ),
      [2],
    );
  });

  it('reports nothing from inside a syntax error', async () => {
    assert.deepEqual(
      await lines(
        code`
      void f(size_t n) {
        char* buf = (char*)malloc(n);
        process(buf)  ))) {{
        free(buf);
      }`,
        'cpp',
        RULE,
      ),
      [],
    );
  });
});

describe('raw-c-resource: C idioms from real code (zlib, xz examples)', () => {
  it('accepts a release after the acquiring branch, in the else of a null check, and realloc hand-offs', async () => {
    assert.deepEqual(
      await lines(
        code`
      int gun(int argc, char** argv, int len) {
        char* outname = NULL;
        do {
          if (argc > 1) {
            outname = malloc(len + 1);
            if (outname == NULL) break;
            memcpy(outname, *argv, len);
          }
          gunzip(outname);
          if (outname != NULL) free(outname);
        } while (--argc);
        return 0;
      }
      void each(int argc, char** argv) {
        for (int i = 1; i < argc; ++i) {
          FILE *infile = fopen(argv[i], "rb");
          if (infile == NULL) {
            fprintf(stderr, "cannot open\\n");
          } else {
            decompress(infile);
            fclose(infile);
          }
        }
      }
      unsigned char* h2b(const char* hex, unsigned n) {
        unsigned char *in, *re;
        in = malloc(n);
        if (in == NULL) return NULL;
        re = realloc(in, n / 2);
        return re == NULL ? in : re;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });
});

describe('raw-c-resource: exits that do not skip the release', () => {
  it('accepts a release inside the return, and a break out of a switch with the release after it', async () => {
    assert.deepEqual(
      await lines(
        code`
      int write_file(const char* name, size_t size, const void* buffer) {
        FILE* f = fopen(name, "wb");
        if (!f) return 0;
        int res = write_data(f, size, buffer);
        return fclose(f) == 0 && res;
      }
      int main(int argc, char** argv) {
        char* out = NULL;
        int c;
        while ((c = getopt(argc, argv, "o:")) != -1) {
          switch (c) {
            case 'o':
              out = strdup(optarg);
              if (out == NULL) exit(1);
              break;
            default:
              break;
          }
        }
        run(out);
        free(out);
        return 0;
      }`,
        'cpp',
        RULE,
        'x.c',
      ),
      [],
    );
  });
});
