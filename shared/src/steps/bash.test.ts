import { describe, expect, it } from 'vitest';
import { expectError, expectValid, workflow } from '../workflow/validate-test-helpers';
import { codeEnvNameProblem } from './bash';

describe('bash step env names', () => {
  // The dynamic loader (bwrap's own, before any sandbox exists), the C library or the shell would run code from these.
  it.each(['LD_PRELOAD', 'LD_AUDIT', 'LD_LIBRARY_PATH', 'LD_DEBUG', 'GCONV_PATH', 'GLIBC_TUNABLES', 'BASH_ENV', 'SHELLOPTS', 'PS4', 'BASH_FUNC_x'])(
    'refuses %s at steps[i].env.<name>, naming why',
    (name) => {
      expectError(workflow({ id: 's', type: 'bash', command: 'echo hi', env: { [name]: '/tmp/evil.so' } }), `steps[0].env.${name}`, /would run code/);
    },
  );

  it('keeps ordinary names, including ones that merely look alike', () => {
    expectValid(
      workflow({
        id: 's',
        type: 'bash',
        command: 'make',
        env: { PATH: '/usr/bin', OLD_PRELOAD: 'x', ld_preload: 'x', ENV: 'staging', ENVIRONMENT: 'prod', BASH_VERSION_WANTED: '5' },
      }),
    );
    expect(codeEnvNameProblem('LD_PRELOAD')).toMatch(/LD_\*/);
    expect(codeEnvNameProblem('TOKEN')).toBeNull();
  });
});
