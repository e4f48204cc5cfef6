// The boundary check: a command's input against its schema; a mismatch is a typed, readable error.
import type { z } from 'zod';
import { commands, isCommandName, type CommandName, type ParsedInputOf } from '../../shared/contract/commands.js';
import { WorkbenchError, type InputIssue } from '../../shared/contract/errors.js';

export function parseCommand(cmd: unknown, input: unknown): { cmd: CommandName; input: ParsedInputOf<CommandName> } {
  if (!isCommandName(cmd)) {
    throw new WorkbenchError('unknown-command', `unknown command ${JSON.stringify(cmd)}`);
  }
  const schema: z.ZodType = commands[cmd].input;
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const issues: InputIssue[] = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const summary = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new WorkbenchError('invalid-input', `${cmd}: ${summary}`, issues);
  }
  return { cmd, input: result.data as ParsedInputOf<CommandName> };
}

/** Anything thrown by a command, as a WorkbenchError (unexpected ones keep their message). */
export function asWorkbenchError(error: unknown): WorkbenchError {
  if (error instanceof WorkbenchError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new WorkbenchError('internal', message);
}
