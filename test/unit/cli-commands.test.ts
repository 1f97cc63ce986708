// The CLI imports only the module of the command being run, so its table of top-level commands
// must name every command a module registers, with the module that registers it.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { TOP_COMMANDS, buildProgram } from '../../src/cli/main.ts';

describe('steller top-level commands', () => {
  it('names every command each module registers, and each module registers what it is named for', async () => {
    const loaders = [...new Set(TOP_COMMANDS.map((command) => command.load))];
    const registeredBy = new Map<string, number>();
    for (const [index, load] of loaders.entries()) {
      const program = new Command();
      (await load())(program);
      for (const command of program.commands) {
        expect(registeredBy.has(command.name()), `${command.name()} registered twice`).toBe(false);
        registeredBy.set(command.name(), index);
      }
    }
    expect(new Map(TOP_COMMANDS.map((command) => [command.name, loaders.indexOf(command.load)]))).toEqual(registeredBy);
  });

  it('builds the full command asked for and only names the others', async () => {
    const program = await buildProgram(['node', 'steller', '--json', 'order', 'show', '--id', 'ST-1']);
    const order = program.commands.find((command) => command.name() === 'order');
    expect(order?.commands.map((command) => command.name())).toContain('show');
    expect(order?.description()).toBe(TOP_COMMANDS.find((command) => command.name === 'order')?.summary);
    const wallet = program.commands.find((command) => command.name() === 'wallet');
    expect(wallet?.commands).toEqual([]);
    expect(program.commands.map((command) => command.name()).sort()).toEqual(TOP_COMMANDS.map((command) => command.name).sort());
  });

  it('loads the command named after `help`', async () => {
    const program = await buildProgram(['node', 'steller', 'help', 'ledger']);
    expect(program.commands.find((command) => command.name() === 'ledger')?.commands.map((command) => command.name())).toEqual(['check']);
  });
});
