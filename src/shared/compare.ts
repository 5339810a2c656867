// Sorting of ids and file names by UTF-16 code unit: the same order on every machine whatever its locale, and
// without ICU's collator, which `localeCompare` pages in at start-up (~2 MB of RSS on the Node binary's ICU data).

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
