/** The runner's test repositories (plain git, no runner code): one fixture for both suites. */
export { makeRepo } from '../../../runner/test/helpers/git-fixture';
