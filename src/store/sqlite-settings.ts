// Settings every SQLite connection of the hub shares.

/**
 * The page cache of a connection (`PRAGMA cache_size`; negative: KiB): SQLite's own default, 2 MB, instead of the
 * 16 MB better-sqlite3 builds it with. The hub's writes touch a few pages, and a month's chart reads its series once
 * (the kernel caches the file): after the charts of ten series a connection kept 14 MB less (docs/performance.md).
 */
export const CACHE_SIZE = -2000;
