// `trigger: presence`: someone arrives or leaves (a person device's `home` changes), the first to arrive to an empty
// home, or the last to leave it; optionally only for some people. The event says who, and who is home now. With
// `for:`, what the event brought must last that long (durable across restarts, as every hold): the person stays
// arrived or gone, the home stays empty after the last left, or not empty after the first arrived.
import type { Static } from '@sinclair/typebox';
import { homeTopicOf, isHome, listUsers, people, PERSON_PREFIX, personId, userOf } from '../people.js';
import type { TRIGGERS } from '../schema.js';
import type { CompiledTrigger, TriggerEvent } from '../types.js';
import type { Path } from '../validate.js';
import { durationAt } from './common.js';
import { Hold } from './hold.js';

/** Whether a change undoes what a pending hold waits on; the words for the trace when it does. */
function undoes(held: TriggerEvent, event: string, person: string, now: boolean, anyoneHome: boolean): string | undefined {
  switch (event) {
    case 'arrived':
    case 'left':
      return person === held.person && now !== held.to ? `${userOf(person)} ${now ? 'came back' : 'left again'}` : undefined;
    case 'last_left':
      return now ? `${userOf(person)} arrived` : undefined;
    case 'first_arrived':
      return anyoneHome ? undefined : `${userOf(person)} left and the home is empty again`;
  }
  return undefined;
}

export function compilePresence(def: Static<typeof TRIGGERS.presence>, id: string, path: Path): CompiledTrigger {
  const only = def.person === undefined ? undefined : (Array.isArray(def.person) ? def.person : [def.person]).map(personId);
  const filters = only ? only.map(homeTopicOf) : [homeTopicOf('+')];
  const forMs = durationAt(def.for, [...path, 'for']);
  return {
    attach(ctx, fire, reject) {
      const hold = forMs !== undefined ? new Hold(ctx.clock, forMs, ctx.durable, `${id}/presence`) : undefined;
      hold?.resume((event) =>
        fire({ ...event, description: `${event.description}, held for ${hold.description} (resumed after a restart)` }),
      );
      const detaches = filters.map((filter) =>
        ctx.onMessage(filter, (m) => {
          const person = m.topic.split('/')[1]!;
          if (!person.startsWith(PERSON_PREFIX)) return; // home/<device>/home of something that is not a person
          const now = isHome(m.value);
          const before = isHome(m.previous);
          if (now === undefined || now === before) return; // not a change
          const user = userOf(person);
          const others = people(ctx.states)
            .filter((p) => p.home && p.id !== person)
            .map((p) => p.id);
          const home = now ? [person, ...others].sort() : others;
          const event = {
            id,
            kind: 'presence',
            topic: m.topic,
            payload: m.payload,
            value: now,
            from: before,
            to: now,
            person,
            user,
            people_home: home.map(userOf),
            anyone_home: home.length > 0,
            description: `${user} ${now ? 'arrived home' : 'left home'} (home now: ${listUsers(home)})`,
          };
          const held = hold?.event;
          const undone = held ? undoes(held, def.event, person, now, home.length > 0) : undefined;
          if (undone) reject(`for: ${hold!.description} interrupted after ${hold!.cancel()}: ${undone}`, event);
          if (before === undefined)
            return reject(
              `presence: ${user} reported for the first time (${now ? 'home' : 'away'}); an arrival or a departure needs a state before it`,
              event,
            );
          switch (def.event) {
            case 'arrived':
              if (!now) return reject(`presence: ${user} left, wanted an arrival`, event);
              break;
            case 'left':
              if (now) return reject(`presence: ${user} arrived, wanted a departure`, event);
              break;
            case 'first_arrived':
              if (!now) return reject(`presence: ${user} left, wanted the first arrival`, event);
              if (others.length)
                return reject(
                  `presence: ${user} arrived, but ${listUsers(others)} ${others.length > 1 ? 'were' : 'was'} home already`,
                  event,
                );
              break;
            case 'last_left':
              if (now) return reject(`presence: ${user} arrived, wanted the last to leave`, event);
              if (others.length)
                return reject(`presence: ${user} left, but ${listUsers(others)} ${others.length > 1 ? 'are' : 'is'} still home`, event);
              break;
          }
          const fired = {
            ...event,
            description: `${event.description}${def.event === 'last_left' ? ': the last to leave' : def.event === 'first_arrived' ? ': the first to arrive' : ''}`,
          };
          if (hold) hold.start(fired, () => fire({ ...fired, description: `${fired.description}, held for ${hold.description}` }));
          else fire(fired);
        }),
      );
      return () => {
        hold?.cancel();
        for (const detach of detaches) detach();
      };
    },
  };
}
