// Keyboard: shortcuts for a demo driven from the keyboard, the skip link, and
// the dialog that lists the shortcuts. Space plays or pauses, → steps (by the
// step selector's count), [ and ] move the time slider one recorded point,
// ? opens the list. Shortcuts never fire while typing in a field or with a
// modifier held; a focused button or link keeps Space (except Play/Pause).

import { $ } from './dom.js';

/** The shortcuts, as the dialog lists them. */
export const SHORTCUTS = [
  ['Space', 'play / pause'],
  ['→', 'step (by the step selector’s count)'],
  ['[', 'rewind one recorded point'],
  [']', 'forward one recorded point (to live at the end)'],
  ['?', 'this list'],
];

/** `h`: {playing(), play(), pause(), step(), rewindBy(k)}; each button's own checks (disabled) apply. */
export function initKeys(h) {
  const list = $('#shortcuts-list');
  for (const [key, what] of SHORTCUTS) {
    const dt = document.createElement('dt');
    const kbd = document.createElement('kbd');
    kbd.textContent = key;
    dt.append(kbd);
    const dd = document.createElement('dd');
    dd.textContent = what;
    list.append(dt, dd);
  }
  $('#shortcuts-close').addEventListener('click', () => $('#shortcuts').close());
  $('#shortcuts-open').addEventListener('click', () => $('#shortcuts').showModal());
  // The skip link focuses Play (or, while Play is disabled, the run bar itself).
  $('#skip').addEventListener('click', (e) => {
    e.preventDefault();
    const play = $('#play');
    if (!play.disabled) play.focus();
    else $('#runbar').focus();
  });
  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target instanceof Element ? e.target : null;
    if (t && t.closest('input, textarea, select, [contenteditable], dialog')) return;
    // A focused button or link keeps Space (it presses it), except Play and Pause, where Space toggles.
    if (e.key === ' ' && t && t.closest('button, a, [role="radio"]') && !t.closest('#play, #pause')) return;
    // In the preset list the arrow keys choose a preset.
    if (e.key === 'ArrowRight' && t && t.closest('[role="radio"]')) return;
    const click = (id) => {
      const b = $(id);
      if (!b.disabled) b.click();
    };
    switch (e.key) {
      case ' ':
        click(h.playing() ? '#pause' : '#play');
        break;
      case 'ArrowRight':
        click('#step');
        break;
      case '[':
        h.rewindBy(-1);
        break;
      case ']':
        h.rewindBy(1);
        break;
      case '?':
        $('#shortcuts').showModal();
        break;
      default:
        return;
    }
    e.preventDefault();
  });
}
