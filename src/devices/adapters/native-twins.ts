// Devices that announce themselves by Home Assistant discovery and that a native adapter also reads: each native
// adapter names its twins here (`<adapter>:<key>`), and the registry makes them one Hearth device (types.ts, sameAs).
import { esphomeTwin } from './esphome.js';

const TWINS: Array<(component: string, config: Record<string, unknown>) => string | undefined> = [esphomeTwin];

/** The native twins of one discovered entity (its normalized config). */
export function nativeTwins(component: string, config: Record<string, unknown>): string[] {
  return TWINS.map((twin) => twin(component, config)).filter((t): t is string => t !== undefined);
}
