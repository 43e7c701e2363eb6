/** Processes found by a unique argument in /proc: in a sandbox a step's `$$` and `$!` name pids of its own namespace. */
export { processesWithArgument } from '../../../runner/test/helpers/processes';
