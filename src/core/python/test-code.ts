// Where Python test code lives. Test code is judged differently: a close skipped only by a failing
// assertion, a fixture list of a few entries, or a mock's registry is not a leak worth a finding.

/** A test module: under a `tests/` or `testing/` folder, or named `test_x.py`, `x_test.py`, `conftest.py`. */
const TEST_MODULE = /(^|[\\/])(tests|testing)[\\/]|(^|[\\/])(test_[^\\/]*|[^\\/]*[_-]test|conftest)\.py$/;
/** In a `test/` folder, or in one of its kinds of tests (`test/integration/fixtures.py`). */
const TEST_FOLDER_MODULE =
  /(^|[\\/])(test|testing)[\\/]((integration|unit|functional|e2e|system|acceptance|fixtures|helpers|support)[\\/])?[^\\/]+\.py$/;
/** Any file under a `test/` folder too: test helpers, debug scripts, fixtures. */
const TEST_TREE = /(^|[\\/])(tests?|testing)[\\/]/;

/**
 * A test module, or a helper beside the tests (`locust/test/util.py`, `tornado/test/util.py`): a `test/`
 * folder holding the file itself. Only the nearest folder counts, so a checkout under `~/test/` is not.
 */
export function isTestModule(file: string): boolean {
  return TEST_MODULE.test(file) || TEST_FOLDER_MODULE.test(file);
}

/**
 * Test code in the broad sense, for rules about long-lived state: a container in a test tree lives
 * for one test run. Not used for resources: a project may keep real code in a `test/` folder, and
 * an absolute path may pass through one.
 */
export function isTestTree(file: string): boolean {
  // A path relative to the project (the CLI's) is all the project's; an absolute one (the editor's)
  // may pass through a `test/` folder above the project, so only its last folders count.
  const absolute = /^([\\/]|[A-Za-z]:)/.test(file);
  const local = absolute ? file.replace(/^.*?[\\/](?=[^\\/]+[\\/][^\\/]+$)/, '') : file;
  return TEST_MODULE.test(file) || TEST_TREE.test(local);
}
