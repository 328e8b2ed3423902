#!/usr/bin/env node
/**
 * The `lmrec` command line: import data, train models, run evaluation protocols, and ask for
 * recommendations. Tables go to stdout; `--json` prints exactly one JSON document instead; progress
 * bars go to stderr on a terminal only; failures exit non-zero with the reason on stderr. Each group
 * of commands lives in `commands/`; what they share is in `cli-context.ts`.
 * @module
 */
import { CommanderError, InvalidArgumentError } from 'commander';
import { EngineError } from '../index.js';
import { commanderHasPrinted, program } from './cli-context.js';
import { registerAskCommands } from './commands/ask.js';
import { registerCopyCommand } from './commands/copy.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerEnrichCommands } from './commands/enrich.js';
import { registerEvaluateCommand } from './commands/evaluate.js';
import { registerImportCommand } from './commands/import.js';
import { registerPurgeCommand } from './commands/purge.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStorageCommands } from './commands/storage.js';
import { registerTrainCommands } from './commands/train.js';

registerImportCommand(program);
registerTrainCommands(program);
registerEvaluateCommand(program);
registerAskCommands(program);
registerStorageCommands(program);
registerCopyCommand(program);
registerDemoCommand(program);
registerServeCommand(program);
registerPurgeCommand(program);
registerEnrichCommands(program);

const wantsJson = process.argv.slice(2).includes('--json');
try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError && (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)) {
    process.exitCode = 0;
  } else {
    const e = err as Error;
    const usage = err instanceof CommanderError;
    const printed = commanderHasPrinted();
    const code = err instanceof EngineError ? err.code : usage || err instanceof InvalidArgumentError ? 'invalid_argument' : 'internal';
    const details = err instanceof EngineError ? err.details : undefined;
    const message = usage ? e.message.replace(/^error:\s*/, '') : e.message;
    // A usage error Commander caught itself is already on stderr.
    if (!printed) process.stderr.write(`lmrec: ${message}${err instanceof EngineError ? ` [${code}]` : ''}${details ? ` ${JSON.stringify(details)}` : ''}\n`);
    if (wantsJson) process.stdout.write(JSON.stringify({ error: { code, message, ...(details ? { details } : {}) } }) + '\n');
    if (!(err instanceof EngineError) && !usage && !(err instanceof InvalidArgumentError) && process.env.LMREC_DEBUG) process.stderr.write(`${e.stack ?? ''}\n`);
    process.exitCode = 1;
  }
}

