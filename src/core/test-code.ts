// Where C and C++ test code lives. A test's failure path (an assertion or a setup error that returns
// early) ends the test, and usually its process: what it leaves open there is not worth a finding.
// A resource a test never releases on its normal path still is (it leaks on every run of the suite).

/** A test folder among the file's two nearest folders, or a test-named file. */
const C_TEST_DIR =
  /^(tests?|testing|unittests?|libtest|testsuite|test-?suite|gtest|tests?[_-][\w+.-]+|[\w+.-]+[_-]tests?)$/i;
const C_TEST_FILE = /^(test_.*|.*[_-]test|.*_unittest|.*_tests?)\.(c|cc|cpp|cxx|c\+\+)$/i;

/** Test servers and daemons (`tests/server/sws.c`) serve many tests in one process: leaks add up there. */
const LONG_RUNNING_DIR = /^(servers?|daemons?)$/i;
const LONG_RUNNING_FILE = /(^|[_-])(server|daemon)\.\w+$/i;

export function isCTestFile(file: string): boolean {
  const parts = file.split(/[\\/]/);
  const name = parts[parts.length - 1] ?? '';
  if (LONG_RUNNING_FILE.test(name) || parts.slice(-3, -1).some((d) => LONG_RUNNING_DIR.test(d))) return false;
  return C_TEST_FILE.test(name) || parts.slice(-3, -1).some((d) => C_TEST_DIR.test(d));
}
