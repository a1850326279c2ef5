import { Command } from 'commander'
import { addEndpointFlags, endpointFrom, requestJson } from '../http-client.js'
import { formatStatus } from '../format.js'
import type { ClusterStatus } from '../../node/status.js'

export function statusCommand (): Command {
  return addEndpointFlags(new Command('status'))
    .description('show the cluster as seen by a running node')
    .option('--json', 'print the raw JSON')
    .action(async (opts: { http?: string, httpToken?: string, json?: boolean }) => {
      const status = await requestJson<ClusterStatus>(endpointFrom(opts), 'GET', '/status')
      process.stdout.write((opts.json === true ? JSON.stringify(status, null, 2) : formatStatus(status)) + '\n')
    })
}
