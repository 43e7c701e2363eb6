import fc from 'fast-check';
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
    ['read names a literal variable, the value is a here-string', 'IFS= read -r line <<< {{ a }}', 'IFS= read -r line <<< "$WEFT_ARG_1"'],
    ['read from a file named by a value', 'read -r line < {{ a }}', 'read -r line < "$WEFT_ARG_1"'],
    ['a value piped into read', 'echo {{ a }} | read -r x', 'echo "$WEFT_ARG_1" | read -r x'],
    ['after a read command ends', 'read -r x; echo {{ a }}', 'read -r x; echo "$WEFT_ARG_1"'],
    ['-v of another command is plain', 'grep -v {{ a }} file', 'grep -v "$WEFT_ARG_1" file'],
    ['printf prints a value, with -v as its data', 'printf %s -v {{ a }}', 'printf %s -v "$WEFT_ARG_1"'],
    ['printf -v names a literal variable', 'printf -v out %s {{ a }}', 'printf -v out %s "$WEFT_ARG_1"'],
    ['[ -n ] tests a value', '[ -n {{ a }} ]', '[ -n "$WEFT_ARG_1" ]'],
    ['[[ -v ]] of a literal name beside a value', '[[ -v HOME && {{ a }} == x ]]', '[[ -v HOME && "$WEFT_ARG_1" == x ]]'],
    ['a trap action that reads a variable', 'trap \'rm -f "$TMP"\' EXIT; echo {{ a }}', 'trap \'rm -f "$TMP"\' EXIT; echo "$WEFT_ARG_1"'],
    ['"((" in quotes is text', 'echo "((" {{ a }}', 'echo "((" "$WEFT_ARG_1"'],
    ['after if(( )) closes', 'if((1)); then echo {{ a }}; fi', 'if((1)); then echo "$WEFT_ARG_1"; fi'],
    ['"eval" as data of echo', 'echo eval {{ a }}', 'echo eval "$WEFT_ARG_1"'],
    ["a value as an argument after bash -c's command string", 'bash -c \'echo "$1"\' _ {{ a }}', 'bash -c \'echo "$1"\' _ "$WEFT_ARG_1"'],
    ['declare NAME=value keeps the value data', 'declare -r X={{ a }}', 'declare -r X="$WEFT_ARG_1"'],
    ['-c of another command is plain', 'grep -c {{ a }} file', 'grep -c "$WEFT_ARG_1" file'],
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
    // `((` after a word the `(` ends is arithmetic too.
    ['if((', 'if(( {{ a }} > 5 )); then echo y; fi', /at character 5 is inside shell arithmetic/],
    ['for((', 'for((i=0; i<{{ a }}; i++)); do :; done', /inside shell arithmetic/],
    ['while((', 'while(( {{ a }} )); do break; done', /inside shell arithmetic/],
    ['until((', 'until(( {{ a }} )); do :; done', /inside shell arithmetic/],
    ['then((', 'if true; then(( {{ a }} )); fi', /inside shell arithmetic/],
    ['do((', 'while true; do(( {{ a }} )); break; done', /inside shell arithmetic/],
    ['else((', 'if false; then :; else(( {{ a }} )); fi', /inside shell arithmetic/],
    ['elif((', 'if false; then :; elif(( {{ a }} )); then :; fi', /inside shell arithmetic/],
    ['time((', 'time(( {{ a }} ))', /inside shell arithmetic/],
    ['!((', '!(( {{ a }} ))', /inside shell arithmetic/],
    ['{((', '{(( {{ a }} )); }', /inside shell arithmetic/],
    // Quotes keep a value one word, not out of what evaluates it.
    ['$(( )) with the value in double quotes', 'echo $(( "{{ a }}" + 1 ))', /inside shell arithmetic/],
    ['(( )) with the value in double quotes', '(( "{{ a }}" ))', /inside shell arithmetic/],
    ['$[ ] with the value in double quotes', 'echo $[ "{{ a }}" ]', /inside shell arithmetic/],
    ['an array subscript in double quotes', 'arr["{{ a }}"]=1', /array subscripts/],
    ['an array subscript in single quotes', "arr['{{ a }}']=1", /array subscripts/],
    ['${ } offset in double quotes', 'echo ${X:"{{ a }}"}', /inside "\$\{ \}"/],
    ['[[ -eq ]] with the value in double quotes', '[[ "{{ a }}" -eq 1 ]]', /arithmetic comparison/],
    // Builtins that take a variable name evaluate its subscript.
    ['[[ -v ]]', '[[ -v {{ a }} ]]', /at character 6 is the operand of "-v" in "\[\[ \]\]": bash evaluates the array subscript/],
    ['[[ -v ]] glued to text', '[[ ! -v x{{ a }} ]]', /operand of "-v"/],
    ['[ -v ]', '[ -v {{ a }} ]', /operand of "\[ -v"/],
    ['[ ! -v ]', '[ ! -v "{{ a }}" ]', /operand of "\[ -v"/],
    ['test -v', 'test -v {{ a }}', /operand of "test -v"/],
    ['test -v after if', 'if test -v {{ a }}; then :; fi', /operand of "test -v"/],
    ['printf -v', 'printf -v {{ a }} %s x', /variable name of "printf -v"/],
    ['printf -vNAME', 'printf -v{{ a }} %s x', /variable name of "printf -v"/],
    ['read', 'read {{ a }}', /argument of "read", which takes variable names/],
    ['read with options and quotes', 'IFS= read -r "{{ a }}" <<< x', /argument of "read"/],
    ['read after a redirection', 'read < file {{ a }}', /argument of "read"/],
    ['read after a descriptor redirection', '2>/dev/null read {{ a }}', /argument of "read"/],
    ['read after 2>&1', 'read x 2>&1 {{ a }}', /argument of "read"/],
    ['read after a process substitution', 'read < <(echo 1) {{ a }}', /argument of "read"/],
    ['read after a heredoc operator', 'read <<EOF {{ a }}\nx\nEOF', /argument of "read"/],
    ['command read', 'command read {{ a }}', /argument of "read"/],
    ['read in a while condition', 'while read -r {{ a }}; do :; done', /argument of "read"/],
    ['read in $( ) in double quotes', 'echo "$(read {{ a }})"', /argument of "read"/],
    ['unset', 'unset -v {{ a }}', /argument of "unset"/],
    ['trap', 'trap {{ a }} EXIT', /argument of "trap", whose action bash runs as a command/],
    ['trap with the action quoted', 'trap "echo {{ a }}" EXIT', /argument of "trap"/],
    ['eval', 'eval {{ a }}', /argument of "eval", which bash runs as code/],
    ['eval with the value quoted', 'eval "echo {{ a }}"', /argument of "eval"/],
    ['source', 'source {{ a }}', /argument of "source"/],
    ['.', '. {{ a }}', /argument of "\."/],
    ['let', 'let "n={{ a }}"', /argument of "let", an arithmetic expression/],
    ['bash -c', 'bash -c {{ a }}', /command string of "bash -c"/],
    ['sh -ec with the value quoted', 'sh -ec "ls {{ a }}"', /command string of "sh -c"/],
    ['env bash -c', 'env bash -c {{ a }}', /command string of "bash -c"/],
    ['declare of a name', 'declare {{ a }}=1', /variable name of "declare"/],
    ['a nameref', 'typeset -n ref={{ a }}', /variable name of "typeset"/],
  ])('refuses %s', (_name, template, message) => {
    expect(refusal(template)).toMatch(message);
  });

  it('property: a value in arithmetic is refused after any word the "(" ends, in any quoting', () => {
    const before = fc.constantFrom('', ' ', 'x; ', 'true && ', '(', 'if', 'for', 'while', 'until', 'then', 'do', 'else', 'elif', 'time', '!', '{', 'a=1; if');
    const quote = fc.constantFrom(['', ''], ['"', '"'], ["'", "'"], ["$'", "'"], ['"$(( ', ' ))"']);
    const inner = fc.constantFrom('', ' ', 'n = ', '1 + (', 'x[');
    fc.assert(
      fc.property(before, quote, inner, (prefix, [open, close], expression) => {
        const template = `${prefix}((${expression}${open}{{ a }}${close} > 5 ))`;
        const result = compileShellTemplate(template);
        expect(result.ok, template).toBe(false);
        expect(!result.ok && result.message).toMatch(/inside shell arithmetic|array subscripts/);
      }),
    );
  });

  it('property: a value as a variable name of test -v, printf -v, read or unset is refused, quoted or not, after any prefix', () => {
    const prefix = fc.constantFrom('', 'x=1 ', 'if ', '! ', 'command ', '{ ', 'true; ', 'true && ', 'echo | ', '2>/dev/null ', 'builtin ');
    const command = fc.constantFrom('test -v ', '[ -v ', '[[ -v ', 'printf -v ', 'read ', 'read -r ', 'unset ', 'trap ');
    const quote = fc.constantFrom(['', ''], ['"', '"'], ["'", "'"], ['x', ''], ['"x', '"']);
    fc.assert(
      fc.property(prefix, command, quote, (before, name, [open, close]) => {
        const template = `${before}${name}${open}{{ a }}${close} x`;
        const result = compileShellTemplate(template);
        expect(result.ok, template).toBe(false);
        expect(!result.ok && result.message).toMatch(/variable name|bash runs as a command/);
      }),
    );
  });

  it('keeps a backslash in single quotes literal', () => {
    expect(script("echo '\\{{ a }}'")).toBe(`echo '\\'"$WEFT_ARG_1"''`);
  });
});
