/**
 * The connection banner: shown while the engine does not answer ("Cannot reach the engine at …")
 * with a Retry button that checks `/v1/health` and reloads the page once it answers.
 * @module
 */
import { api, onReachability } from './api.js';
import { h, replace } from './dom.js';

/** Mounts the banner into `slot` and keeps it in step with the API client's reachability reports. */
export function mountBanner(slot: HTMLElement, rerender: () => void): void {
  let shown = false;
  const retry = async (button: HTMLButtonElement): Promise<void> => {
    button.disabled = true;
    button.textContent = 'Retrying…';
    try {
      await api.health();
      rerender();
    } catch {
      // Still down: the listener keeps the banner up.
    } finally {
      button.disabled = false;
      button.textContent = 'Retry';
    }
  };
  onReachability((reachable, target) => {
    if (reachable) {
      if (shown) replace(slot);
      shown = false;
      return;
    }
    if (shown) return;
    shown = true;
    const button = h('button', { type: 'button', class: 'btn' }, 'Retry');
    button.addEventListener('click', () => void retry(button));
    replace(
      slot,
      h(
        'div',
        { class: 'banner', role: 'alert' },
        h('span', { class: 'banner-text' }, h('strong', {}, `Cannot reach the engine at ${target}.`), ' Is the server running? Start it (', h('code', {}, 'npm start'), '), or change the address on the ', h('a', { href: '#/settings' }, 'Settings'), ' page.'),
        button,
      ),
    );
  });
}
