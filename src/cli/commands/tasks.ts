// `mcp-cluster tasks`: the master's task list, and `tasks explain <id>`: where a task went and why.
import { Command, Option } from 'commander'
import { addEndpointFlags, endpointFrom, requestJson } from '../http-client.js'
import { formatTaskExplanation, formatTaskList } from '../format.js'
import { TASK_STATES, type TaskState } from '../../core/tasks/table-types.js'
import type { TasksAnswer } from '../../node/http-routes.js'
import type { TaskLookup } from '../../node/task-lookup.js'
import type { ClusterStatus } from '../../node/status.js'

/** What `GET /tasks/:id` answers: the master's record (`view`) and/or the submitter's result. */
export type TaskAnswer = TaskLookup

interface EndpointFlags { http?: string, httpToken?: string, json?: boolean }

function addTasksFlags (cmd: Command): Command {
  return addEndpointFlags(cmd).option('--json', 'print JSON: the node\'s answer, plus which node this is and who is master')
}

export function tasksCommand (): Command {
  const cmd = addTasksFlags(new Command('tasks')
    .description('list the tasks in the master\'s table (and `tasks explain <id>` for one task)')
    .addOption(new Option('--state <state>', 'only tasks in this state').choices(TASK_STATES)))
    .action(async (flags: EndpointFlags & { state?: TaskState }) => {
      const ep = endpointFrom(flags)
      const query = flags.state !== undefined ? `?state=${flags.state}` : ''
      const [answer, status] = await Promise.all([
        requestJson<TasksAnswer>(ep, 'GET', `/tasks${query}`),
        requestJson<ClusterStatus>(ep, 'GET', '/status')
      ])
      const out = flags.json === true
        ? JSON.stringify({ node: status.self.id, master: status.master, ...answer }, null, 2)
        : formatTaskList(answer, status, flags.state)
      process.stdout.write(out + '\n')
    })
  cmd.addCommand(explainCommand())
  return cmd
}

function explainCommand (): Command {
  return addTasksFlags(new Command('explain')
    .description('where a task went and why: each attempt\'s node, epoch, outcome and placement reasons, and the result')
    .argument('<id>', 'the task id (`submit` prints it)'))
    .action(async (id: string, _flags: EndpointFlags, cmd: Command) => {
      // `tasks` has the same flags, and commander lets it take them even when they follow
      // `explain`: read both levels.
      const flags = cmd.optsWithGlobals<EndpointFlags>()
      const ep = endpointFrom(flags)
      const status = await requestJson<ClusterStatus>(ep, 'GET', '/status')
      // A node that is not the master asks the master itself; a 404 says why neither knows it.
      const answer = await requestJson<TaskAnswer>(ep, 'GET', `/tasks/${encodeURIComponent(id)}`)
      const out = flags.json === true
        ? JSON.stringify({ node: status.self.id, master: status.master, ...answer }, null, 2)
        : formatTaskExplanation(answer, status)
      process.stdout.write(out + '\n')
    })
}
