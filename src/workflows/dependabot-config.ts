/** An ecosystem Dependabot updates, as `package-ecosystem` names it. */
export type DependabotEcosystem = 'github-actions' | 'docker' | 'pip' | 'npm';

/** One `updates:` entry: an ecosystem and the folders (from the repository root, starting with "/") it looks in. */
export interface DependabotUpdate {
  readonly ecosystem: DependabotEcosystem;
  readonly directories: readonly string[];
}

/** How often Dependabot looks, and how long it lets a new release settle. */
export interface DependabotSchedule {
  /** `schedule.interval`. */
  readonly interval: 'daily' | 'weekly' | 'monthly';
  /** `cooldown.default-days`: a release younger than this is not proposed (a compromised release is usually pulled within days). */
  readonly cooldownDays: number;
}

/**
 * `.github/dependabot.yml` as an object: one entry per ecosystem, its folders sorted, a cooldown,
 * and the minor and patch updates of an ecosystem grouped into one pull request (majors stay
 * one pull request each: they are the ones that need reading).
 */
export function dependabotConfig(updates: readonly DependabotUpdate[], schedule: DependabotSchedule): Record<string, unknown> {
  return {
    version: 2,
    updates: updates.map((update) => ({
      'package-ecosystem': update.ecosystem,
      'directories': [...new Set(update.directories)].sort(),
      'schedule': { interval: schedule.interval },
      'cooldown': { 'default-days': schedule.cooldownDays },
      'groups': { [`${update.ecosystem}-minor-and-patch`]: { 'patterns': ['*'], 'update-types': ['minor', 'patch'] } },
    })),
  };
}
