// `dpctl completion bash|zsh`: a shell completion script, generated from the same tables as the
// console's completion (verbs, commands and their options, what each argument names). Service
// and handle names are asked of the daemon when completing (`dpctl status`, TSV), through the
// -S given on the line being completed. zsh runs the bash script through bashcompinit.

import { EVENT_TOPICS } from '../../protocol/topics.js';
import { fieldsOf, SIGNALS, type Kind } from '../completer.js';
import { usageError, EXIT } from '../exit-codes.js';
import { commandName, GLOBAL_OPTIONS, type DpctlCommand, type OptionSpec } from '../options.js';
import { PROTOCOL_VERBS } from '../verbs.js';

const SHELLS = ['bash', 'zsh'] as const;

const optionWords = (specs: Readonly<Record<string, OptionSpec>>): string[] =>
	Object.entries(specs).flatMap(([name, spec]) => [`--${name}`, ...(spec.alias ? [`-${spec.alias}`] : [])]);

/** The shell words of a kind: a command substitution for daemon names, else a fixed list. */
function kindWords(kind: Kind | undefined): string {
	switch (kind) {
		case 'service':
			return '$(_dpctl_names 1 services)';
		case 'handle':
			return '$(_dpctl_names 1 handles)';
		case 'signal':
			return SIGNALS.join(' ');
		case 'topic':
			return [...EVENT_TOPICS, '*'].join(' ');
		case 'log-type':
			return 'fd';
		case 'verb':
		case undefined:
			return '';
	}
}

/** One `case` arm per command or verb: the words at each argument position. */
function caseArm(word: string, options: string[]): string {
	const fields = fieldsOf(word);
	const at = (fields?.at ?? []).map((kind, i) => `${i + 1}) words="${kindWords(kind)}";;`).join(' ');
	const rest = `*) words="${kindWords(fields?.rest)}";;`;
	return `\t\t${word}) opts="${options.join(' ')}"; case $n in ${at} ${rest} esac;;`;
}

export function bashScript(commands: readonly DpctlCommand[]): string {
	const names = [...commands.map(c => commandName(c.command)), 'console'];
	const arms = [
		...commands.map(c => caseArm(commandName(c.command), optionWords(c.builder))),
		...PROTOCOL_VERBS.filter(v => fieldsOf(v)).map(v => caseArm(v, [])),
	];
	return `# dpctl(1) completion for bash; load it with: source <(dpctl completion bash)
_dpctl_names() {
	# Service names from the daemon (TSV of dpctl status), through the -S of the line being completed.
	if [ "$2" = services ]; then
		command dpctl "\${_dpctl_socket[@]}" --timeout 2 status 2>/dev/null | cut -f1
	else
		command dpctl "\${_dpctl_socket[@]}" --timeout 2 statedump 2>/dev/null | awk -F '\\t' '$1 == "fd.state" { print $2 }'
	fi
}
_dpctl() {
	local cur=\${COMP_WORDS[COMP_CWORD]} cmd= n=0 i words= opts=
	_dpctl_socket=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		case \${COMP_WORDS[i]} in
			-S | --socket) _dpctl_socket=(-S "\${COMP_WORDS[i + 1]}"); ((i++));;
			--timeout | --server-uid) ((i++));;
			-s | --signal) [ -n "$cmd" ] && ((i++));;
			-*) ;;
			*) if [ -z "$cmd" ]; then cmd=\${COMP_WORDS[i]}; else ((n++)); fi;;
		esac
	done
	((n++))
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then words="${optionWords(GLOBAL_OPTIONS).join(' ')} --help --version"
		else words="${[...names, ...PROTOCOL_VERBS].join(' ')}"; fi
	else
		case $cmd in
${arms.join('\n')}
		completion) words="${SHELLS.join(' ')}";;
		esac
		[[ $cur == -* ]] && words="$opts --json --help"
	fi
	mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}
complete -F _dpctl dpctl
`;
}

/** The command, given the loader of every command (the command table's, which loads this module). */
export const completionCommand = (loadAll: () => Promise<DpctlCommand[]>): DpctlCommand => ({
	command: 'completion <shell>',
	describe: 'print a completion script: source <(dpctl completion bash), or zsh',
	builder: {},
	async handler(args) {
		const shell = String(args['shell']);
		if (!(SHELLS as readonly string[]).includes(shell))
			throw usageError(`completion: unknown shell "${shell}" (bash or zsh)`);
		const script = bashScript(await loadAll());
		process.stdout.write(shell === 'zsh' ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script);
		return EXIT.ok;
	},
});
