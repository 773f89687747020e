// Shell completion scripts (bash, zsh, fish) generated from the command definitions, so they list exactly the
// commands and flags the tool has: `eval "$(npx streamsim completion bash)"`.
import type { Command } from 'commander';

export const COMPLETION_SHELLS = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

interface CommandFlags {
  name: string;
  description: string;
  flags: { long: string; description: string }[];
}

function command_flags(program: Command): { global: CommandFlags['flags']; commands: CommandFlags[] } {
  const flags_of = (command: Command): CommandFlags['flags'] =>
    command.options.flatMap((option) => (option.long === undefined ? [] : [{ long: option.long, description: option.description }]));
  return {
    global: [...flags_of(program), { long: '--help', description: 'show help' }],
    commands: program.commands.map((command) => ({
      name: command.name(),
      description: command.description(),
      flags: [...flags_of(command), { long: '--help', description: 'show help' }],
    })),
  };
}

/** Single-quoted for a POSIX shell or fish. */
function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function bash_function(program: Command): string {
  const { global, commands } = command_flags(program);
  const cases = commands.map((command) => `    ${command.name}) opts=${quote(command.flags.map((f) => f.long).join(' '))} ;;`).join('\n');
  return [
    '_streamsim() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" command="" opts="" i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in -*) ;; *) command="${COMP_WORDS[i]}"; break ;; esac',
    '  done',
    '  if [ -z "$command" ]; then',
    `    COMPREPLY=( $(compgen -W ${quote([...commands.map((c) => c.name), ...global.map((f) => f.long)].join(' '))} -- "$cur") )`,
    '    return',
    '  fi',
    '  case "$command" in',
    cases,
    '  esac',
    `  opts="$opts ${global.map((f) => f.long).join(' ')}"`,
    '  if [[ "$cur" == -* ]]; then',
    '    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )',
    '  else',
    '    COMPREPLY=( $(compgen -f -- "$cur") )',
    '  fi',
    '}',
  ].join('\n');
}

/** The completion script for one shell. */
export function completion_script(program: Command, shell: CompletionShell): string {
  switch (shell) {
    case 'bash':
      return [
        '# streamsim completion for bash. Load it with: eval "$(npx streamsim completion bash)"',
        bash_function(program),
        'complete -o filenames -o bashdefault -F _streamsim streamsim',
        '',
      ].join('\n');
    case 'zsh':
      return [
        '# streamsim completion for zsh. Load it with: eval "$(npx streamsim completion zsh)"',
        'autoload -U +X bashcompinit && bashcompinit',
        bash_function(program),
        'complete -o filenames -o bashdefault -F _streamsim streamsim',
        '',
      ].join('\n');
    case 'fish': {
      const { global, commands } = command_flags(program);
      const names = commands.map((c) => c.name).join(' ');
      const lines = ['# streamsim completion for fish. Load it with: npx streamsim completion fish | source'];
      for (const command of commands) {
        lines.push(`complete -c streamsim -n ${quote(`not __fish_seen_subcommand_from ${names}`)} -a ${command.name} -d ${quote(command.description)}`);
        for (const flag of command.flags) {
          lines.push(`complete -c streamsim -n ${quote(`__fish_seen_subcommand_from ${command.name}`)} -l ${flag.long.replace(/^--/, '')} -d ${quote(flag.description)}`);
        }
      }
      for (const flag of global) lines.push(`complete -c streamsim -l ${flag.long.replace(/^--/, '')} -d ${quote(flag.description)}`);
      return `${lines.join('\n')}\n`;
    }
  }
}
