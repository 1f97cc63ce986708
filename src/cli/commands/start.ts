import { Option, type Command } from 'commander';
import { ROLES, createConfig, loadConfig, type Role } from '../../config.ts';
import { createLogger } from '../../logger.ts';
import { startApp } from '../../main.ts';
import { print } from '../output.ts';

function parseRoles(value: string): Role[] {
  return [...createConfig({ APP_ROLES: value }).APP_ROLES];
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .addOption(new Option('--roles <roles>', `comma-separated subset of ${ROLES.join(',')} (default: APP_ROLES)`).argParser(parseRoles))
    .action(async (options: { roles?: Role[] }, command: Command) => {
      const json = Boolean(command.optsWithGlobals<{ json?: boolean }>().json);
      const config = loadConfig();
      const logger = createLogger({ level: config.LOG_LEVEL });
      const roles = options.roles ?? config.APP_ROLES;
      const app = await startApp(config, logger, { roles });
      print(json, { status: 'running', roles, apiUrl: app.apiUrl, summary: app.summary }, [
        `Steller Agency is running (roles: ${roles.join(', ')})`,
        ...app.summary.map((line) => `  ${line}`),
        '  stop with Ctrl+C',
      ]);
      let stopping = false;
      const shutdown = (signal: NodeJS.Signals) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal: exiting now');
          process.exit(1);
        }
        stopping = true;
        logger.info({ signal }, 'shutting down: no new work, finishing what is in flight');
        app.stop().then(
          () => {
            logger.info('stopped');
            process.exit(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', shutdown);
      process.on('SIGTERM', shutdown);
    });
}
