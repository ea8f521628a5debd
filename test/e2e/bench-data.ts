// Generated source for the extension benchmark (zz-bench.test.ts): realistic blocks, a finding in
// every tenth. No `vscode` import, so plain Node can use it too.

export function pythonBlock(i: number): string {
  return `
class Stage${i}:
    """A processing stage (block ${i})."""

    def __init__(self, size=${(i % 7) + 1}):
        self.size = size
        self.items = []
        self.total = 0

    def add(self, value):
        if value is None:
            return False
        self.items.append(value)
        self.total += value
        return True

    def drain(self):
        out = list(self.items)
        self.items.clear()
        return out

    def mean(self):
        if not self.items:
            return 0.0
        return sum(self.items) / len(self.items)


def helper_${i}(values, scale=2):
    result = []
    for v in values:
        if v % 2 == 0:
            result.append(v * scale)
        else:
            result.append(v + scale)
    return result


def read_${i}(path):
    with open(path) as fh:
        return fh.read()
${
  i % 10 === 0
    ? `

jobs_${i} = queue.Queue()


def read_raw_${i}(path):
    fh = open(path)
    data = fh.read()
    fh.close()
    return data
`
    : ''
}`;
}

export function cppBlock(i: number): string {
  return `
struct Stage${i} {
  std::vector<int> items;
  int total = 0;
  bool add(int value) {
    if (value < 0) {
      return false;
    }
    items.push_back(value);
    total += value;
    return true;
  }
  double mean() const {
    if (items.empty()) return 0.0;
    double sum = 0;
    for (int v : items) sum += v;
    return sum / items.size();
  }
};

int helper_${i}(const std::vector<int>& values, int scale) {
  int acc = 0;
  for (size_t k = 0; k < values.size(); ++k) {
    if (values[k] % 2 == 0) {
      acc += values[k] * scale;
    } else {
      acc -= values[k];
    }
  }
  return acc;
}
${
  i % 10 === 0
    ? `
int read_${i}(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return -1;
  char buf[16];
  if (fread(buf, 1, sizeof buf, f) != sizeof buf) {
    return -2;
  }
  fclose(f);
  return 0;
}
`
    : ''
}`;
}

/** About `lines` lines of code made of repeated blocks (a finding every tenth block). */
export function bigFile(language: 'python' | 'cpp', lines: number): string {
  let text = language === 'python' ? 'import queue\n' : '#include <cstdio>\n#include <vector>\n';
  for (let i = 0; text.split('\n').length < lines; i++) text += language === 'python' ? pythonBlock(i) : cppBlock(i);
  return text;
}
