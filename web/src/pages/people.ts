// The strip of people at the top of the home page: each person device (person_<user>, from OwnTracks) with whether
// they are home and since when; updated live with the devices it is drawn from.
import type { Device } from '../api.js';
import { ago, h } from '../dom.js';

/** Person devices with a `home` reading, by name. */
function peopleOf(devices: Iterable<Device>): Device[] {
  return [...devices]
    .filter((d) => d.id.startsWith('person_') && typeof d.properties.home?.value === 'boolean')
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
}

/** Its display name, else the OwnTracks user: `person_alice` → "alice". */
function nameOf(d: Device): string {
  return d.name && d.name !== d.id ? d.name : d.id.slice('person_'.length);
}

/** The strip, or null while there are no people. */
export function peopleStrip(devices: Iterable<Device>): HTMLElement | null {
  const people = peopleOf(devices);
  if (people.length === 0) return null;
  const home = people.filter((d) => d.properties.home!.value === true);
  return h(
    'section',
    { class: 'people', 'aria-label': 'Who is home' },
    h('p', { class: 'people-summary' }, home.length === 0 ? 'Nobody is home' : `${home.length} of ${people.length} home`),
    h(
      'ul',
      {},
      people.map((d) => {
        const isHome = d.properties.home!.value === true;
        const since = typeof d.properties.since?.value === 'string' ? d.properties.since.value : d.properties.home!.updatedAt;
        return h(
          'li',
          { class: `person ${isHome ? 'home' : 'away'}`, dataset: { person: d.id } },
          h(
            'a',
            { href: `#/device/${d.id}` },
            h('span', { class: 'avatar', 'aria-hidden': 'true' }, nameOf(d).slice(0, 1).toUpperCase()),
            h('span', { class: 'who' }, nameOf(d)),
          ),
          h('span', { class: 'where' }, isHome ? 'home' : 'away'),
          h('span', { class: 'since', title: since ?? '' }, since ? `since ${ago(since)}` : ''),
        );
      }),
    ),
  );
}
