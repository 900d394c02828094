// Where the Node host's log lines go: stdout, one JSON object per line (see util/log.ts).
export const writeStdout = (line: string) => {
  process.stdout.write(line)
}
