// `mqtt-workbench <command>`: the command-line face. Bad flags and start-up failures print one line
// and exit with code 2 (`record` and `replay` exit 1 when the broker cannot be reached or the recording or replay fails).
import { Command, CommanderError } from 'commander';
import { brokerCommand } from './broker-command.js';
import { exportCommand } from './export-command.js';
import { recordCommand } from './record-command.js';
import { replayCommand } from './replay-command.js';
import { serveCommand } from './serve-command.js';

export const EXIT_USAGE = 2;

export async function main(argv: string[]): Promise<void> {
  const program = new Command('mqtt-workbench')
    .description('MQTT Workbench: an MQTT 3.1.1/5.0 broker and client workbench')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addCommand(brokerCommand().exitOverride())
    .addCommand(serveCommand().exitOverride())
    .addCommand(recordCommand().exitOverride())
    .addCommand(replayCommand().exitOverride())
    .addCommand(exportCommand().exitOverride());
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not errors; commander has printed them already.
      process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    }
    console.error(`mqtt-workbench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(EXIT_USAGE);
  }
}
