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

describe('compileShellTemplate: what a command does with its words', () => {
  const NAME = /the name of a command: bash would run whatever program/;
  const WRAPPED = (runner: string) => new RegExp(`the name of the command "${runner.replace(/[-[\]]/g, '\\$&')}" runs`);
  const EITHER = (runner: string) => new RegExp(`where "${runner}" reads its own options or the command it runs`);

  it.each([
    ['first in the command', '{{ a }} --flag'],
    ['in double quotes', '"{{ a }}"'],
    ['in single quotes', "'{{ a }}' x"],
    ['in ANSI-C quotes', "$'{{ a }}'"],
    ['glued after text', 'x{{ a }}'],
    ['glued before text', '{{ a }}.sh'],
    ['after ;', 'cd /tmp; {{ a }}'],
    ['after |', 'echo x | {{ a }}'],
    ['after &&', 'true && {{ a }} x'],
    ['after ||', 'false || {{ a }}'],
    ['after &', 'sleep 1 & {{ a }}'],
    ['after a newline', 'echo x\n{{ a }}'],
    ['after then', 'if true; then {{ a }}; fi'],
    ['after else', 'if false; then :; else {{ a }}; fi'],
    ['after do', 'for x in a b; do {{ a }} "$x"; done'],
    ['after {', '{ {{ a }}; }'],
    ['after !', '! {{ a }}'],
    ['after if', 'if {{ a }}; then :; fi'],
    ['after while', 'while {{ a }}; do :; done'],
    ['after coproc', 'coproc {{ a }}'],
    ['in a subshell', '( {{ a }} )'],
    ['inside $( )', 'echo $({{ a }})'],
    ['inside $( ) in double quotes', 'echo "$({{ a }} x)"'],
    ['inside a process substitution', 'diff <({{ a }}) x'],
    ['after an assignment', 'X=1 {{ a }}'],
    ['after a redirection', '2>/dev/null {{ a }}'],
    ['after a case pattern', 'case x in a) {{ a }} ;; esac'],
    ['in a function body', 'f() { {{ a }}; }'],
    ['in a function body after function NAME', 'function f { {{ a }}; }'],
    ['as an assignment bash does not take (a quoted name)', '"X"={{ a }} cmd'],
  ])('refuses a value as the command’s own name: %s', (_name, template) => {
    expect(refusal(template)).toMatch(NAME);
  });

  it.each([
    ['an assignment before a command', 'X={{ a }} cmd', 'X="$WEFT_ARG_1" cmd'],
    ['a quoted assignment', 'X="{{ a }}" cmd', 'X="${WEFT_ARG_1}" cmd'],
    ['an assignment alone', 'X={{ a }}', 'X="$WEFT_ARG_1"'],
    ['an array assignment', 'arr=({{ a }} "{{ b }}")', 'arr=("$WEFT_ARG_1" "${WEFT_ARG_2}")'],
    ['an array assignment over lines', 'arr=(\n  {{ a }}\n)', 'arr=(\n  "$WEFT_ARG_1"\n)'],
    ['a redirection target', '> {{ a }} echo x', '> "$WEFT_ARG_1" echo x'],
    ['a here-string', 'cat <<< {{ a }}', 'cat <<< "$WEFT_ARG_1"'],
    ['a for list', 'for x in {{ a }}; do echo "$x"; done', 'for x in "$WEFT_ARG_1"; do echo "$x"; done'],
    ['a case subject', 'case {{ a }} in a) echo;; esac', 'case "$WEFT_ARG_1" in a) echo;; esac'],
    ['a case pattern', 'case x in {{ a }}) echo;; esac', 'case x in "$WEFT_ARG_1") echo;; esac'],
    ['a later case pattern', 'case x in a) echo;; b|{{ a }}) echo;; esac', 'case x in a) echo;; b|"$WEFT_ARG_1") echo;; esac'],
    ['a case pattern after (', 'case x in ({{ a }}) echo;; esac', 'case x in ("$WEFT_ARG_1") echo;; esac'],
    ['a case pattern on its own line', 'case x in\n  a) echo ;;\n  {{ a }}) echo ;;\nesac', 'case x in\n  a) echo ;;\n  "$WEFT_ARG_1") echo ;;\nesac'],
    ['[[ ]]', '[[ {{ a }} == x ]]', '[[ "$WEFT_ARG_1" == x ]]'],
    ['[[ ]] after && inside it', '[[ -n x && {{ a }} == y ]]', '[[ -n x && "$WEFT_ARG_1" == y ]]'],
    ['[[ ]] in parentheses', '[[ ( {{ a }} == y ) ]]', '[[ ( "$WEFT_ARG_1" == y ) ]]'],
    ['an argument', 'echo {{ a }}', 'echo "$WEFT_ARG_1"'],
    ['an argument of a command in a function', 'function f { echo {{ a }}; }', 'function f { echo "$WEFT_ARG_1"; }'],
    ['the author’s own variable as the command', '$CMD {{ a }}', '$CMD "$WEFT_ARG_1"'],
    ['"case" as an argument', 'echo case x in; echo {{ a }}', 'echo case x in; echo "$WEFT_ARG_1"'],
  ])('keeps a value as data: %s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it.each([
    ['command', 'command {{ a }}', EITHER('command')],
    ['command -p', 'command -p {{ a }} x', EITHER('command')],
    ['builtin', 'builtin {{ a }}', EITHER('builtin')],
    ['exec', 'exec {{ a }}', EITHER('exec')],
    ['exec -a NAME', 'exec -a name {{ a }}', EITHER('exec')],
    ['time', 'time {{ a }}', EITHER('time')],
    ['time -p !', 'time -p ! {{ a }}', WRAPPED('time')],
    ['env', 'env {{ a }}', EITHER('env')],
    ['env after an assignment', 'env X=1 {{ a }}', WRAPPED('env')],
    ['env -u NAME', 'env -u X {{ a }}', EITHER('env')],
    ['env --', 'env -- {{ a }}', WRAPPED('env')],
    ['env -S', 'env -S {{ a }}', /the string of "env -S", which env splits into the command it runs/],
    ['env -S attached', 'env -S{{ a }}', /the string of "env -S"/],
    ['env --split-string=', 'env --split-string={{ a }}', /the string of "env --split-string"/],
    ['env -S with bash -c in it', "env -S 'bash -c' {{ a }}", /command string of "bash -c"/],
    ['env with a path', '/usr/bin/env {{ a }}', EITHER('env')],
    ['nice', 'nice {{ a }}', EITHER('nice')],
    ['nice -n N', 'nice -n 5 {{ a }}', EITHER('nice')],
    ['nohup', 'nohup {{ a }} &', EITHER('nohup')],
    ['setsid', 'setsid -f {{ a }}', EITHER('setsid')],
    ['stdbuf', 'stdbuf -o L {{ a }}', EITHER('stdbuf')],
    ['timeout after its duration', 'timeout 5 {{ a }}', WRAPPED('timeout')],
    ['timeout with options', 'timeout -k 1 -s KILL 5 {{ a }}', WRAPPED('timeout')],
    ['sudo', 'sudo {{ a }} ls', EITHER('sudo')],
    ['sudo -u USER', 'sudo -u root {{ a }}', EITHER('sudo')],
    ['sudo --', 'sudo -- {{ a }}', WRAPPED('sudo')],
    ['sudo -s with arguments', 'sudo -s ls {{ a }}', /an argument of "sudo -s", which joins its arguments into a command line for a shell/],
    ['sudo -i', 'sudo -i {{ a }}', /an argument of "sudo -i"/],
    ['doas', 'doas -u root {{ a }}', EITHER('doas')],
    ['xargs', 'xargs {{ a }}', EITHER('xargs')],
    ['xargs -I', 'xargs -I {} {{ a }} {}', EITHER('xargs')],
    ['xargs -n N --', 'xargs -n 1 -- {{ a }}', WRAPPED('xargs')],
    ['chroot after its directory', 'chroot /srv/root {{ a }}', WRAPPED('chroot')],
    ['flock after its file', 'flock /tmp/lock {{ a }}', WRAPPED('flock')],
    ['flock -c', 'flock /tmp/lock -c {{ a }}', /the value of "flock -c", which flock runs as a command/],
    ['taskset after its mask', 'taskset 0x1 {{ a }}', WRAPPED('taskset')],
    ['ionice', 'ionice -c 3 {{ a }}', EITHER('ionice')],
    ['chrt after its priority', 'chrt -f 10 {{ a }}', WRAPPED('chrt')],
    ['su -c', 'su -c {{ a }} root', /the value of "su -c", which su runs as a command/],
    ['su -s (a shell to run)', 'su -s {{ a }} root', /the value of "su -s"/],
    ['su, its user’s shell arguments', 'su root {{ a }}', /an argument of "su", which reads options anywhere/],
    ['runuser -u without --, which reads options anywhere', 'runuser -u root ls {{ a }}', /an argument of "runuser"/],
    ['runuser -u --', 'runuser -u root -- {{ a }}', WRAPPED('runuser')],
    ['watch', 'watch {{ a }}', /an argument of "watch", which joins its arguments and runs them with "sh -c"/],
    ['watch, an argument of its command', 'watch -n 1 ls {{ a }}', /an argument of "watch"/],
    ['ssh, the remote command', 'ssh host ls {{ a }}', /an argument of "ssh", which joins the words after the host/],
    ['ssh, the host', 'ssh {{ a }} uptime', /an argument of "ssh"/],
    ['ssh, an option value', 'ssh -p {{ a }} host', /an argument of "ssh"/],
    ['parallel', 'parallel echo ::: {{ a }}', /an argument of "parallel", which runs its command line through a shell/],
    ['busybox', 'busybox {{ a }}', EITHER('busybox')],
    ['find -exec', 'find . -exec {{ a }} {} \\;', WRAPPED('find -exec')],
    ['find -execdir', 'find . -execdir {{ a }} {} +', WRAPPED('find -execdir')],
    ['find -ok', "find . -ok {{ a }} ';'", WRAPPED('find -ok')],
    ['find -okdir', 'find . -okdir {{ a }} {} \\;', WRAPPED('find -okdir')],
    ['find -exec after an earlier -exec ended', 'find . -exec echo {} \\; -exec {{ a }} \\;', WRAPPED('find -exec')],
    // Every rule applies to the command a program runs.
    ['sudo eval', 'sudo -u root eval {{ a }}', /argument of "eval", which bash runs as code/],
    ['nice bash -c', 'nice -n 5 bash -c {{ a }}', /command string of "bash -c"/],
    ['timeout sh -c', 'timeout 5 sh -c {{ a }}', /command string of "sh -c"/],
    ['xargs sh -c', 'xargs -0 sh -c {{ a }}', /command string of "sh -c"/],
    ['find -exec bash -c', 'find . -exec bash -c {{ a }} \\;', /command string of "bash -c"/],
    ['find -exec sudo', 'find . -exec sudo {{ a }} \\;', EITHER('sudo')],
    ['exec printf -v', 'exec printf -v {{ a }} x', /variable name of "printf -v"/],
    ['nohup env', 'nohup env {{ a }}', EITHER('env')],
    ['command, then a wrapped read', 'command read {{ a }}', /argument of "read"/],
    ['time, then a wrapped name', 'time -p nice -n 1 {{ a }}', EITHER('nice')],
    ['runuser -u -- bash -c', 'runuser -u root -- bash -c {{ a }}', /command string of "bash -c"/],
    ['busybox sh -c', 'busybox sh -c {{ a }}', /command string of "sh -c"/],
    ['a shell’s script', 'bash {{ a }}', /where "bash" reads its options/],
    ['a shell’s script after its options', 'sh -e -- {{ a }}', /the script "sh" runs/],
    ['a shell’s options with -s', 'bash -s {{ a }}', /where "bash" reads its options/],
    ['a shell’s command string after -o', 'bash -o pipefail -c {{ a }}', /command string of "bash -c"/],
  ])('refuses a value a program would run: %s', (_name, template, message) => {
    expect(refusal(template)).toMatch(message);
  });

  it.each([
    ['command -v', 'command -v {{ a }}', 'command -v "$WEFT_ARG_1"'],
    ['exec -a NAME', 'exec -a {{ a }} ls', 'exec -a "$WEFT_ARG_1" ls'],
    ['env NAME=value', 'env X={{ a }} cmd', 'env X="$WEFT_ARG_1" cmd'],
    ['env -u NAME', 'env -u {{ a }} cmd', 'env -u "$WEFT_ARG_1" cmd'],
    ['env -C DIR', 'env -C {{ a }} ls', 'env -C "$WEFT_ARG_1" ls'],
    ['nice -n N', 'nice -n {{ a }} make', 'nice -n "$WEFT_ARG_1" make'],
    ['nice, an argument of its command', 'nice make {{ a }}', 'nice make "$WEFT_ARG_1"'],
    ['stdbuf -o MODE', 'stdbuf -o {{ a }} grep x', 'stdbuf -o "$WEFT_ARG_1" grep x'],
    ['timeout DURATION', 'timeout {{ a }} curl x', 'timeout "$WEFT_ARG_1" curl x'],
    ['timeout -s SIG DURATION', 'timeout -s KILL {{ a }} curl {{ b }}', 'timeout -s KILL "$WEFT_ARG_1" curl "$WEFT_ARG_2"'],
    ['sudo -u USER', 'sudo -u {{ a }} ls', 'sudo -u "$WEFT_ARG_1" ls'],
    ['sudo -uUSER', 'sudo -u{{ a }} ls', 'sudo -u"$WEFT_ARG_1" ls'],
    ['sudo --user=USER', 'sudo --user={{ a }} ls', 'sudo --user="$WEFT_ARG_1" ls'],
    ['sudo NAME=value', 'sudo X={{ a }} ls', 'sudo X="$WEFT_ARG_1" ls'],
    ['sudo, an argument of its command', 'sudo -u root ls {{ a }}', 'sudo -u root ls "$WEFT_ARG_1"'],
    ['sudo -e FILE', 'sudo -e {{ a }}', 'sudo -e "$WEFT_ARG_1"'],
    ['doas -u USER', 'doas -u {{ a }} ls {{ b }}', 'doas -u "$WEFT_ARG_1" ls "$WEFT_ARG_2"'],
    ['xargs -n N', 'xargs -n {{ a }} rm', 'xargs -n "$WEFT_ARG_1" rm'],
    ['xargs, an argument of its command', 'xargs -0 rm -- {{ a }}', 'xargs -0 rm -- "$WEFT_ARG_1"'],
    ['chroot DIR', 'chroot {{ a }} ls', 'chroot "$WEFT_ARG_1" ls'],
    ['flock FILE', 'flock {{ a }} make', 'flock "$WEFT_ARG_1" make'],
    ['flock -w SECS', 'flock -w {{ a }} /tmp/l make', 'flock -w "$WEFT_ARG_1" /tmp/l make'],
    ['taskset MASK', 'taskset {{ a }} ls', 'taskset "$WEFT_ARG_1" ls'],
    ['taskset -p MASK PID', 'taskset -p {{ a }} {{ b }}', 'taskset -p "$WEFT_ARG_1" "$WEFT_ARG_2"'],
    ['ionice -c CLASS', 'ionice -c {{ a }} ls', 'ionice -c "$WEFT_ARG_1" ls'],
    ['chrt PRIORITY', 'chrt {{ a }} ls', 'chrt "$WEFT_ARG_1" ls'],
    ['runuser -u USER -- CMD ARG', 'runuser -u {{ a }} -- ls {{ b }}', 'runuser -u "$WEFT_ARG_1" -- ls "$WEFT_ARG_2"'],
    ['watch -n SECS', 'watch -n {{ a }} ls', 'watch -n "$WEFT_ARG_1" ls'],
    ['find, its paths and tests', 'find {{ a }} -name {{ b }}', 'find "$WEFT_ARG_1" -name "$WEFT_ARG_2"'],
    ['find, an argument of -exec’s command', 'find . -exec rm -- {{ a }} \\;', 'find . -exec rm -- "$WEFT_ARG_1" \\;'],
    ['find, after -exec ended', 'find . -exec echo {} + -name {{ a }}', 'find . -exec echo {} + -name "$WEFT_ARG_1"'],
    ['a shell’s script argument', 'bash ./deploy.sh {{ a }}', 'bash ./deploy.sh "$WEFT_ARG_1"'],
    ['a shell’s arguments after -s --', 'bash -s -- {{ a }} < script.sh', 'bash -s -- "$WEFT_ARG_1" < script.sh'],
  ])('keeps a value as data for a program that runs a command: %s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it.each([
    ['"eval"', '"eval" {{ a }}', /argument of "eval"/],
    ["'eval'", "'eval' {{ a }}", /argument of "eval"/],
    ['\\eval', '\\eval {{ a }}', /argument of "eval"/],
    ['e"va"l', 'e"va"l {{ a }}', /argument of "eval"/],
    ["e'v'al", "e'v'al {{ a }}", /argument of "eval"/],
    ['$"eval"', '$"eval" {{ a }}', /argument of "eval"/],
    ["$'\\x65val'", "$'\\x65val' {{ a }}", /argument of "eval"/],
    ["$'ev\\141l'", "$'ev\\141l' {{ a }}", /argument of "eval"/],
    ['a line continuation inside the name', 'ev\\\nal {{ a }}', /argument of "eval"/],
    ['"source"', '"source" {{ a }}', /argument of "source"/],
    ['"printf" -v', '"printf" -v {{ a }} x', /variable name of "printf -v"/],
    ["printf '-v'", "printf '-v' {{ a }} x", /variable name of "printf -v"/],
    ['"read"', '"read" {{ a }}', /argument of "read"/],
    ['"trap"', '"trap" {{ a }} EXIT', /argument of "trap"/],
    ['"bash" "-c"', '"bash" "-c" {{ a }}', /command string of "bash -c"/],
    ['/bin/bash -c', '/bin/bash -c {{ a }}', /command string of "bash -c"/],
    ['"test" \'-v\'', '"test" \'-v\' {{ a }}', /operand of "test -v"/],
    ['"declare" \'-i\'', '"declare" \'-i\' X={{ a }}', /argument of "declare -i"/],
    ['"sudo"', '"sudo" {{ a }}', EITHER('sudo')],
    ['"command" "eval"', '"command" "eval" {{ a }}', /argument of "eval"/],
  ])('reads a command name written quoted or escaped: %s', (_name, template, message) => {
    expect(refusal(template)).toMatch(message);
  });

  it.each([
    ['"[[" is no [[: a value after it is an argument of a program named [[', '"[[" {{ a }} -eq 1 ]]', '"[[" "$WEFT_ARG_1" -eq 1 ]]'],
    ['a name from an expansion is the author’s', '"$CMD" {{ a }}', '"$CMD" "$WEFT_ARG_1"'],
    ['a glob is no literal name', 'ev?l {{ a }}', 'ev?l "$WEFT_ARG_1"'],
    ['"eval" as data of echo, quoted', 'echo "eval" {{ a }}', 'echo "eval" "$WEFT_ARG_1"'],
  ])('%s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it.each([
    ['declare -i', 'declare -i n={{ a }}', /an argument of "declare -i": bash evaluates the value of an integer variable as arithmetic/],
    ['typeset -i', 'typeset -i n={{ a }}', /argument of "typeset -i"/],
    ['local -i', 'f() { local -i n={{ a }}; }', /argument of "local -i"/],
    ['declare -ix', 'declare -ix n={{ a }}', /argument of "declare -i"/],
    ['declare -ai', 'declare -ai n=({{ a }})', /argument of "declare -i"/],
    ['declare -i, an element', 'declare -i arr=({{ a }})', /argument of "declare -i"/],
    ['declare -a with a plain value', 'declare -a arr={{ a }}', /the value of an array assignment \("declare -a NAME=…"\)/],
    ['declare -A with a plain value', 'declare -A map="{{ a }}"', /array assignment/],
    ['local -a with a plain value', 'f() { local -a arr={{ a }}; }', /array assignment/],
    ['export -a', 'export -a arr={{ a }}', /array assignment/],
    ['readonly -a', 'readonly -a arr={{ a }}', /array assignment/],
    ['local -n', 'f() { local -n ref={{ a }}; }', /variable name of "local" \(the target of a nameref/],
    ['local NAME=', 'f() { local {{ a }}=1; }', /variable name of "local": bash evaluates the array subscript/],
    ['local NAME', 'f() { local {{ a }}; }', /variable name of "local"/],
    ['export NAME', 'export {{ a }}', /variable name of "export": the value would choose which variable to set/],
    ['export NAME=', 'export {{ a }}=1', /variable name of "export"/],
    ['readonly NAME', 'readonly {{ a }}', /variable name of "readonly"/],
    ['mapfile', 'mapfile -t {{ a }} < file', /argument of "mapfile", which takes an array name/],
    ['mapfile -C', 'mapfile -C {{ a }} -c 1 arr < file', /argument of "mapfile"/],
    ['readarray', 'readarray {{ a }}', /argument of "readarray"/],
    ['getopts, the name', 'getopts ab {{ a }}', /variable name of "getopts"/],
    ['getopts, the option string', 'getopts {{ a }} opt x', /option string or the variable name of "getopts"/],
    ['wait -p', 'wait -p {{ a }} -n', /variable name of "wait -p"/],
    ['wait, where -pNAME could be the value', 'wait {{ a }}', /where "wait" still reads its options: a value such as -px\[\$\(cmd\)\]/],
    ['printf, where -vNAME could be the value', 'printf {{ a }} x', /where "printf" still reads its options: a value such as -vx\[\$\(cmd\)\]/],
    ['printf -v NAME, then a value still read as an option', 'printf -v out {{ a }}', /where "printf" still reads its options/],
    ['hash -p', 'hash -p {{ a }} ls', /the path of "hash -p"/],
    ['enable -f', 'enable -f {{ a }} x', /the file of "enable -f"/],
    ['compgen -W', 'compgen -W {{ a }}', /argument of "compgen", whose word list \(-W\) bash expands/],
    ['complete -C', 'complete -C {{ a }} x', /argument of "complete"/],
  ])('refuses a value a builtin evaluates: %s', (_name, template, message) => {
    expect(refusal(template)).toMatch(message);
  });

  it.each([
    ['local NAME=value', 'f() { local x={{ a }}; }', 'f() { local x="$WEFT_ARG_1"; }'],
    ['export NAME=value', 'export X={{ a }}', 'export X="$WEFT_ARG_1"'],
    ['readonly NAME=value', 'readonly X={{ a }}', 'readonly X="$WEFT_ARG_1"'],
    ['declare -x NAME=value', 'declare -x X={{ a }}', 'declare -x X="$WEFT_ARG_1"'],
    ['declare -a NAME=( )', 'declare -a arr=({{ a }} {{ b }})', 'declare -a arr=("$WEFT_ARG_1" "$WEFT_ARG_2")'],
    ['local -a NAME=( )', 'f() { local -a arr=("{{ a }}"); }', 'f() { local -a arr=("${WEFT_ARG_1}"); }'],
    ['declare -A NAME=([key]=value)', 'declare -A map=([k]={{ a }})', 'declare -A map=([k]="$WEFT_ARG_1")'],
    ['mapfile from a file named by a value', 'mapfile -t lines < {{ a }}', 'mapfile -t lines < "$WEFT_ARG_1"'],
    ['getopts, the words it parses', 'getopts ab opt {{ a }}', 'getopts ab opt "$WEFT_ARG_1"'],
    ['wait --', 'wait -- {{ a }}', 'wait -- "$WEFT_ARG_1"'],
    ['printf with a format first', 'printf %s {{ a }}', 'printf %s "$WEFT_ARG_1"'],
    ['printf --', 'printf -- {{ a }}', 'printf -- "$WEFT_ARG_1"'],
  ])('keeps a value a builtin reads as data: %s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it.each([
    ['[ a b ]', '[ {{ a }} {{ b }} ]'],
    ['[ ! a b ]', '[ ! {{ a }} {{ b }} ]'],
    ['[ … -a a b ]', '[ -n x -a {{ a }} {{ b }} ]'],
    ['[ … -o a b ]', '[ -z x -o {{ a }} "{{ b }}" ]'],
    ['test a b', 'test {{ a }} {{ b }}'],
    ['test a xb (a value glued in the next word)', 'test {{ a }} x{{ b }}'],
    ['[ after if', 'if [ {{ a }} {{ b }} ]; then :; fi'],
    ['command test', 'command test {{ a }} {{ b }}'],
    ['[ "$x" b ], the author’s variable as the operator', '[ "$x" {{ b }} ]'],
  ])('refuses a value right after another in a test, where the first can be -v: %s', (_name, template) => {
    expect(refusal(template)).toMatch(/right after another value \(or expansion\) in "(\[ \]|test)": if that one is an operator such as -v/);
  });

  it.each([
    ['[ a = b ]', '[ {{ a }} = {{ b }} ]', '[ "$WEFT_ARG_1" = "$WEFT_ARG_2" ]'],
    ['[ -n a ]', '[ -n {{ a }} ]', '[ -n "$WEFT_ARG_1" ]'],
    ['[ -f p -a -n q ]', '[ -f {{ a }} -a -n {{ b }} ]', '[ -f "$WEFT_ARG_1" -a -n "$WEFT_ARG_2" ]'],
    ['[ a != b -o c = d ]', '[ {{ a }} != x -o {{ b }} = y ]', '[ "$WEFT_ARG_1" != x -o "$WEFT_ARG_2" = y ]'],
    ['[ ! a ]', '[ ! {{ a }} ]', '[ ! "$WEFT_ARG_1" ]'],
    ['[[ a b ]] parses its operators before expansion', '[[ {{ a }} == {{ b }} ]]', '[[ "$WEFT_ARG_1" == "$WEFT_ARG_2" ]]'],
  ])('keeps test operands with an operator between them: %s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it.each([
    ['bash', 'bash <<< {{ a }}', /a here-string of "bash", which reads its standard input as the script it runs/],
    ['sh', 'sh <<< {{ a }}', /a here-string of "sh"/],
    ['bash -s', 'bash -s <<< {{ a }}', /a here-string of "bash"/],
    ['bash -s with arguments ($1 …)', 'bash -s x y <<< {{ a }}', /a here-string of "bash"/],
    ['bash -e -o pipefail', 'bash -e -o pipefail <<< "{{ a }}"', /a here-string of "bash"/],
    ['/bin/sh, quoted', "/bin/sh <<< '{{ a }}'", /a here-string of "sh"/],
    ['sudo bash', 'sudo -u root bash <<< {{ a }}', /a here-string of "bash"/],
    ['env X=1 sh', 'env X=1 sh <<< {{ a }}', /a here-string of "sh"/],
    ['sudo -s', 'sudo -s <<< {{ a }}', /a here-string of "sh"/],
    ['after a pipe', 'echo x | bash <<< {{ a }}', /a here-string of "bash"/],
    ['source /dev/stdin', 'source /dev/stdin <<< {{ a }}', /a here-string of "source", which bash runs as code/],
    ['. /dev/stdin', '. /dev/stdin <<< {{ a }}', /a here-string of "\."/],
  ])('refuses a here-string a shell runs as its script: %s', (_name, template, message) => {
    expect(refusal(template)).toMatch(message);
  });

  it.each([
    ['cat', 'cat <<< {{ a }}', 'cat <<< "$WEFT_ARG_1"'],
    ['grep', 'grep foo <<< {{ a }}', 'grep foo <<< "$WEFT_ARG_1"'],
    ['read', 'read -r line <<< {{ a }}', 'read -r line <<< "$WEFT_ARG_1"'],
    ['bash -c reads its script from the string', 'bash -c \'read -r x; echo "$x"\' <<< {{ a }}', 'bash -c \'read -r x; echo "$x"\' <<< "$WEFT_ARG_1"'],
    ['bash with a script file', 'bash script.sh <<< {{ a }}', 'bash script.sh <<< "$WEFT_ARG_1"'],
    ['a shell as the target of another redirection', 'bash s.sh > out <<< {{ a }}', 'bash s.sh > out <<< "$WEFT_ARG_1"'],
    ['a file redirection of a shell is its target, not its input', 'sh s.sh 2> {{ a }}', 'sh s.sh 2> "$WEFT_ARG_1"'],
  ])('keeps a here-string that is data: %s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it.each([
    ['docker exec', 'docker exec c sh -c {{ a }}', /the command string of "sh -c", which runs as code/],
    ['docker run', 'docker run --rm img sh -c "{{ a }}"', /the command string of "sh -c"/],
    ['docker run, /bin/bash -ec', 'docker run img /bin/bash -ec {{ a }}', /the command string of "bash -c"/],
    ['kubectl exec', 'kubectl exec pod -- sh -c {{ a }}', /the command string of "sh -c"/],
    ['kubectl exec, -o before -c', 'kubectl exec pod -- bash -o pipefail -c {{ a }}', /the command string of "bash -c"/],
    ['podman exec, glued to text', "podman exec c sh -c 'echo '{{ a }}", /the command string of "sh -c"/],
  ])('refuses the -c string of a shell another program starts: %s', (_name, template, message) => {
    expect(refusal(template)).toMatch(message);
  });

  it.each([
    ['docker run, a plain command', 'docker run img echo {{ a }}', 'docker run img echo "$WEFT_ARG_1"'],
    ['docker exec, the value after the command string', `docker exec c sh -c 'cmd "$1"' _ {{ a }}`, `docker exec c sh -c 'cmd "$1"' _ "$WEFT_ARG_1"`],
    ['kubectl exec, a shell script file', 'kubectl exec pod -- sh run.sh {{ a }}', 'kubectl exec pod -- sh run.sh "$WEFT_ARG_1"'],
    ['a shell name as data, no -c', 'apt-get install bash {{ a }}', 'apt-get install bash "$WEFT_ARG_1"'],
  ])('keeps a value another program passes to a shell as data: %s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it.each([
    ['LD_PRELOAD before a command', 'LD_PRELOAD={{ a }} ls', 'LD_PRELOAD'],
    ['BASH_ENV before bash', 'BASH_ENV={{ a }} bash s.sh', 'BASH_ENV'],
    ['LD_LIBRARY_PATH, quoted', 'LD_LIBRARY_PATH="{{ a }}" ls', 'LD_LIBRARY_PATH'],
    ['PS4 alone', 'PS4={{ a }}', 'PS4'],
    ['after another assignment', 'X=1 GCONV_PATH={{ a }} iconv', 'GCONV_PATH'],
    ['appended', 'LD_PRELOAD+=:{{ a }} ls', 'LD_PRELOAD'],
    ['export', 'export BASH_ENV={{ a }}', 'BASH_ENV'],
    ['declare -x', 'declare -x LD_PRELOAD={{ a }}', 'LD_PRELOAD'],
    ['local', 'f() { local PROMPT_COMMAND={{ a }}; }', 'PROMPT_COMMAND'],
    ['readonly', 'readonly SHELLOPTS={{ a }}', 'SHELLOPTS'],
    ['typeset', 'typeset BASH_FUNC_x={{ a }}', 'BASH_FUNC_x'],
    ['env', 'env LD_PRELOAD={{ a }} ls', 'LD_PRELOAD'],
    ['/usr/bin/env -i', '/usr/bin/env -i GLIBC_TUNABLES={{ a }} ls', 'GLIBC_TUNABLES'],
    ['sudo', 'sudo LD_PRELOAD={{ a }} ls', 'LD_PRELOAD'],
    ['time', 'time BASH_ENV={{ a }} bash s.sh', 'BASH_ENV'],
  ])('refuses a value assigned to a variable the loader or shell runs code from: %s', (_name, template, variable) => {
    expect(refusal(template)).toMatch(new RegExp(`the value of the variable ${variable}, which would run code: the dynamic loader`));
  });

  it.each([
    ['an assignment before a command', 'FOO={{ a }} ls', 'FOO="$WEFT_ARG_1" ls'],
    ['export', 'export FOO={{ a }}', 'export FOO="$WEFT_ARG_1"'],
    ['env', 'env FOO={{ a }} ls', 'env FOO="$WEFT_ARG_1" ls'],
    ['a name that only starts like one (LDX_)', 'LDX_PATH={{ a }} ls', 'LDX_PATH="$WEFT_ARG_1" ls'],
    ['LD_PRELOAD as an argument', 'echo LD_PRELOAD={{ a }}', 'echo LD_PRELOAD="$WEFT_ARG_1"'],
  ])('keeps a value assigned to another variable: %s', (_name, template, expected) => {
    expect(script(template)).toBe(expected);
  });

  it('property: a value as a command’s name is refused after any separator, prefix or runner, in any quoting', () => {
    const before = fc.constantFrom(
      '',
      'x; ',
      'x | ',
      'x && ',
      'x || ',
      'x &\n',
      '(',
      '$(',
      '"$(',
      '{ ',
      '! ',
      'if ',
      'while ',
      'if x; then ',
      'for i in a; do ',
      'X=1 ',
      '2>&1 ',
    );
    const runner = fc.constantFrom(
      '',
      'command ',
      'builtin ',
      'exec ',
      'time ',
      'time -p ',
      'env ',
      'env X=1 ',
      'env -- ',
      'nice -n 1 -- ',
      'nohup ',
      'sudo -- ',
      'sudo -u root -- ',
      'timeout 5 ',
      'xargs -- ',
      'chroot / ',
      'flock /l ',
      'setsid ',
      'stdbuf -oL -- ',
      'find . -exec ',
    );
    const quote = fc.constantFrom(['', ''], ['"', '"'], ["'", "'"], ["$'", "'"], ['x', ''], ['', '.sh'], ['"x', '"']);
    fc.assert(
      fc.property(before, runner, quote, (prefix, run, [open, close]) => {
        const template = `${prefix}${run}${open}{{ a }}${close} --flag`;
        const result = compileShellTemplate(template);
        expect(result.ok, template).toBe(false);
        expect(!result.ok && result.message, template).toMatch(/the name of (a command|the command ".+" runs)|reads its own options or the command it runs/);
      }),
    );
  });

  it('property: every rule applies to the command a runner runs', () => {
    const runner = fc.constantFrom(
      'command ',
      'builtin ',
      'exec ',
      'time ',
      'env ',
      'env -i X=1 ',
      'nice -n 1 ',
      'nohup ',
      'sudo -u root ',
      'doas ',
      'timeout -s KILL 5 ',
      'xargs -0 ',
      'chroot /srv ',
      'flock -w 1 /l ',
      'taskset 1 ',
      'ionice -c 3 ',
      'chrt 1 ',
      'stdbuf -o L ',
      'setsid ',
      'find . -exec ',
    );
    const rule = fc.constantFrom<[string, RegExp]>(
      ['eval {{ a }}', /argument of "eval"/],
      ['"eval" {{ a }}', /argument of "eval"/],
      ['bash -c {{ a }}', /command string of "bash -c"/],
      ['sh -ec "x {{ a }}"', /command string of "sh -c"/],
      ['printf -v {{ a }} x', /variable name of "printf -v"/],
      ['read -r {{ a }}', /argument of "read"/],
      ['test -v {{ a }}', /operand of "test -v"/],
      ['declare -i n={{ a }}', /argument of "declare -i"/],
      ['source {{ a }}', /argument of "source"/],
    );
    fc.assert(
      fc.property(runner, rule, (run, [command, message]) => {
        const template = `${run}${command}`;
        const result = compileShellTemplate(template);
        expect(result.ok, template).toBe(false);
        expect(!result.ok && result.message, template).toMatch(message);
      }),
    );
  });
});
