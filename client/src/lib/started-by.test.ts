import { describe, expect, it } from 'vitest';
import { startedByPhrase } from './started-by';

describe('startedByPhrase', () => {
  it.each([
    [{ kind: 'user', id: 'usr_me' }, { text: 'by you' }],
    [{ kind: 'user', id: 'usr_other' }, { text: 'by usr_other' }],
    [{ kind: 'user', id: 'usr_other', name: 'Ana' }, { text: 'by Ana' }],
    [{ kind: 'schedule', id: 'nightly' }, { text: 'by schedule nightly' }],
    [{ kind: 'webhook', id: 'deploy-hook' }, { text: 'by webhook deploy-hook' }],
    [
      { kind: 'workflow', id: 'ex_parent' },
      { text: 'by workflow', parentExecutionId: 'ex_parent' },
    ],
    [{ kind: 'assistant', id: 'usr_me' }, { text: 'by the assistant, for you' }],
    [{ kind: 'assistant', id: 'usr_other', name: 'Ana' }, { text: 'by the assistant, for Ana' }],
    [{ kind: 'assistant', id: 'usr_other' }, { text: 'by the assistant' }],
  ] as const)('%o reads %o', (startedBy, phrase) => {
    expect(startedByPhrase(startedBy, 'usr_me')).toEqual(phrase);
  });

  it('says nothing for runs from before people existed, and never "you" before the person is known', () => {
    expect(startedByPhrase(null, 'usr_me')).toBeNull();
    expect(startedByPhrase(undefined, 'usr_me')).toBeNull();
    expect(startedByPhrase({ kind: 'user', id: 'usr_me' }, undefined)).toEqual({ text: 'by usr_me' });
  });
});
