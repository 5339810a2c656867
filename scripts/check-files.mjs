// The habits Biome does not check (npm run lint): no line over 140 characters in src/, web/ and test/ except data, and
// no file over 300 lines in src/ and web/ unless a comment in its first 5 lines says why: `// Long file: <reason>`.
//
// Data is a line that holds one string, template or regex literal and nothing else but a property key, a `+`, a comma
// or a closing bracket around it: a message or an expected text stays whole on its line so that it can be found with
// grep (the formatter never splits a string either). Code and comments wrap at 140.
//
// Files are measured as `biome format` writes them (a copy is formatted in a temp dir), so that the counts hold both
// before and after the tree is formatted: line numbers in the report are those of the formatted file.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..');
const MAX_LINE = 140;
const MAX_LINES = 300;
const LONG_FILE = /^\s*(?:\/\/|\/\*+|\*|<!--)\s*Long file: \S/;
const SOURCE = /\.(?:ts|mjs|js|css|html)$/;
const LINES_CHECKED = /^(?:src|test|web\/src|web\/public)\/|^web\/[^/]+\.mjs$/;
const LENGTH_CHECKED = /^(?:src|web\/src|web\/public)\/|^web\/[^/]+\.mjs$/;
const LITERAL = String.raw`(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\x60(?:[^\x60\\]|\\.|\x60[^\x60]*\x60)*\x60|\/(?:[^/\\\n]|\\.)+\/[a-z]*)`;
const DATA = new RegExp(
  String.raw`^(?:[\w$.]+:\s*|\+\s*|\?\s*|:\s*|return\s+|(?:const|let)\s+\w+\s*=\s*)?${LITERAL}\s*(?:\+|,|;|\)|\]|\})*$`,
);

/** Tracked files and new ones git does not ignore, as in the working tree. */
function sourceFiles() {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: root, maxBuffer: 64 << 20 });
  return [...new Set(out.toString().split('\0'))].filter((f) => SOURCE.test(f) && LINES_CHECKED.test(f));
}

/** Each file's text as the formatter writes it, from a formatted copy in a temp dir. */
function formatted(files) {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-check-files-'));
  try {
    const config = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
    delete config.$schema;
    config.vcs = { enabled: false };
    writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), readFileSync(join(root, f)));
    }
    try {
      execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', '--no-errors-on-unmatched', '.'], {
        cwd: dir,
        stdio: 'pipe',
      });
    } catch (err) {
      // A file the formatter cannot parse is left as it is (biome lint reports it); the rest are formatted.
      if (!/error/i.test(String(err.stderr ?? err.stdout ?? ''))) throw err;
    }
    return new Map(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const problems = [];
for (const [file, text] of formatted(sourceFiles())) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    if (line.length > MAX_LINE && !DATA.test(line.trim()))
      problems.push(`${file}:${i + 1}: ${line.length} characters (at most ${MAX_LINE}, data aside)`);
  });
  if (LENGTH_CHECKED.test(file) && lines.length > MAX_LINES && !lines.slice(0, 5).some((l) => LONG_FILE.test(l))) {
    problems.push(`${file}: ${lines.length} lines (at most ${MAX_LINES}, or a "Long file: <reason>" comment in its first 5 lines)`);
  }
}
for (const p of problems) console.log(p);
if (problems.length > 0) {
  console.log(`check-files: ${problems.length} problem(s); line numbers are those of the file as \`npm run format\` writes it`);
  process.exit(1);
}
console.log('check-files: no line over 140 characters (data aside), no file over 300 lines without a reason');
