/**
 * Where the engine is and which API key to present. The key comes from this browser's storage (the
 * Settings page) or else from a `<meta name="lmrec-api-key">` tag: a session key of least scope
 * (named in `lmrec-api-key-scope`) that the server writes into the page for a browser on its own
 * machine. A key is never read from the address: it would end up in history, logs and referrers.
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
  keySource: 'browser' | 'server' | 'none';
  /** Scope of the key the server wrote into the page (`read`, `write`), or empty when it wrote none. */
  serverScope: string;
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

/** Reads the settings once and returns them. */
export function loadSettings(): Settings {
  if (current) return current;
  const stored = readStorage(KEY_STORAGE);
  const injected = document.querySelector<HTMLMetaElement>('meta[name="lmrec-api-key"]')?.content ?? '';
  const serverScope = injected === '' ? '' : (document.querySelector<HTMLMetaElement>('meta[name="lmrec-api-key-scope"]')?.content ?? '');
  let apiKey = '';
  let keySource: Settings['keySource'] = 'none';
  if (stored !== '') [apiKey, keySource] = [stored, 'browser'];
  else if (injected !== '') [apiKey, keySource] = [injected, 'server'];
  current = { baseUrl: readStorage(BASE_STORAGE).replace(/\/+$/, ''), apiKey, keySource, serverScope };
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
