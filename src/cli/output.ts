// Where the commands write: one line at a time to stdout, as scripts and the tests read it.
export type Out = (line: string) => void;

export const stdout: Out = (line) => process.stdout.write(line + '\n');
