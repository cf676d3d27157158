import { Project } from 'projen';
import { GitHub } from 'projen/lib/github';
import { ACTION_TABLE, usesOf } from '../workflows/actions';

/**
 * Routes the project's own projen-written workflows (build.yml, ...) through the one table of
 * actions: every action of the table that projen uses is overridden with the table's SHA, through
 * projen's one override call (`project.github.actions.set`). Actions projen uses that the table
 * does not hold keep projen's own pins. Returns the repositories it overrode.
 */
export function pinProjenActions(project: Project): string[] {
  const github = GitHub.of(project);
  if (!github) return [];
  return Object.values(ACTION_TABLE).map((action) => {
    github.actions.set(action.repository, usesOf(action));
    return action.repository;
  });
}
