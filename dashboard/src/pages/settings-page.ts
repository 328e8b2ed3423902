/**
 * Settings: the engine address and the API key this browser presents.
 * @module
 */
import { api } from '../api.js';
import { errorMessage } from '../api-error.js';
import { h, replace } from '../dom.js';
import { engineLabel, loadSettings, saveSettings } from '../settings.js';

const SOURCES = { browser: 'saved in this browser', server: 'a session key the server provided for this computer', none: 'none' } as const;

/** Renders the settings page. */
export function renderSettings(root: HTMLElement): void {
  const s = loadSettings();
  const base = h('input', { name: 'baseUrl', value: s.baseUrl, placeholder: window.location.origin, 'aria-label': 'engine address' });
  const key = h('input', { name: 'apiKey', type: 'password', value: s.keySource === 'server' ? '' : s.apiKey, placeholder: s.keySource === 'server' ? '(using the key provided by the server)' : 'API key', autocomplete: 'off', 'aria-label': 'API key' });
  const result = h('div', { class: 'status', 'aria-live': 'polite' });
  const form = h(
    'form',
    { class: 'stack' },
    h(
      'label',
      {},
      'Engine address',
      base,
      h('span', { class: 'muted small' }, 'Leave empty when the dashboard is served by the engine itself: that page may talk to its own engine only.'),
    ),
    h(
      'label',
      {},
      'API key',
      key,
      h(
        'span',
        { class: 'muted small' },
        `Current key: ${SOURCES[s.keySource]}${s.keySource === 'server' && s.serverScope !== '' ? ` (scope ${s.serverScope})` : ''}. Reading needs a read key, posting events a write key, changing models an admin key; enter such a key here (it is kept in this browser) and clear the field to go back to the session key.`,
      ),
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn primary' }, 'Save and test')),
    result,
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    saveSettings({ baseUrl: base.value, apiKey: key.value });
    replace(result, 'Testing…');
    void api
      .models()
      .then(() => replace(result, h('span', { class: 'ok' }, `Connected to ${engineLabel()}; the key is accepted.`)))
      .catch((error: unknown) => replace(result, h('span', { class: 'error-text' }, errorMessage(error))));
  });
  root.append(h('div', { class: 'page-head' }, h('h2', {}, 'Settings')), h('section', { class: 'card narrow-card' }, form));
}
