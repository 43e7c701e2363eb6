import { describe, expect, it } from 'vitest';
import { compileShellTemplate } from './shell-template';

function script(template: string): string {
  const result = compileShellTemplate(template);
  if (!result.ok) throw new Error(`refused: ${result.message}`);
  return result.command.script;
}

function refusal(template: string): string {
  const result = compileShellTemplate(template);
  if (result.ok) throw new Error(`accepted as ${JSON.stringify(result.command.script)}`);
  return result.message;
}

describe('compileShellTemplate', () => {
  it.each([
    ['no placeholder', 'ls -la', 'ls -la'],
    ['unquoted', 'echo {{ a }}', 'echo "$WEFT_ARG_1"'],
    ['unquoted, glued to text', 'cp x{{ a }}.txt /tmp', 'cp x"$WEFT_ARG_1".txt /tmp'],
    ['in double quotes', 'echo "a {{ a }} b"', 'echo "a ${WEFT_ARG_1} b"'],
    ['in double quotes, followed by name characters', 'echo "{{ a }}abc"', 'echo "${WEFT_ARG_1}abc"'],
    ['in single quotes', "echo 'a {{ a }} b'", `echo 'a '"$WEFT_ARG_1"' b'`],
    ['in ANSI-C quotes', "echo $'a\\n{{ a }}'", `echo $'a\\n'"$WEFT_ARG_1"$''`],
    ['an escaped quote inside ANSI-C quotes', "echo $'it\\'s {{ a }}'", `echo $'it\\'s '"$WEFT_ARG_1"$''`],
    ['after a closed single quote', "echo 'it'\\''s' {{ a }}", `echo 'it'\\''s' "$WEFT_ARG_1"`],
    ['a single quote inside double quotes is plain', `echo "it's {{ a }}"`, `echo "it's \${WEFT_ARG_1}"`],
    ['an escaped double quote inside double quotes', 'echo "say \\"{{ a }}\\""', 'echo "say \\"${WEFT_ARG_1}\\""'],
    ['several, numbered in order', 'cp {{ a }} "{{ b }}"', 'cp "$WEFT_ARG_1" "${WEFT_ARG_2}"'],
    ['inside $( ) inside double quotes: a fresh command', 'echo "$(basename {{ a }})"', 'echo "$(basename "$WEFT_ARG_1")"'],
    ['after $( ) closes, back in double quotes', 'echo "$(date) {{ a }}"', 'echo "$(date) ${WEFT_ARG_1}"'],
    ['process substitution', 'diff <(cat {{ a }}) x', 'diff <(cat "$WEFT_ARG_1") x'],
    ['after ${ } closes', 'echo ${HOME}/{{ a }}', 'echo ${HOME}/"$WEFT_ARG_1"'],
    ['after $(( )) closes', 'echo $((1 + 2)) {{ a }}', 'echo $((1 + 2)) "$WEFT_ARG_1"'],
    ['after backticks close', 'echo `date` {{ a }}', 'echo `date` "$WEFT_ARG_1"'],
    ['$$ (the pid) then a value', 'echo $${{ a }}', 'echo $$"$WEFT_ARG_1"'],
    ['in a comment', "# don't {{ a }}\necho {{ b }}", `# don't "$WEFT_ARG_1"\necho "$WEFT_ARG_2"`],
    ['# inside a word is not a comment', "echo a#'{{ a }}'", `echo a#''"$WEFT_ARG_1"''`],
    ['in an unquoted heredoc body', 'cat <<EOF\nit\'s "{{ a }}"\nEOF\necho {{ b }}', 'cat <<EOF\nit\'s "${WEFT_ARG_1}"\nEOF\necho "$WEFT_ARG_2"'],
    [
      'a <<- heredoc ends at a tab-indented delimiter',
      "cat <<-END\n\t{{ a }}\n\tEND\necho '{{ b }}'",
      `cat <<-END\n\t\${WEFT_ARG_1}\n\tEND\necho ''"$WEFT_ARG_2"''`,
    ],
    ['two heredocs on one line', "cat <<A <<'B'\n{{ a }}\nA\nliteral's\nB\necho {{ b }}", `cat <<A <<'B'\n\${WEFT_ARG_1}\nA\nliteral's\nB\necho "$WEFT_ARG_2"`],
    ['a here-string', 'cat <<< {{ a }}', 'cat <<< "$WEFT_ARG_1"'],
    ['[[ ]] with a string comparison', '[[ {{ a }} == "x" ]] && echo y', '[[ "$WEFT_ARG_1" == "x" ]] && echo y'],
    ['[ ] with -eq (test does not evaluate arithmetic)', '[ {{ a }} -eq 3 ]', '[ "$WEFT_ARG_1" -eq 3 ]'],
    ['a glob character class closes before', 'ls [ab]{{ a }}', 'ls [ab]"$WEFT_ARG_1"'],
    ['a case statement inside $( )', 'echo "$(case x in a) echo \'y\';; esac) {{ a }}"', `echo "$(case x in a) echo 'y';; esac) \${WEFT_ARG_1}"`],
    ['a line continuation', 'echo a \\\n  {{ a }}', 'echo a \\\n  "$WEFT_ARG_1"'],
    ['a literal {{ written as an expression', 'echo {{ "{{" }}', 'echo "$WEFT_ARG_1"'],
  ])('%s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it('lists each value with its variable, offset and placement', () => {
    const result = compileShellTemplate(`x {{ a }} "{{ b }}" '{{ c }}'`);
    expect(result.ok && result.command.args.map(({ name, start, placement }) => ({ name, start, placement }))).toEqual([
      { name: 'WEFT_ARG_1', start: 2, placement: 'unquoted' },
      { name: 'WEFT_ARG_2', start: 11, placement: 'double' },
      { name: 'WEFT_ARG_3', start: 21, placement: 'single' },
    ]);
  });

  it.each([
    ['backticks', 'echo `echo {{ a }}`', /at character 11 is inside backticks/],
    ['backticks inside double quotes', 'echo "`echo {{ a }}`"', /inside backticks/],
    ['$(( ))', 'echo $(( {{ a }} + 1 ))', /inside shell arithmetic/],
    ['(( ))', '(( n = {{ a }} ))', /inside shell arithmetic/],
    ['$[ ]', 'echo $[ {{ a }} ]', /inside shell arithmetic/],
    ['${ }', 'echo ${X:-{{ a }}}', /inside "\$\{ \}"/],
    ['${ } in double quotes', 'echo "${X:-{{ a }}}"', /inside "\$\{ \}"/],
    ['an array subscript', 'arr[{{ a }}]=1', /array subscripts/],
    ['[[ -eq ]]', '[[ {{ a }} -eq 1 ]]', /at character 3 is inside "\[\[ \]\]" with an arithmetic comparison/],
    ['[[ -lt ]] after the operand', '[[ 1 -lt {{ a }} ]]', /arithmetic comparison/],
    ['a quoted heredoc', "cat <<'EOF'\n{{ a }}\nEOF", /quoted heredoc \(<<'EOF'\)/],
    ['a heredoc quoted with a backslash', 'cat <<\\EOF\n{{ a }}\nEOF', /quoted heredoc/],
    ['a heredoc delimiter', 'cat <<{{ a }}\nx\n', /heredoc delimiter/],
    ['right after $', 'echo ${{ a }}', /at character 6 is right after "\$"/],
    ['right after $ in double quotes', 'echo "cost ${{ a }}"', /right after "\$"/],
    ['right after a backslash', 'echo \\{{ a }}', /right after a backslash/],
    ['right after a backslash in double quotes', 'echo "\\{{ a }}"', /right after a backslash/],
    ['right after a backslash in ANSI-C quotes', "echo $'\\{{ a }}'", /right after a backslash/],
  ])('refuses %s', (_name, template, message) => {
    expect(refusal(template)).toMatch(message);
  });

  it('keeps a backslash in single quotes literal', () => {
    expect(script("echo '\\{{ a }}'")).toBe(`echo '\\'"$WEFT_ARG_1"''`);
  });
});
