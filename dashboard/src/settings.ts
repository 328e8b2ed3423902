/**
 * Where the engine is and which API key to present. The key comes, in order, from `?key=` in the
 * address (then remembered and removed from the address bar), from this browser's storage, or from a
 * `<meta name="lmrec-api-key">` tag that the server may inject for loopback visitors.
 * @module
 */

const KEY_STORAGE = 'lmrec.apiKey';
const BASE_STORAGE = 'lmrec.baseUrl';

/** The connection settings in effect. */
export interface Settings {
  /** Engine origin (and optional prefix), without a trailing slash; empty = the page's own origin. */
  baseUrl: string;
  /** API key, or empty for none. */
  apiKey: string;
  /** Where the key came from, shown on the settings page. */
  keySource: 'address' | 'browser' | 'server' | 'none';
}

function readStorage(name: string): string {
  try {
    return localStorage.getItem(name) ?? '';
  } catch {
    return '';
  }
}

function writeStorage(name: string, value: string): void {
  try {
    if (value === '') localStorage.removeItem(name);
    else localStorage.setItem(name, value);
  } catch {
    // Private windows may refuse storage; the value then lasts for this page only.
  }
}

let current: Settings | undefined;

/** Reads the settings once (taking `?key=` out of the address) and returns them. */
export function loadSettings(): Settings {
  if (current) return current;
  const url = new URL(window.location.href);
  const fromAddress = url.searchParams.get('key');
  if (fromAddress !== null) {
    writeStorage(KEY_STORAGE, fromAddress);
    url.searchParams.delete('key');
    window.history.replaceState(null, '', url.toString());
  }
  const stored = readStorage(KEY_STORAGE);
  const injected = document.querySelector<HTMLMetaElement>('meta[name="lmrec-api-key"]')?.content ?? '';
  let apiKey = '';
  let keySource: Settings['keySource'] = 'none';
  if (fromAddress !== null && fromAddress !== '') [apiKey, keySource] = [fromAddress, 'address'];
  else if (stored !== '') [apiKey, keySource] = [stored, 'browser'];
  else if (injected !== '') [apiKey, keySource] = [injected, 'server'];
  current = { baseUrl: readStorage(BASE_STORAGE).replace(/\/+$/, ''), apiKey, keySource };
  return current;
}

/** Saves new settings in this browser (an empty key falls back to one the server injected). */
export function saveSettings(next: { baseUrl: string; apiKey: string }): Settings {
  writeStorage(BASE_STORAGE, next.baseUrl.trim().replace(/\/+$/, ''));
  writeStorage(KEY_STORAGE, next.apiKey.trim());
  current = undefined;
  return loadSettings();
}

/** The engine address shown to people (the page's origin when no base URL is set). */
export function engineLabel(settings: Settings = loadSettings()): string {
  return settings.baseUrl === '' ? window.location.origin : settings.baseUrl;
}
