/**
 * Entry of the dashboard: the page shell (header, collapsible navigation, connection banner) and the
 * routes of each page.
 * @module
 */
import './styles.css';
import { mountBanner } from './banner.js';
import { h } from './dom.js';
import { renderAsk } from './pages/ask-page.js';
import { renderCatalogue } from './pages/catalogue-page.js';
import { renderEvaluation } from './pages/evaluation-page.js';
import { renderItem } from './pages/item-page.js';
import { renderLive } from './pages/live-page.js';
import { renderModels } from './pages/models-page.js';
import { renderSettings } from './pages/settings-page.js';
import { renderUser } from './pages/user-page.js';
import { renderUsers } from './pages/users-page.js';
import { startRouter } from './router.js';
import type { Route } from './router.js';
import { loadSettings } from './settings.js';

const NAV: [string, string][] = [
  ['catalogue', 'Catalogue'],
  ['users', 'Users'],
  ['ask', 'Ask'],
  ['live', 'Live'],
  ['evaluation', 'Evaluation'],
  ['models', 'Models'],
  ['settings', 'Settings'],
];

const routes: Route[] = [
  { pattern: '/catalogue', nav: 'catalogue', render: renderCatalogue },
  { pattern: '/items/:id', nav: 'catalogue', render: renderItem },
  { pattern: '/users', nav: 'users', render: renderUsers },
  { pattern: '/users/:id', nav: 'users', render: renderUser },
  { pattern: '/ask', nav: 'ask', render: renderAsk },
  { pattern: '/live', nav: 'live', render: renderLive },
  { pattern: '/evaluation', nav: 'evaluation', render: renderEvaluation },
  { pattern: '/models', nav: 'models', render: renderModels },
  { pattern: '/settings', nav: 'settings', render: (root) => renderSettings(root) },
];

function shell(): { main: HTMLElement; banner: HTMLElement; setActive: (nav: string) => void } {
  loadSettings();
  const links = new Map(NAV.map(([id, label]) => [id, h('a', { href: `#/${id}`, class: 'nav-link', 'data-nav': id }, label)]));
  const nav = h('nav', { class: 'nav', id: 'nav', 'aria-label': 'pages' }, [...links.values()]);
  const toggle = h('button', { type: 'button', class: 'nav-toggle', 'aria-controls': 'nav', 'aria-expanded': 'false', 'aria-label': 'menu' }, '☰');
  toggle.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    toggle.setAttribute('aria-expanded', String(open));
  });
  nav.addEventListener('click', () => {
    nav.classList.remove('open');
    toggle.setAttribute('aria-expanded', 'false');
  });
  const header = h('header', { class: 'top' }, h('a', { class: 'brand', href: '#/catalogue' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◆'), 'lmrec'), toggle, nav);
  const banner = h('div', { class: 'banner-slot' });
  const main = h('main', { class: 'content', id: 'content' });
  document.body.replaceChildren(header, banner, main);
  return {
    main,
    banner,
    setActive: (active) => {
      for (const [id, link] of links) link.classList.toggle('active', id === active);
    },
  };
}

const { main, banner, setActive } = shell();
mountBanner(banner, () => window.dispatchEvent(new HashChangeEvent('hashchange')));
startRouter(routes, main, setActive);
