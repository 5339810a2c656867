// Scenes and helpers made in the dashboard or through the API, written into a file of the rules dir (`scenes.yaml`,
// `helpers.yaml` unless the id is already in another file): one item added or replaced, the rest of the file and its
// comments kept, the result checked as the hub would load it before anything touches the disk.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, type YAMLSeq } from 'yaml';
import { HearthError } from '../../shared/errors.js';
import type { RuleDirectory } from '../rule-directory.js';
import { write } from '../rule-files.js';
import { inputTag } from './blueprints.js';

type Section = 'scenes' | 'helpers';
const KIND = { scenes: 'scene', helpers: 'helper' } as const;

/** Adds or replaces the item with `def.id` in `section`; returns the file it went into. */
export function saveBlock(
  directory: RuleDirectory,
  section: Section,
  def: { id: string; [key: string]: unknown },
): { fileName: string; created: boolean } {
  const existing = directory.items(KIND[section]).find((e) => e.item.id === def.id);
  const fileName = existing?.fileName ?? `${section}.yaml`;
  const doc = read(directory, fileName);
  let list = doc.get(section, true) as YAMLSeq | undefined;
  if (!list) {
    doc.set(section, doc.createNode([]));
    list = doc.get(section, true) as YAMLSeq;
  }
  if (!isSeq(list)) throw conflict(`${directory.displayPath(fileName)}: ${section} is not a list; edit that file`);
  const at = list.items.findIndex((node) => isMap(node) && node.get('id') === def.id);
  const node = doc.createNode(def);
  if (at >= 0) list.set(at, node);
  else list.add(node);
  save(directory, fileName, doc.toString());
  return { fileName, created: at < 0 };
}

/** Removes the item with `id` from the file that holds it. */
export function deleteBlock(directory: RuleDirectory, section: Section, id: string): void {
  const existing = directory.items(KIND[section]).find((e) => e.item.id === id);
  if (!existing) throw new HearthError('HEARTH_NOT_FOUND', { message: `No ${KIND[section]} "${id}"` });
  const doc = read(directory, existing.fileName);
  const list = doc.get(section, true);
  if (!isSeq(list)) throw conflict(`${existing.file}: ${section} is not a list; edit that file`);
  list.items = list.items.filter((node) => !(isMap(node) && node.get('id') === id));
  save(directory, existing.fileName, doc.toString());
}

function read(directory: RuleDirectory, fileName: string) {
  const path = join(directory.dir, fileName);
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const doc = parseDocument(text, { customTags: [inputTag] });
  if (doc.errors.length > 0) throw conflict(`${directory.displayPath(fileName)} has YAML mistakes; fix it first (hearth rules check)`);
  if (doc.contents === null) doc.contents = doc.createNode({}) as never;
  const rootKeys = isMap(doc.contents) ? doc.contents.items.map((p) => String((p.key as { value?: unknown })?.value ?? p.key)) : [];
  if (!isMap(doc.contents) || rootKeys.some((k) => ['id', 'triggers', 'actions', 'use_blueprint'].includes(k))) {
    throw conflict(
      `${directory.displayPath(fileName)} holds rules as a single rule or a list; move them under rules: to add scenes or helpers there`,
    );
  }
  return doc;
}

function save(directory: RuleDirectory, fileName: string, text: string): void {
  const loaded = directory.check(fileName, text);
  if (loaded.problems.length > 0)
    throw new HearthError('HEARTH_RULE_INVALID', { message: loaded.problems.map((p) => p.text).join('\n') }, { errors: loaded.problems });
  write(directory, fileName, text);
}

function conflict(message: string): HearthError {
  return new HearthError('HEARTH_CONFLICT', { message });
}
