// `condition: presence`: `anyone_home: true|false` (is anybody home?), or `person: alice` (or a list: all of them)
// with `home: true|false` (default true).
import type { Static } from '@sinclair/typebox';
import { isHome, listUsers, people, personId, userOf } from '../people.js';
import type { CONDITIONS } from '../schema.js';
import { CompileError, type CompiledCondition } from '../types.js';
import type { Path } from '../validate.js';

export function compilePresenceCondition(def: Static<typeof CONDITIONS.presence>, path: Path): CompiledCondition {
  if (def.anyone_home !== undefined && def.person !== undefined)
    throw new CompileError([...path, 'person'], 'use either anyone_home or person (with home), not both');
  if (def.anyone_home !== undefined && def.home !== undefined)
    throw new CompileError([...path, 'home'], 'home goes with person; with anyone_home it means nothing');
  if (def.anyone_home === undefined && def.person === undefined)
    throw new CompileError(path, 'needs anyone_home: true|false, or person: <user> (with home: true|false)');
  if (def.anyone_home !== undefined) {
    const wanted = def.anyone_home;
    return (ctx) => {
      const home = people(ctx.states)
        .filter((p) => p.home)
        .map((p) => p.id);
      const result = home.length > 0 === wanted;
      return {
        condition: 'presence',
        result,
        details: `home: ${listUsers(home)}${result ? '' : `, wanted ${wanted ? 'someone' : 'nobody'}`}`,
      };
    };
  }
  const ids = (Array.isArray(def.person) ? def.person : [def.person!]).map(personId);
  const wanted = def.home ?? true;
  return (ctx) => {
    const states = ids.map((id) => ({ id, home: isHome(ctx.states.get(`home/${id}/home`)) }));
    const unknown = states.filter((s) => s.home === undefined).map((s) => userOf(s.id));
    if (unknown.length)
      return { condition: 'presence', result: false, details: `${unknown.join(', ')} not known yet (no home/person_<user>/home)` };
    const wrong = states.filter((s) => s.home !== wanted).map((s) => s.id);
    const where = wanted ? 'home' : 'away';
    if (wrong.length)
      return {
        condition: 'presence',
        result: false,
        details: `${listUsers(wrong)} ${wrong.length > 1 ? 'are' : 'is'} ${wanted ? 'away' : 'home'}, wanted ${where}`,
      };
    return { condition: 'presence', result: true, details: `${listUsers(ids)} ${ids.length > 1 ? 'are' : 'is'} ${where}` };
  };
}
