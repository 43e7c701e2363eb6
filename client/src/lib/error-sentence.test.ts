import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { errorFix, errorHeadline, errorSentence, MAX_ERROR_CHARS, stepErrorSentence } from './error-sentence';

describe('errorSentence', () => {
  it.each([
    ['StepFailedError: request to https://x failed: timeout', 'Request to https://x failed: timeout.'],
    ['ApprovalDenied: denied', 'Denied.'],
    ['a credential is required (Authorization: Bearer <token>, or sign in through the login URL)', 'A credential is required.'],
    ['body name: Expected string, received number', 'Body name: should be text, not a number.'],
    ['name: String must contain at least 1 character(s)', 'Name: must not be empty.'],
    ['(root): Required', 'A value is required.'],
    ['body name: Required', 'Body name is required.'],
    ['disk full: disk full', 'Disk full.'],
    ['Already a sentence.', 'Already a sentence.'],
  ])('%s → %s', (message, sentence) => {
    expect(errorSentence(new ApiError({ status: 422, code: 'validation_failed', message }))).toBe(sentence);
  });

  it('drops the class name of a step error and never prints its message twice', () => {
    expect(stepErrorSentence({ name: 'StepFailedError', message: 'StepFailedError: exit code 2' })).toBe('Exit code 2.');
  });

  it('cuts a huge message before it reaches the page', () => {
    const sentence = errorSentence(new Error(`bad value ${'x'.repeat(100_000)}`));
    expect(sentence.length).toBeLessThan(MAX_ERROR_CHARS + 40);
    expect(sentence).toMatch(/message shortened\)$/);
  });

  it('has words for things that are not errors', () => {
    expect(errorSentence('nope')).toBe('Something went wrong. Try again.');
    expect(errorSentence({ message: 'plain object' })).toBe('Plain object.');
  });
});

describe('errorFix', () => {
  it('links an integration error to Integrations, and an unknown code nowhere', () => {
    expect(errorFix(new ApiError({ status: 424, code: 'integration_auth_failed', message: 'x' }))).toEqual({
      href: '/integrations',
      label: 'Open Integrations',
    });
    expect(errorFix(new ApiError({ status: 409, code: 'version_conflict', message: 'x' }))).toBeNull();
    expect(errorFix(new Error('x'))).toBeNull();
  });

  it('drops the query-string recipe from a message', () => {
    expect(
      errorSentence(
        new ApiError({ status: 409, code: 'integration_in_use', message: '1 workflow(s) require "gh": Digest; delete with ?force=true to remove it anyway' }),
      ),
    ).toBe('1 workflow(s) require "gh": Digest.');
  });
});

describe('errorHeadline', () => {
  const invalid = new ApiError({ status: 422, code: 'invalid_definition', message: 'definition: steps.0.command: Required' });
  it('counts the problems instead of repeating the first one', () => {
    const issues = [{ path: 'steps.0.command', message: 'Required' }];
    expect(errorHeadline(invalid, issues, 'Not saved')).toBe('Not saved: one problem needs fixing first.');
    expect(errorHeadline(invalid, [...issues, ...issues], 'No valid draft')).toBe('No valid draft: 2 problems need fixing first.');
  });
  it('is the error’s sentence when there is no list', () => {
    expect(errorHeadline(new Error('StepFailedError: boom'), [], 'Not saved')).toBe(errorSentence(new Error('StepFailedError: boom')));
  });
});
